"""Project-wide class facts: which classes are ORM models, response schemas or serializers.

Framework-neutral knowledge shared by the exposure and mass-assignment rules. A class is
classified by its (transitive) bases, resolved through the project index: SQLAlchemy
(`DeclarativeBase`, `declarative_base()`, `db.Model`), SQLModel with `table=True`, Django,
Tortoise, Peewee, Mongo documents; Pydantic / SQLModel / Ninja schemas; DRF serializers;
Marshmallow schemas. Field names include inherited project fields. Use `model_facts(index)`:
the facts are computed once per index.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Final

from apilint.project import ProjectIndex, Symbol
from apilint.summary import ClassDef, Expr, FunctionDef, ModuleSummary, walk_stmts

ORM: Final = "orm"
SCHEMA: Final = "schema"
"""Pydantic, SQLModel (non-table) and Ninja schemas."""
SERIALIZER: Final = "serializer"
"""Django REST framework serializers."""
MARSHMALLOW: Final = "marshmallow"

_ORM_ROOTS: Final = frozenset({
    "sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta", "sqlalchemy.orm.MappedAsDataclass",
    "django.db.models.Model", "django.db.models.base.Model", "django.contrib.auth.models.AbstractUser",
    "django.contrib.auth.models.AbstractBaseUser", "django.contrib.auth.base_user.AbstractBaseUser",
    "django.contrib.auth.models.PermissionsMixin", "django.contrib.auth.models.User",
    "tortoise.models.Model", "tortoise.Model", "mongoengine.Document", "mongoengine.DynamicDocument",
    "mongoengine.document.Document", "beanie.Document", "odmantic.Model", "peewee.Model", "ormar.Model",
    "piccolo.table.Table", "flask_sqlalchemy.model.Model", "gino.Gino.Model",
})
_ORM_FACTORIES: Final = frozenset({"declarative_base", "generate_base", "as_declarative"})
_DB_OBJECTS: Final = {"SQLAlchemy": ("Model",), "MongoEngine": ("Document", "DynamicDocument"),
                      "Database": ("Entity",), "Gino": ("Model",)}
_SCHEMA_ROOTS: Final = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", "sqlmodel.SQLModel",
                                  "ninja.Schema", "ninja.ModelSchema", "ninja.schema.Schema"})
_SERIALIZER_ROOTS: Final = frozenset({"rest_framework.serializers.ModelSerializer",
                                      "rest_framework.serializers.HyperlinkedModelSerializer",
                                      "rest_framework.serializers.Serializer"})
_MARSHMALLOW_SHORT: Final = frozenset({"Schema", "SQLAlchemyAutoSchema", "SQLAlchemySchema", "ModelSchema",
                                       "TableSchema", "SQLAlchemyModelSchema"})
AUTO_SCHEMAS: Final = frozenset({"SQLAlchemyAutoSchema", "ModelSchema", "TableSchema", "SQLAlchemyModelSchema"})
"""Marshmallow schema bases that generate every column of `Meta.model`."""

# Fields of Django's built-in user models, which live outside the project.
_DJANGO_USER_FIELDS: Final = ("id", "password", "last_login", "is_superuser", "groups", "user_permissions",
                              "username", "first_name", "last_name", "email", "is_staff", "is_active",
                              "date_joined")
_EXTERNAL_FIELDS: Final = {
    "django.contrib.auth.models.User": _DJANGO_USER_FIELDS,
    "django.contrib.auth.models.AbstractUser": _DJANGO_USER_FIELDS,
    "django.contrib.auth.models.AbstractBaseUser": ("password", "last_login"),
    "django.contrib.auth.base_user.AbstractBaseUser": ("password", "last_login"),
    "django.contrib.auth.models.PermissionsMixin": ("is_superuser", "groups", "user_permissions"),
}
_NOT_FIELDS: Final = frozenset({"Meta", "Config", "model_config", "objects", "query", "query_class",
                                "metadata", "registry", "DoesNotExist", "MultipleObjectsReturned"})


@dataclass(frozen=True, slots=True)
class ClassInfo:
    """What apilint knows about one project class that holds data."""

    qualname: str
    kind: str
    """`orm`, `schema`, `serializer` or `marshmallow`."""
    module: ModuleSummary
    cls: ClassDef
    fields: tuple[str, ...] = ()
    """Declared data fields, inherited project fields included."""
    hidden: frozenset[str] = frozenset()
    """Fields left out of responses (`Field(exclude=True)`, `write_only`, `load_only`, `SecretStr`)."""
    read_only: frozenset[str] = frozenset()
    """Fields clients cannot set (`read_only`, `dump_only`, `read_only_fields`)."""
    model: str | None = None
    """`Meta.model` of a serializer or generated schema (qualified name)."""
    meta_fields: tuple[str, ...] | None = None
    """`Meta.fields` as a list; `("__all__",)` for every field; None when not set."""
    meta_exclude: tuple[str, ...] | None = None
    meta_fields_line: int = 0
    meta_exclude_line: int = 0
    auto: bool = False
    """A schema that generates its fields from `model` (Marshmallow auto schemas, Ninja ModelSchema)."""
    extra_allowed: bool = False
    """A Pydantic schema that accepts unknown fields (`extra="allow"`)."""
    relations: frozenset[str] = frozenset()
    """ORM fields that reference another row (`secret = ForeignKey(Secret)`): a link, not a value."""

    @property
    def short(self) -> str:
        """The class name."""
        return self.cls.name


@dataclass
class ModelFacts:
    """Every data-holding class of a project, by qualified name."""

    index: ProjectIndex
    classes: dict[str, ClassInfo] = field(default_factory=dict)

    def resolve(self, mod: ModuleSummary, expr: Expr | None) -> ClassInfo | None:
        """The class a name/attribute expression (or string annotation) in `mod` refers to."""
        if expr is None:
            return None
        qualname: str | None
        if expr.kind == "str" and re.fullmatch(r"[A-Za-z_][\w.]*", expr.text):
            qualname = self.index.qualify(mod, expr.text)
        else:
            qualname = self.index.qualify_expr(mod, expr) if expr.kind in ("name", "attr") else None
        if qualname is None:
            return None
        info = self.classes.get(qualname)
        if info is None:
            symbol = self.index.lookup(qualname)
            if symbol is not None and symbol.cls is not None:
                info = self.classes.get(symbol.qualname)
        return info

    def annotated(self, mod: ModuleSummary, expr: Expr | None, depth: int = 0) -> tuple[ClassInfo, bool] | None:
        """The data class inside a type annotation and whether it is a collection.

        `User`, `"User"`, `User | None`, `Optional[User]`, `list[User]`, `Annotated[User, ...]`
        and aliases to those (`CurrentUser = Annotated[User, Depends(...)]`).
        """
        if expr is None or depth > 4:
            return None
        if expr.kind in ("name", "attr", "str"):
            info = self.resolve(mod, expr)
            if info is not None:
                return info, False
            symbol = self.index.resolve(mod, expr) if expr.kind != "str" else None
            if symbol is not None and symbol.value is not None and symbol.value.kind == "subscript":
                return self.annotated(symbol.module, symbol.value, depth + 1)
            return None
        if expr.kind == "binop" and expr.text == "|":
            for part in expr.args:
                found = self.annotated(mod, part, depth + 1)
                if found is not None:
                    return found
            return None
        if expr.kind == "subscript" and expr.args:
            head = (expr.args[0].dotted or "").rsplit(".", 1)[-1]
            inner = expr.args[1:]
            if head in ("Annotated",) and inner:
                return self.annotated(mod, inner[0], depth + 1)
            if head in ("Optional", "Union"):
                for part in inner:
                    found = self.annotated(mod, part, depth + 1)
                    if found is not None:
                        return found
                return None
            if head in ("list", "List", "Sequence", "Iterable", "set", "Set", "tuple", "Tuple", "Page",
                        "QuerySet", "LimitOffsetPage") and inner:
                found = self.annotated(mod, inner[0], depth + 1)
                return (found[0], True) if found is not None else None
        return None

    def model_fields(self, qualname: str | None) -> tuple[str, ...]:
        """Fields of an ORM class (project or Django built-in user)."""
        if qualname is None:
            return ()
        info = self.classes.get(qualname)
        if info is not None:
            return info.fields
        return _EXTERNAL_FIELDS.get(qualname, ())

    def relation_fields(self, qualname: str | None) -> frozenset[str]:
        """Fields of an ORM class that reference another row (foreign keys, relationships)."""
        info = self.classes.get(qualname) if qualname else None
        return info.relations if info is not None else frozenset()

    def output_fields(self, info: ClassInfo) -> tuple[str, ...]:
        """Fields a class puts into a response when serialized."""
        return tuple(f for f in self.declared_or_meta(info) if f not in info.hidden)

    def writable_fields(self, info: ClassInfo) -> tuple[str, ...]:
        """Fields a client may set through a serializer or input schema."""
        return tuple(f for f in self.declared_or_meta(info) if f not in info.read_only and f != "id")

    def declared_or_meta(self, info: ClassInfo) -> tuple[str, ...]:
        """Declared fields plus the model fields `Meta.fields` / `exclude` / auto generation select."""
        names = list(info.fields)
        model_fields = self.model_fields(info.model)
        if info.meta_fields is not None:
            chosen = model_fields if info.meta_fields == ("__all__",) else info.meta_fields
        elif info.meta_exclude is not None or info.auto:
            chosen = model_fields
        else:
            chosen = ()
        names += [f for f in chosen if f not in names]
        if info.meta_exclude:
            names = [f for f in names if f not in info.meta_exclude]
        return tuple(names)


_CACHE: weakref.WeakKeyDictionary[ProjectIndex, ModelFacts] = weakref.WeakKeyDictionary()


def model_facts(index: ProjectIndex) -> ModelFacts:
    """The project's class facts, computed once per index."""
    facts = _CACHE.get(index)
    if facts is None:
        facts = _build(index)
        _CACHE[index] = facts
    return facts


