"""GraphQL resolvers: graphene `Mutation` classes, strawberry `@strawberry.mutation`
methods and fields, ariadne `MutationType` / `ObjectType("Mutation")` fields; and query
resolvers that take field arguments (graphene `resolve_*`, strawberry `@strawberry.field`,
ariadne `@query.field`), published with `operation="query"` for the injection rules.

Each resolver carries the auth evidence written on it (graphql_jwt decorators, strawberry
permission classes and permission extensions, auth-named decorators); the GQL rules judge the
resolver body.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from apilint.model import RESOLVER_CONTEXT, AuthEvidence, AuthStatus, Evidence, GraphQLResolver, HandlerRef, Location
from apilint.project import ProjectIndex, Symbol
from apilint.summary import ClassDef, Decorator, Expr, FunctionDef, ModuleSummary, walk_stmts

GRAPHENE_MUTATIONS: Final = frozenset({
    "graphene.Mutation", "graphene.types.mutation.Mutation", "graphene.relay.ClientIDMutation",
    "graphene.ClientIDMutation", "graphene.relay.mutation.ClientIDMutation",
    "graphene_django.rest_framework.mutation.SerializerMutation",
    "graphene_django.forms.mutation.DjangoModelFormMutation", "graphene_django.forms.mutation.DjangoFormMutation",
    "graphene_django.forms.DjangoModelFormMutation", "graphene_django.forms.DjangoFormMutation",
})
_MUTATE_METHODS: Final = ("mutate", "mutate_and_get_payload", "perform_mutate")
_AUTH_WORDS: Final = ("login", "auth", "permission", "staff", "superuser", "admin", "require", "token", "jwt",
                      "user")
_NOT_AUTH: Final = frozenset({"classmethod", "staticmethod", "strawberry.mutation", "strawberry.field",
                              "strawberry_django.mutation", "strawberry_django.field", "functools.wraps"})
_LIBS: Final = ("graphene", "graphene_django", "strawberry", "strawberry_django", "ariadne", "graphql_jwt")


def collect_resolvers(index: ProjectIndex, endpoint_auth: AuthEvidence) -> list[GraphQLResolver]:
    """Every mutation resolver, and graphene query resolvers that take arguments, in the
    project (modules importing a GraphQL library)."""
    out: list[GraphQLResolver] = []
    for mod in index:
        if not any(imp.module.split(".")[0] in _LIBS for imp in mod.imports):
            continue
        table = index.import_table(mod)
        libs = {q.split(".")[0] for q in table.values()}
        if libs & {"graphene", "graphene_django", "graphql_jwt"}:
            out += _graphene(index, mod, endpoint_auth)
            out += _graphene_queries(index, mod, endpoint_auth)
        if libs & {"strawberry", "strawberry_django"}:
            out += _strawberry(index, mod, endpoint_auth)
        if "ariadne" in libs:
            out += _ariadne(index, mod, endpoint_auth)
    return out


def _graphene_classes(index: ProjectIndex, mod: ModuleSummary, kinds: frozenset[str]) -> Iterator[Symbol]:
    """The module's classes that derive (through the project) from one of `kinds`."""
    for cls in mod.classes():
        if cls.bases:
            symbol = Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls, line=cls.line)
            if any(b in kinds for b in index.base_names(symbol)):
                yield symbol


def _graphene(index: ProjectIndex, mod: ModuleSummary, auth: AuthEvidence) -> list[GraphQLResolver]:
    out = []
    for symbol in _graphene_classes(index, mod, GRAPHENE_MUTATIONS):
        cls = symbol.cls
        assert cls is not None
        method, owner = _mutate(index, symbol)
        class_auth = _class_permission(cls, mod)
        if method is None or owner is None:
            out.append(GraphQLResolver(cls.name, "graphene", symbol.qualname, Location(mod.path, cls.line),
                                       None, tuple(class_auth), auth))
            continue
        evidence = class_auth + _decorator_auth(index, owner.module, method.decorators)
        out.append(GraphQLResolver(cls.name, "graphene", f"{owner.qualname}.{method.name}",
                                   Location(owner.module.path, method.line), HandlerRef(owner.module.path,
                                                                                         method.qualname),
                                   tuple(evidence), auth))
    return out


GRAPHENE_OBJECT_TYPES: Final = frozenset({"graphene.ObjectType", "graphene.types.objecttype.ObjectType"})


def _graphene_queries(index: ProjectIndex, mod: ModuleSummary, auth: AuthEvidence) -> list[GraphQLResolver]:
    """`resolve_<field>` methods of graphene object types that take arguments (client input)."""
    out = []
    for symbol in _graphene_classes(index, mod, GRAPHENE_OBJECT_TYPES):
        assert symbol.cls is not None
        for method in symbol.cls.methods():
            if method.name.startswith("resolve_") and _takes_arguments(method):
                out.append(_query(method.name.removeprefix("resolve_"), "graphene", mod, method, auth,
                                  tuple(_decorator_auth(index, mod, method.decorators))))
    return out


