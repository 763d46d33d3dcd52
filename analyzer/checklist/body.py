"""What a route does with its request body: whether it takes one, how it is parsed, and what
validates it. Read from the handler's parameters, decorators and body (the handler only:
helpers it calls are not followed, so a body validated elsewhere reads as `unknown`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from apilint.class_facts import MARSHMALLOW, SCHEMA, SERIALIZER, ModelFacts
from apilint.model import SAFE_METHODS, Evidence, Location, Route
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

REQUEST_NAMES = frozenset({"request", "req", "self.request", "flask.request"})
BODY_ATTRS = frozenset({"json", "get_json", "form", "files", "data", "get_data", "body", "POST", "FILES",
                        "media", "json_body", "values", "stream"})
"""Attributes of the request object that carry the body."""
FORM_ATTRS = frozenset({"form", "files", "POST", "FILES"})
CONTENT_TYPE_ATTRS = frozenset({"content_type", "mimetype", "is_json", "content_type_header"})
_NOT_BODY = frozenset({"Depends", "Security", "Query", "Path", "Header", "Cookie"})
_FORM_MARKERS = frozenset({"Form", "File", "UploadFile", "UploadedFile"})
_FORM_DEPENDENCIES = frozenset({"OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict"})
"""Classes FastAPI fills from form fields when used as `Depends()`."""
_DICTS = frozenset({"dict", "Dict", "Mapping", "MutableMapping", "Any", "JSON", "Json"})
_VALIDATOR_CALLS = frozenset({"model_validate", "model_validate_json", "parse_obj", "parse_raw", "load", "loads_schema",
                              "is_valid", "validate", "validate_json", "validate_python", "full_clean"})
_VALIDATING_DECORATORS = frozenset({"use_args", "use_kwargs", "arguments", "expects_json", "validate",
                                    "validate_json", "validate_request", "input", "json_schema", "body"})
_SCALARS = frozenset({"int", "str", "float", "bool", "UUID", "uuid.UUID", "date", "datetime", "Decimal", "bytes"})


@dataclass
class BodyUse:
    """A route's request body, as far as its handler shows."""

    takes_body: bool | None
    """True, False, or None when the handler is not in the analyzed code."""
    schemas: list[Evidence] = field(default_factory=list)
    """What validates the body: schema parameters, validator calls, validating decorators."""
    dict_params: list[str] = field(default_factory=list)
    form_params: list[str] = field(default_factory=list)
    reads: dict[str, int] = field(default_factory=dict)
    """Request attributes read (`json`, `form`, `body`...) -> first line."""
    forced_json: int = 0
    """Line of `get_json(force=True)`, else 0."""
    content_type_check: int = 0
    """Line where the handler looks at the request's Content-Type, else 0."""


def _short(expr: Expr | None) -> str:
    return ((expr.dotted or "") if expr is not None else "").rsplit(".", 1)[-1]


def _marker(param_default: Expr | None, annotation: Expr | None) -> str:
    """`Depends`, `Form`, `Body`... from `= Form(...)` or `Annotated[x, Form()]`."""
    if param_default is not None and param_default.kind == "call":
        return _short(param_default.func)
    if annotation is not None and annotation.kind == "subscript" and annotation.args and \
            _short(annotation.args[0]) == "Annotated":
        for extra in annotation.args[2:]:
            if extra.kind == "call":
                return _short(extra.func)
            if extra.kind in ("name", "attr"):
                return _short(extra)
    return ""


def _base_annotation(annotation: Expr | None) -> Expr | None:
    if annotation is not None and annotation.kind == "subscript" and annotation.args and \
            _short(annotation.args[0]) in ("Annotated", "Optional") and len(annotation.args) > 1:
        return _base_annotation(annotation.args[1])
    return annotation


def _params(use: BodyUse, route: Route, models: ModelFacts, mod: ModuleSummary, func: FunctionDef) -> None:
    """FastAPI and Ninja: body parameters from the signature."""
    for param in func.params:
        if param.kind in ("vararg", "kwarg") or param.name in ("self", "cls", "request", "req") or \
                param.name in route.path_params:
            continue
        marker = _marker(param.default, param.annotation)
        base = _base_annotation(param.annotation)
        if marker in ("Depends", "Security") and _short(base) in _FORM_DEPENDENCIES:
            use.form_params.append(param.name)
            continue
        if marker in _NOT_BODY:
            continue
        if marker in _FORM_MARKERS or _short(base) in _FORM_MARKERS:
            use.form_params.append(param.name)
            continue
        found = models.annotated(mod, param.annotation)
        if found is not None and found[0].kind in (SCHEMA, SERIALIZER, MARSHMALLOW):
            info = found[0]
            use.schemas.append(Evidence("schema", info.qualname, detail=f"body parameter `{param.name}`",
                                        location=Location(info.module.path, info.cls.line)))
            continue
        head = _short(base.args[0]) if base is not None and base.kind == "subscript" and base.args else _short(base)
        if head in _DICTS or (head in ("list", "List") and base is not None and base.kind == "subscript"
                              and any(_short(a) in _DICTS for a in base.args[1:])):
            use.dict_params.append(param.name)
        elif marker == "Body" and base is not None:
            use.schemas.append(Evidence("typed_body", param.name, detail=f"Body field typed `{base.render(40)}`",
                                        location=Location(mod.path, func.line)))