def _build(index: ProjectIndex) -> ModelFacts:
    facts = ModelFacts(index)
    for mod in index:
        found = index.per_module("model-classes", mod, "", partial(_module_classes, index, mod))
        if found:
            definitions = index.definitions(mod)
            for name, info in found:
                cls = definitions[name].cls
                assert cls is not None
                facts.classes[info.qualname] = replace(info, module=mod, cls=cls)
    return facts


_NO_MODULE: Final = ModuleSummary("", "")
_NO_CLASS: Final = ClassDef("", "", 0, 0)


def _module_classes(index: ProjectIndex, mod: ModuleSummary) -> tuple[tuple[str, ClassInfo], ...]:
    """(name, facts) of the data-holding classes a module defines at top level, their module and
    class left out (the result is kept between runs: `ProjectIndex.per_module`)."""
    out: list[tuple[str, ClassInfo]] = []
    kinds: dict[str, str | None] = {}
    for name, symbol in index.definitions(mod).items():
        if symbol.cls is None:
            continue
        kind = _kind(index, symbol, kinds, 0)
        if kind is not None:
            out.append((name, replace(_info(index, symbol, kind), module=_NO_MODULE, cls=_NO_CLASS)))
    return tuple(out)


def _kind(index: ProjectIndex, symbol: Symbol, seen: dict[str, str | None], depth: int) -> str | None:
    if symbol.qualname in seen:
        return seen[symbol.qualname]
    seen[symbol.qualname] = None
    cls = symbol.cls
    assert cls is not None
    result: str | None = None
    table = any(kw.name == "table" and kw.value.is_true for kw in cls.keywords)
    if cls.attribute("__tablename__") is not None or cls.attribute("__collection__") is not None:
        result = ORM
    for dec in cls.decorators:
        target = dec.expr.func if dec.expr.kind == "call" else dec.expr
        if (target.dotted or "").rsplit(".", 1)[-1] in ("as_declarative", "mapped", "mapped_as_dataclass"):
            result = ORM
    for base in cls.bases:
        if result is not None:
            break
        expr = base.args[0] if base.kind == "subscript" else base
        qualname = index.qualify_expr(symbol.module, expr)
        if qualname is None:
            continue
        base_kind = _external_kind(index, symbol.module, expr, qualname)
        if base_kind is None and depth < 10:
            parent = index.lookup(qualname)
            if parent is not None and parent.cls is not None and parent.qualname != symbol.qualname:
                base_kind = _kind(index, parent, seen, depth + 1)
                if base_kind == SCHEMA and _sqlmodel_table(index, parent):
                    base_kind = ORM
        if base_kind == SCHEMA and table and _is_sqlmodel(index, symbol):
            base_kind = ORM
        result = base_kind
    seen[symbol.qualname] = result
    return result