def _mutate(index: ProjectIndex, symbol: Symbol) -> tuple[FunctionDef | None, Symbol | None]:
    """The mutate method along the project's class chain (the class itself first)."""
    chain = [symbol]
    i = 0
    while i < len(chain) and len(chain) < 10:
        current = chain[i]
        i += 1
        assert current.cls is not None
        for name in _MUTATE_METHODS:
            found = current.cls.method(name)
            if found is not None:
                return found, current
        for base in current.cls.bases:
            parent = index.resolve(current.module, base)
            if parent is not None and parent.cls is not None and parent not in chain:
                chain.append(parent)
    return None, None


def _class_permission(cls: ClassDef, mod: ModuleSummary) -> list[Evidence]:
    for name in ("permission_classes", "permissions", "login_required"):
        value = cls.attribute(name)
        if value is not None and not (value.kind in ("list", "tuple") and not value.args) and not (
                value.kind == "const" and value.text in ("False", "None")):
            return [Evidence("class_attribute", name, AuthStatus.REQUIRED, value.render(60),
                             Location(mod.path, cls.line))]
    return []


def _decorator_auth(index: ProjectIndex, mod: ModuleSummary, decorators: tuple[Decorator, ...]) -> list[Evidence]:
    out = []
    for dec in decorators:
        target = dec.expr.func if dec.expr.kind == "call" else dec.expr
        qualified = index.qualify_expr(mod, target) or target.render(60)
        if qualified in _NOT_AUTH:
            continue
        short = qualified.rsplit(".", 1)[-1].lower()
        if qualified.startswith("graphql_jwt.decorators") or any(w in short for w in _AUTH_WORDS):
            status = AuthStatus.REQUIRED if qualified.startswith("graphql_jwt.") else AuthStatus.UNKNOWN
            out.append(Evidence("decorator", qualified, status, "", Location(mod.path, dec.line)))
    return out


def _strawberry(index: ProjectIndex, mod: ModuleSummary, auth: AuthEvidence) -> list[GraphQLResolver]:
    out = []
    for cls in mod.classes():
        mutation_class = "mutation" in cls.name.lower()
        for stmt in cls.body:
            if stmt.func is not None:
                field = _strawberry_field(index, mod, stmt.func.decorators, mutation_class)
                if field is None:
                    if _takes_arguments(stmt.func) and any(
                            _is_strawberry_field(index.qualify_expr(mod, d.expr.func if d.expr.kind == "call"
                                                                    else d.expr) or "")
                            for d in stmt.func.decorators):
                        out.append(_query(stmt.func.name, "strawberry", mod, stmt.func, auth))
                    continue
                evidence = _field_auth(index, mod, field) + _decorator_auth(index, mod, stmt.func.decorators)
                out.append(GraphQLResolver(stmt.func.name, "strawberry", f"{mod.module}.{stmt.func.qualname}",
                                           Location(mod.path, stmt.func.line), HandlerRef(mod.path,
                                                                                           stmt.func.qualname),
                                           tuple(evidence), auth))
            elif stmt.kind in ("assign", "annassign") and stmt.value is not None and stmt.value.kind == "call":
                callee = index.qualify_expr(mod, stmt.value.func) or ""
                if not (_is_strawberry_mutation(callee) or (mutation_class and _is_strawberry_field(callee))):
                    continue
                resolver = index.resolve(mod, stmt.value.kwarg("resolver") or stmt.value.arg(0, "resolver"))
                if resolver is None or resolver.func is None:
                    continue
                evidence = _field_auth(index, mod, stmt.value) + _decorator_auth(index, resolver.module,
                                                                                 resolver.func.decorators)
                name = stmt.targets[0].text if stmt.targets else resolver.func.name
                out.append(GraphQLResolver(name, "strawberry", resolver.qualname,
                                           Location(resolver.module.path, resolver.func.line),
                                           HandlerRef(resolver.module.path, resolver.func.qualname),
                                           tuple(evidence), auth))
    return out


def _strawberry_field(index: ProjectIndex, mod: ModuleSummary, decorators: tuple[Decorator, ...],
                      mutation_class: bool) -> Expr | None:
    for dec in decorators:
        target = dec.expr.func if dec.expr.kind == "call" else dec.expr
        qualified = index.qualify_expr(mod, target) or ""
        if _is_strawberry_mutation(qualified) or (mutation_class and _is_strawberry_field(qualified)):
            return dec.expr
    return None


def _is_strawberry_mutation(qualified: str) -> bool:
    return qualified.startswith(("strawberry", "strawberry_django")) and qualified.endswith((".mutation",
                                                                                            ".input_mutation"))