def _request_root(expr: Expr) -> bool:
    base = expr.args[0] if expr.kind == "attr" and expr.args else None
    return base is not None and (base.dotted or "") in REQUEST_NAMES


def _mentions_body(expr: Expr, raw: set[str]) -> bool:
    """True when the expression reads the request body or a name bound to it."""
    for sub in expr.walk():
        if sub.kind == "attr" and sub.text in BODY_ATTRS and _request_root(sub):
            return True
        if sub.kind == "name" and sub.text in raw:
            return True
    return False


def _raw_names(func: FunctionDef, seed: list[str]) -> set[str]:
    """Names bound to request data: body parameters and locals computed from the body."""
    raw = set(seed)
    assigns = [(t.text, stmt.value) for stmt in walk_stmts(func.body)
               if stmt.kind in ("assign", "annassign") and stmt.value is not None
               for t in stmt.targets if t.kind == "name"]
    for _ in range(3):
        grown = raw | {name for name, value in assigns if _mentions_body(value, raw)}
        if grown == raw:
            break
        raw = grown
    return raw


def _scan(use: BodyUse, models: ModelFacts, mod: ModuleSummary, func: FunctionDef) -> None:
    """Request attributes read, Content-Type checks and validator calls in the handler body."""
    raw = _raw_names(func, use.dict_params)
    for stmt in walk_stmts(func.body):
        for top in stmt.own_exprs():
            for expr in top.walk():
                if expr.kind == "attr" and _request_root(expr):
                    if expr.text in BODY_ATTRS:
                        use.reads.setdefault(expr.text, stmt.line)
                    elif expr.text in CONTENT_TYPE_ATTRS and not use.content_type_check:
                        use.content_type_check = stmt.line
                elif expr.kind == "str" and expr.text.lower() in ("content-type", "content_type") and \
                        not use.content_type_check:
                    use.content_type_check = stmt.line
                if expr.kind == "call":
                    _validator(use, models, mod, stmt.line, expr, raw)
    for deco in func.decorators:
        call = deco.expr
        short = _short(call.func if call.kind == "call" else call)
        validate = call.kwarg("validate") if call.kind == "call" else None
        if (short == "expect" and validate is not None and validate.is_true) or short in _VALIDATING_DECORATORS:
            use.schemas.append(Evidence("decorator", call.render(50), location=Location(mod.path, deco.line)))


def _validator(use: BodyUse, models: ModelFacts, mod: ModuleSummary, line: int, call: Expr, raw: set[str]) -> None:
    """Record a call that validates request data: a schema built from it, `schema.load(data)`,
    `serializer.is_valid()` on a serializer made from it, `Model.model_validate(data)`."""
    callee = call.func
    if callee.kind == "attr" and callee.text == "get_json" and _request_root(callee):
        force = call.kwarg("force")
        if force is not None and force.is_true and not use.forced_json:
            use.forced_json = line
    args = [*call.args[1:], *(kw.value for kw in call.keywords)] if call.kind == "call" else []
    on_body = any(_mentions_body(arg, raw) for arg in args)
    short = callee.text if callee.kind == "attr" else _short(callee)
    target = models.resolve(mod, callee) if callee.kind in ("name", "attr") else None
    if target is not None and target.kind in (SCHEMA, SERIALIZER, MARSHMALLOW) and on_body:
        use.schemas.append(Evidence("schema", target.qualname, detail=f"`{call.render(50)}`",
                                    location=Location(mod.path, line)))
    elif short in _VALIDATOR_CALLS and (on_body or (callee.kind == "attr" and _mentions_body(callee.args[0], raw))):
        use.schemas.append(Evidence("validation", call.render(50), location=Location(mod.path, line)))


def body_use(route: Route, models: ModelFacts, mod: ModuleSummary | None, func: FunctionDef | None) -> BodyUse:
    """How the route takes and checks its request body."""
    if route.method in SAFE_METHODS or route.method == "WEBSOCKET":
        return BodyUse(False)
    if func is None or mod is None:
        if route.framework == "drf":
            return BodyUse(route.method != "DELETE")
        return BodyUse(None)
    use = BodyUse(False)
    if route.framework in ("fastapi", "ninja"):
        _params(use, route, models, mod, func)
    _scan(use, models, mod, func)
    use.takes_body = bool(use.schemas or use.dict_params or use.form_params or use.reads)
    if route.framework == "drf" and route.method in ("POST", "PUT", "PATCH"):
        use.takes_body = True
    return use


__all__ = ["BODY_ATTRS", "FORM_ATTRS", "BodyUse", "body_use"]