def _external_kind(index: ProjectIndex, mod: ModuleSummary, expr: Expr, qualname: str) -> str | None:
    if qualname in _ORM_ROOTS:
        return ORM
    if qualname in _SCHEMA_ROOTS:
        return SCHEMA
    if qualname in _SERIALIZER_ROOTS:
        return SERIALIZER
    head, _, short = qualname.rpartition(".")
    if head.startswith(("marshmallow", "flask_marshmallow", "marshmallow_sqlalchemy")) and short in _MARSHMALLOW_SHORT:
        return MARSHMALLOW
    symbol = index.lookup(qualname)
    if symbol is not None and symbol.value is not None and symbol.value.kind == "call":
        factory = (index.qualify_expr(symbol.module, symbol.value.func) or "").rsplit(".", 1)[-1]
        if factory in _ORM_FACTORIES:
            return ORM
    if head:
        owner = index.lookup(head)
        if owner is not None and owner.value is not None and owner.value.kind == "call":
            factory = (index.qualify_expr(owner.module, owner.value.func) or "").rsplit(".", 1)[-1]
            if short in _DB_OBJECTS.get(factory, ()):
                return ORM
            if factory == "Marshmallow" and short in _MARSHMALLOW_SHORT:
                return MARSHMALLOW
    return None