def _is_strawberry_field(qualified: str) -> bool:
    return qualified.startswith(("strawberry", "strawberry_django")) and qualified.endswith(".field")


def _field_auth(index: ProjectIndex, mod: ModuleSummary, field: Expr) -> list[Evidence]:
    """`permission_classes=[IsAuthenticated]`, `extensions=[IsAuthenticated()]` on a strawberry field."""
    if field.kind != "call":
        return []
    out = []
    for key in ("permission_classes", "extensions", "permissions"):
        value = field.kwarg(key)
        if value is None or (value.kind in ("list", "tuple") and not value.args):
            continue
        names = [index.qualify_expr(mod, e) or e.render(40) for e in value.walk() if e.kind in ("name", "attr")]
        if key == "permission_classes" or any(any(w in n.lower() for w in (*_AUTH_WORDS, "perm")) for n in names):
            out.append(Evidence(key, names[0] if names else value.render(40), AuthStatus.REQUIRED, value.render(60),
                                Location(mod.path, field.line)))
    return out


def _ariadne(index: ProjectIndex, mod: ModuleSummary, auth: AuthEvidence) -> list[GraphQLResolver]:
    out = []
    for stmt in walk_stmts(mod.body, into_defs=True):
        if stmt.func is not None:
            for dec in stmt.func.decorators:
                expr = dec.expr
                if expr.kind != "call" or expr.func.kind != "attr" or expr.func.text != "field":
                    continue
                field = index.const_str(mod, expr.arg(0, "name")) or stmt.func.name
                if _ariadne_mutation(index, mod, expr.func.args[0]):
                    out.append(GraphQLResolver(field, "ariadne", f"{mod.module}.{stmt.func.qualname}",
                                               Location(mod.path, stmt.func.line),
                                               HandlerRef(mod.path, stmt.func.qualname),
                                               tuple(_decorator_auth(index, mod, stmt.func.decorators)), auth))
                elif _ariadne_type(index, mod, expr.func.args[0]) and _takes_arguments(stmt.func):
                    out.append(_query(field, "ariadne", mod, stmt.func, auth))
        elif stmt.kind == "expr" and stmt.value is not None and stmt.value.kind == "call":
            call = stmt.value
            if call.func.kind != "attr" or call.func.text != "set_field" or len(call.positional) < 2:
                continue
            if not _ariadne_mutation(index, mod, call.func.args[0]):
                continue
            resolver = index.resolve(mod, call.positional[1])
            if resolver is None or resolver.func is None:
                continue
            field = index.const_str(mod, call.positional[0]) or resolver.func.name
            out.append(GraphQLResolver(field, "ariadne", resolver.qualname,
                                       Location(resolver.module.path, resolver.func.line),
                                       HandlerRef(resolver.module.path, resolver.func.qualname),
                                       tuple(_decorator_auth(index, resolver.module, resolver.func.decorators)), auth))
    return out


def _takes_arguments(func: FunctionDef) -> bool:
    """True when a resolver has parameters beyond the parent object and `info` (field arguments)."""
    return any(p.name not in RESOLVER_CONTEXT for p in func.params)


def _query(field: str, library: str, mod: ModuleSummary, func: FunctionDef, auth: AuthEvidence,
           evidence: tuple[Evidence, ...] = ()) -> GraphQLResolver:
    return GraphQLResolver(field, library, f"{mod.module}.{func.qualname}", Location(mod.path, func.line),
                           HandlerRef(mod.path, func.qualname), evidence, auth, operation="query")


def _ariadne_type(index: ProjectIndex, mod: ModuleSummary, owner: Expr) -> bool:
    """True for an ariadne `QueryType()` / `ObjectType(...)` / `SubscriptionType()` object."""
    symbol = index.resolve(mod, owner)
    if symbol is None or symbol.value is None or symbol.value.kind != "call":
        return False
    callee = index.qualify_expr(symbol.module, symbol.value.func) or ""
    return callee.startswith("ariadne.") and callee.endswith(("QueryType", "ObjectType", "SubscriptionType"))


def _ariadne_mutation(index: ProjectIndex, mod: ModuleSummary, owner: Expr) -> bool:
    symbol = index.resolve(mod, owner)
    if symbol is None or symbol.value is None or symbol.value.kind != "call":
        return False
    callee = index.qualify_expr(symbol.module, symbol.value.func) or ""
    if callee in ("ariadne.MutationType", "ariadne.objects.MutationType"):
        return True
    first = symbol.value.arg(0, "name")
    return callee in ("ariadne.ObjectType", "ariadne.objects.ObjectType") and first is not None and \
        first.kind == "str" and first.text == "Mutation"


__all__ = ["GRAPHENE_MUTATIONS", "collect_resolvers"]
