"""Request-body facts for the INPUT rules: bare-dict body parameters, schema checks, document writes."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.class_facts import MARSHMALLOW, SCHEMA, SERIALIZER, ModelFacts
from apilint.project import ProjectIndex
from apilint.rules.mass._sources import RequestData
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_DICTS = frozenset({"dict", "Dict", "Mapping", "MutableMapping", "JSON", "Json"})
_LISTS = frozenset({"list", "List", "Sequence"})
_NOT_BODY = frozenset({"Depends", "Security", "Query", "Path", "Header", "Cookie", "Form", "File", "UploadFile"})
_VALIDATORS = frozenset({"model_validate", "parse_obj", "validate", "validate_python", "load", "loads",
                         "model_validate_json", "from_dict", "is_valid", "validate_json"})
_INSERTS = frozenset({"insert_one", "insert_many", "replace_one"})
_UPDATES = frozenset({"update_one", "update_many", "find_one_and_update", "find_one_and_replace"})


def _short(expr: Expr | None) -> str:
    return ((expr.dotted or "") if expr is not None else "").rsplit(".", 1)[-1]


def _body_kind(index: ProjectIndex, mod: ModuleSummary, annotation: Expr | None, depth: int = 0) -> str | None:
    """`dict` for a bare mapping annotation, `any` for `Any`, `skip` for non-body markers, else None."""
    if annotation is None or depth > 4:
        return None
    if annotation.kind in ("name", "attr"):
        short = _short(annotation)
        if short in _DICTS:
            return "dict"
        if short == "Any":
            return "any"
        symbol = index.resolve(mod, annotation)
        if symbol is not None and symbol.value is not None and symbol.value.kind == "subscript":
            return _body_kind(index, symbol.module, symbol.value, depth + 1)
        return None
    if annotation.kind == "binop" and annotation.text == "|":
        kinds = {_body_kind(index, mod, part, depth + 1) for part in annotation.args
                 if not (part.kind == "const" and part.text == "None")}
        return kinds.pop() if len(kinds) == 1 else None
    if annotation.kind != "subscript" or not annotation.args:
        return None
    head, inner = _short(annotation.args[0]), annotation.args[1:]
    if head == "Annotated" and inner:
        if any(e.kind == "call" and _short(e.func) in _NOT_BODY for e in inner[1:]):
            return "skip"
        found = _body_kind(index, mod, inner[0], depth + 1)
        if found == "any" and any(e.kind == "call" and _short(e.func) == "Body" for e in inner[1:]):
            return "dict"
        return found
    if head in _DICTS:
        return "dict"
    if head == "Optional" and inner:
        return _body_kind(index, mod, inner[0], depth + 1)
    if head in _LISTS and inner and _body_kind(index, mod, inner[0], depth + 1) == "dict":
        return "dict"
    return None


def dict_body_params(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef,
                     path_params: tuple[str, ...]) -> list[str]:
    """Parameters of a FastAPI/Ninja handler that receive the body as a bare mapping."""
    out = []
    for param in func.params:
        if param.kind in ("vararg", "kwarg") or param.name in ("self", "cls", "request") or \
                param.name in path_params:
            continue
        default = param.default
        marker = _short(default.func) if default is not None and default.kind == "call" else ""
        if marker in _NOT_BODY:
            continue
        kind = _body_kind(index, mod, param.annotation)
        if kind == "dict" or (kind == "any" and marker == "Body"):
            out.append(param.name)
    return out


def validated_names(facts: ModelFacts, mod: ModuleSummary, func: FunctionDef) -> set[str]:
    """Names the function passes to a schema (`Item(**p)`, `Item.model_validate(p)`, `schema.load(p)`)."""
    out: set[str] = set()
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                args = call.arguments
                names = {a.args[0].text if a.kind == "starred" and a.args else a.text for a in args}
                names |= {kw.value.text for kw in call.keywords if kw.name is None and kw.value.kind == "name"}
                if not names:
                    continue
                short = call.func.text if call.func.kind == "attr" else _short(call.func)
                target = facts.resolve(mod, call.func) if call.func.kind in ("name", "attr") else None
                if target is None and call.func.kind == "attr":
                    target = facts.resolve(mod, call.func.args[0])
                if short in _VALIDATORS or "valid" in short.lower() or (
                        target is not None and target.kind in (SCHEMA, SERIALIZER, MARSHMALLOW)):
                    out |= names
    # a name is validated when something computed from it is (`schema = preprocess(raw)`; `validate(schema)`)
    assigns = [(t.text, set(stmt.value.names())) for stmt in walk_stmts(func.body)
               if stmt.kind in ("assign", "annassign") and stmt.value is not None
               for t in stmt.targets if t.kind == "name"]
    for _ in range(4):
        grown = set(out)
        for bound, used in assigns:
            if bound in grown:
                grown |= used
        if grown == out:
            break
        out = grown
    return out


def document_writes(data: RequestData) -> Iterator[tuple[Stmt, str, str]]:
    """(statement, data described, call) for raw request data stored in a document collection."""
    for stmt in walk_stmts(data.func.body):
        for expr in stmt.own_exprs():
            for call in expr.calls():
                if call.func.kind != "attr":
                    continue
                short = call.func.text
                value: Expr | None = None
                if short in _INSERTS and call.positional:
                    value = call.positional[-1] if short == "replace_one" else call.positional[0]
                elif short in _UPDATES and len(call.positional) >= 2 and call.positional[1].kind == "dict":
                    pairs = call.positional[1].args
                    value = next((v for k, v in zip(pairs[::2], pairs[1::2], strict=False)
                                  if k.kind == "str" and k.text == "$set"), None)
                source = data.source(value) if value is not None else None
                if source is not None and source.schema is None:
                    yield stmt, source.what, call.render(50)
                    break