def _is_sqlmodel(index: ProjectIndex, symbol: Symbol) -> bool:
    return "sqlmodel.SQLModel" in index.base_names(symbol)


def _sqlmodel_table(index: ProjectIndex, symbol: Symbol) -> bool:
    assert symbol.cls is not None
    return any(kw.name == "table" and kw.value.is_true for kw in symbol.cls.keywords) and _is_sqlmodel(index, symbol)


def _info(index: ProjectIndex, symbol: Symbol, kind: str) -> ClassInfo:
    cls = symbol.cls
    assert cls is not None
    fields: list[str] = []
    hidden: set[str] = set()
    read_only: set[str] = set()
    relations: set[str] = set()
    chain = [symbol, *_project_ancestors(index, symbol)]
    for owner in chain:
        assert owner.cls is not None
        for stmt in owner.cls.body:
            if stmt.kind not in ("assign", "annassign"):
                continue
            annotation = stmt.exprs[0] if stmt.kind == "annassign" and stmt.exprs else None
            if annotation is not None and "ClassVar" in annotation.render(200):
                continue
            for target in stmt.targets:
                name = target.text if target.kind == "name" else ""
                if not name or name.startswith("_") or name in _NOT_FIELDS or name in fields:
                    continue
                if kind in (SERIALIZER, MARSHMALLOW) and stmt.value is not None and stmt.value.kind != "call":
                    continue
                fields.append(name)
                _flags(name, stmt.value, annotation, hidden, read_only)
                if kind == ORM and stmt.value is not None and stmt.value.kind == "call" and \
                        (stmt.value.func.dotted or "").rsplit(".", 1)[-1] in _RELATIONS:
                    relations.add(name)
    if kind == ORM:
        for base in index.base_names(symbol):
            fields += [f for f in _EXTERNAL_FIELDS.get(base, ()) if f not in fields]
    meta = _meta(cls) or next((m for m in (_meta(a.cls) for a in chain[1:] if a.cls) if m), None)
    model = None
    meta_fields: tuple[str, ...] | None = None
    meta_exclude: tuple[str, ...] | None = None
    fields_line = exclude_line = 0
    if meta is not None:
        owner_mod = symbol.module
        model_expr = meta.attribute("model")
        if model_expr is not None:
            model = index.qualify_expr(owner_mod, model_expr)
            model_symbol = index.lookup(model) if model else None
            if model_symbol is not None and model_symbol.cls is not None:
                model = model_symbol.qualname
        for stmt in meta.body:
            if stmt.kind != "assign" or stmt.value is None:
                continue
            names = {t.text for t in stmt.targets if t.kind == "name"}
            values = _str_list(stmt.value)
            if names & {"fields", "model_fields"} and values is not None:
                meta_fields, fields_line = values, stmt.line
            elif names & {"exclude", "model_exclude"} and values is not None:
                meta_exclude, exclude_line = values, stmt.line
            elif names & {"read_only_fields", "dump_only"} and values is not None:
                read_only.update(values)
            elif names & {"write_only_fields", "load_only"} and values is not None:
                hidden.update(values)
            elif "extra_kwargs" in names and stmt.value.kind == "dict":
                _extra_kwargs(stmt.value, hidden, read_only)
    if kind in (SERIALIZER, MARSHMALLOW):
        for owner in chain:
            if owner.cls is not None:
                hidden.update(_popped_in_output(owner.cls, chain))
    auto = kind == MARSHMALLOW and any((b.dotted or "").rsplit(".", 1)[-1] in AUTO_SCHEMAS for b in cls.bases)
    auto = auto or (kind == SCHEMA and any((b.dotted or "").endswith("ModelSchema") for b in cls.bases))
    extra = any(_allows_extra(owner.cls) for owner in chain if owner.cls is not None)
    return ClassInfo(symbol.qualname, kind, symbol.module, cls, tuple(fields), frozenset(hidden),
                     frozenset(read_only), model, meta_fields, meta_exclude, fields_line, exclude_line, auto, extra,
                     frozenset(relations))


_RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey", "ParentalManyToManyField",
                        "relationship", "ForeignKeyField", "ReferenceField",
                        "Link", "ForeignKeyRelation"})


_OUTPUT_HOOKS = frozenset({"to_representation", "to_dict", "remove_sensitive", "remove_secrets"})


def _allows_extra(cls: ClassDef) -> bool:
    """A Pydantic model that keeps unknown fields: `model_config = ConfigDict(extra="allow")` or
    `{"extra": "allow"}`, a class keyword (`class In(BaseModel, extra=Extra.allow)`) or v1's
    `class Config: extra = Extra.allow`."""
    if any(kw.name == "extra" and _is_allow(kw.value) for kw in cls.keywords):
        return True
    config = cls.attribute("model_config")
    if config is not None and config.kind == "call" and \
            any(kw.name == "extra" and _is_allow(kw.value) for kw in config.keywords):
        return True
    if config is not None and config.kind == "dict":
        pairs = zip(config.args[::2], config.args[1::2], strict=False)
        if any(key.kind == "str" and key.text == "extra" and _is_allow(value) for key, value in pairs):
            return True
    inner = next((s.cls for s in cls.body if s.cls is not None and s.cls.name == "Config"), None)
    value = inner.attribute("extra") if inner is not None else None
    return value is not None and _is_allow(value)


def _is_allow(value: Expr) -> bool:
    """`"allow"` or `Extra.allow`."""
    return (value.kind == "str" and value.text == "allow") or \
        (value.kind == "attr" and value.text == "allow" and (value.dotted or "").endswith("Extra.allow"))


def _popped_in_output(cls: ClassDef, chain: list[Symbol]) -> set[str]:
    """Fields an output hook removes: `result.pop("password")`, `del data["token"]`, or a pop
    over a class-level list (`for attr in self.secure_fields: result.pop(attr, None)`)."""
    out: set[str] = set()
    for method in cls.methods():
        is_hook = method.name in _OUTPUT_HOOKS or any(
            (d.expr.func if d.expr.kind == "call" else d.expr).dotted in ("post_dump", "marshmallow.post_dump")
            for d in method.decorators)
        if not is_hook:
            continue
        for stmt in walk_stmts(method.body):
            if stmt.kind == "del":
                out.update(t.args[1].text for t in stmt.targets
                           if t.kind == "subscript" and len(t.args) > 1 and t.args[1].kind == "str")
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if call.func.kind != "attr" or call.func.text != "pop" or not call.positional:
                        continue
                    key = call.positional[0]
                    if key.kind == "str":
                        out.add(key.text)
                    elif key.kind == "name":
                        out.update(_loop_source_strings(method, key.text, chain))
    return out


def _loop_source_strings(method: FunctionDef, var: str, chain: list[Symbol]) -> set[str]:
    """Strings of the list a loop variable runs over, when it is a literal or a class attribute."""
    for stmt in walk_stmts(method.body):
        if stmt.kind != "for" or not stmt.targets or stmt.targets[0].text != var or stmt.value is None:
            continue
        source = stmt.value
        if source.kind == "attr" and source.args[0].text == "self":
            for owner in chain:
                if owner.cls is not None:
                    value = owner.cls.attribute(source.text)
                    if value is not None:
                        source = value
                        break
        values = _str_list(source)
        if values is not None:
            return set(values)
    return set()


def _project_ancestors(index: ProjectIndex, symbol: Symbol) -> list[Symbol]:
    out: list[Symbol] = []
    for qualname in index.base_names(symbol):
        parent = index.lookup(qualname)
        if parent is not None and parent.cls is not None and parent.qualname != symbol.qualname:
            out.append(parent)
    return out


def _flags(name: str, value: Expr | None, annotation: Expr | None, hidden: set[str], read_only: set[str]) -> None:
    if annotation is not None and re.search(r"\bSecret(Str|Bytes)\b", annotation.render(200)):
        hidden.add(name)
    if value is None or value.kind != "call":
        return
    for kw in value.keywords:
        if not kw.value.is_true:
            continue
        if kw.name in ("exclude", "write_only", "load_only", "repr_exclude"):
            hidden.add(name)
        elif kw.name in ("read_only", "dump_only", "frozen"):
            read_only.add(name)


def _extra_kwargs(value: Expr, hidden: set[str], read_only: set[str]) -> None:
    for key, options in zip(value.args[::2], value.args[1::2], strict=False):
        if key.kind != "str" or options.kind != "dict":
            continue
        for opt_key, opt_value in zip(options.args[::2], options.args[1::2], strict=False):
            if opt_value.is_true and opt_key.text == "write_only":
                hidden.add(key.text)
            elif opt_value.is_true and opt_key.text == "read_only":
                read_only.add(key.text)


def _meta(cls: ClassDef | None) -> ClassDef | None:
    if cls is None:
        return None
    for stmt in cls.body:
        if stmt.cls is not None and stmt.cls.name in ("Meta", "Config"):
            return stmt.cls
    return None


def _str_list(value: Expr) -> tuple[str, ...] | None:
    if value.kind == "str":
        return (value.text,)
    if value.kind in ("list", "tuple", "set"):
        return tuple(e.text for e in value.args if e.kind == "str")
    return None


__all__ = ["AUTO_SCHEMAS", "MARSHMALLOW", "ORM", "SCHEMA", "SERIALIZER", "ClassInfo", "ModelFacts", "model_facts"]
