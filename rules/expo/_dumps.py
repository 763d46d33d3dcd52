"""Environment, settings and system dumps that reach a response.

`response_dumps` follows what a handler returns (and what it passes to a template) through
response wrappers, `json.dumps`, containers, f-strings, local variables and project helpers,
and reports each value that is a whole copy of the process environment (`os.environ`,
`dict(os.environ)`), of the application's settings (`settings.__dict__`, a pydantic
`BaseSettings` dump, Flask's `app.config`, Django settings read with `dir()`), of the request's
server environment (`request.META`, `request.environ`), or a system detail (interpreter and
library versions, `sys.path`, installed packages, the working directory).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, NamedTuple

from apilint.class_facts import ModelFacts
from apilint.rules.expo._flow import HandlerTypes
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

_PASSTHROUGH: Final = frozenset({
    "str", "repr", "dict", "list", "tuple", "sorted", "set", "jsonify", "JSONResponse", "JsonResponse", "Response",
    "make_response", "HttpResponse", "PlainTextResponse", "HTMLResponse", "ORJSONResponse", "UJSONResponse",
    "json_response", "dumps", "pformat", "format", "join", "jsonable_encoder", "render_template", "render",
    "TemplateResponse", "render_to_string", "render_to_response", "Markup", "escape", "safe_dump", "dump",
})
"""Calls whose arguments reach the response as they are (wrappers, text builders, templates)."""
_COPIES: Final = frozenset({"copy", "items", "values", "to_dict", "dict", "model_dump", "json", "model_dump_json"})
_SETTINGS_ROOTS: Final = frozenset({"BaseSettings"})
_FRAMEWORKS: Final = frozenset({"flask", "django", "fastapi", "starlette", "werkzeug", "sqlalchemy", "pydantic",
                                "uvicorn", "gunicorn", "rest_framework", "jinja2", "requests", "celery", "redis"})
_SYSTEM_CALLS: Final = frozenset({"os.uname", "os.getcwd", "django.get_version", "platform.python_version",
                                  "platform.platform", "platform.uname", "platform.system", "platform.release",
                                  "platform.version", "platform.node", "platform.machine", "platform.processor",
                                  "platform.python_implementation", "platform.python_build", "platform.libc_ver",
                                  "importlib.metadata.distributions", "pkg_resources.working_set"})
_SYSTEM_VALUES: Final = frozenset({"sys.path", "sys.version", "sys.version_info", "sys.executable", "sys.modules",
                                   "sys.prefix", "pkg_resources.working_set", "sys.argv"})
_MAX_DEPTH: Final = 10


class Dump(NamedTuple):
    """One dump that reaches a response."""

    what: str
    """`dict(os.environ)` as written, for messages."""
    kind: str
    """`environment`, `settings`, `request environment` or `system details`."""
    via: str = ""
    """The project helper it comes through, if any."""

    @property
    def secret(self) -> bool:
        """True for dumps that hold credentials (everything but system details)."""
        return self.kind != "system details"


def response_dumps(facts: ModelFacts, mod: ModuleSummary, func: FunctionDef, depth: int = 0) -> Iterator[Dump]:
    """Every dump in what `func` returns (templates it renders included)."""
    walker = _Walker(facts, mod, func, depth)
    for stmt in walk_stmts(func.body):
        if stmt.kind == "return" and stmt.value is not None:
            yield from walker.visit(stmt.value, 0)


class _Walker:
    def __init__(self, facts: ModelFacts, mod: ModuleSummary, func: FunctionDef, depth: int) -> None:
        self.facts = facts
        self.index = facts.index
        self.mod = mod
        self.func = func
        self.depth = depth
        self.types = HandlerTypes(facts, mod, func, depth=2)
        self.seen: set[str] = set()

    def visit(self, expr: Expr, depth: int) -> Iterator[Dump]:
        if depth > _MAX_DEPTH:
            return
        found = self.classify(expr)
        if found is not None:
            yield found
            return
        kind = expr.kind
        if kind in ("list", "tuple", "set", "fstr", "binop", "await", "starred", "ifexp"):
            for part in expr.args:
                yield from self.visit(part, depth + 1)
        elif kind == "dict":
            for value in expr.args[1::2]:
                yield from self.visit(value, depth + 1)
        elif kind == "comp" and expr.args:
            for part in expr.args:
                yield from self._iterated(part, depth)
        elif kind == "name" and expr.text in self.types.assigned and expr.text not in self.seen:
            self.seen.add(expr.text)
            value = self.types.assigned[expr.text]
            yield from self.visit(value, depth + 1)
            if value.kind == "dict":  # filled key by key; `response["X-Header"] = ...` is not content
                for added in self.types.added.get(expr.text, [])[1::2]:
                    yield from self.visit(added, depth + 1)
        elif kind == "call":
            yield from self._call(expr, depth)

    def _iterated(self, part: Expr, depth: int) -> Iterator[Dump]:
        """A comprehension over a dump copies it: `{k: v for k, v in os.environ.items()}`,
        `{k: getattr(settings, k) for k in dir(settings)}`."""
        found = self.classify(part)
        if found is not None:
            yield found
        elif part.kind == "call" and _short(part) == "dir" and part.positional:
            whole = self._whole(part.positional[0]) or self._settings_object(part.positional[0])
            if whole is not None:
                yield Dump(f"dir({part.positional[0].render(30)})", whole)

    def _call(self, call: Expr, depth: int) -> Iterator[Dump]:
        short = _short(call)
        if short in _PASSTHROUGH or (call.func.kind == "attr" and call.func.text in ("format", "join")):
            for arg in call.arguments:
                yield from self.visit(arg, depth + 1)
            return
        if self.depth >= 2 or call.func.kind not in ("name", "attr"):
            return
        symbol = self.index.resolve(self.mod, call.func)
        if symbol is None or symbol.func is None or symbol.qualname in self.seen:
            return
        self.seen.add(symbol.qualname)
        for dump in response_dumps(self.facts, symbol.module, symbol.func, self.depth + 1):
            yield dump._replace(via=dump.via or f"{call.func.render(40)}()")

    # --- what a single value is -------------------------------------------------------
    def classify(self, expr: Expr) -> Dump | None:
        """A dump when `expr` is a whole copy of the environment, settings or a system detail."""
        whole = self._whole(expr)
        if whole is not None:
            return Dump(expr.render(50), whole)
        if expr.kind == "call":
            callee = self.index.qualify_expr(self.mod, expr.func) or ""
            if callee in _SYSTEM_CALLS:
                return Dump(expr.render(50), "system details")
            short = _short(expr)
            target = expr.positional[0] if expr.positional else None
            if short in ("dict", "vars", "list", "sorted") and target is not None:
                inner = self._whole(target) or self._copied(target)
                if inner is None and short in ("dict", "vars"):
                    inner = self._settings_object(target)
                if inner is not None:
                    return Dump(expr.render(50), inner)
            if expr.func.kind == "attr" and expr.func.text in _COPIES:
                inner = self._whole(expr.func.args[0]) or self._settings_object(expr.func.args[0])
                if inner is not None:
                    return Dump(expr.render(50), inner)
        if expr.kind == "attr" and expr.text == "__dict__":
            inner = self._whole(expr.args[0]) or self._settings_object(expr.args[0])
            if inner is not None:
                return Dump(expr.render(50), inner)
        dotted = expr.dotted
        if dotted is not None:
            qualified = self.index.qualify(self.mod, dotted)
            if qualified in _SYSTEM_VALUES:
                return Dump(expr.render(50), "system details")
            if expr.kind == "attr" and expr.text == "__version__" and qualified.split(".")[0] in _FRAMEWORKS:
                return Dump(expr.render(50), "system details")
            if self.func_is_fastapi_like() and self._settings_object(expr) == "settings":
                return Dump(expr.render(50), "settings")
        return None

    def _copied(self, expr: Expr) -> str | None:
        """`os.environ.items()` and the like, inside `dict(...)` / `sorted(...)`."""
        if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text in _COPIES:
            return self._whole(expr.func.args[0])
        return None

    def _whole(self, expr: Expr) -> str | None:
        """The kind of mapping `expr` is when it is an environment or settings mapping as a whole."""
        dotted = expr.dotted
        if dotted is None:
            return None
        qualified = self.index.qualify(self.mod, dotted)
        if qualified in ("os.environ", "os.environb"):
            return "environment"
        if qualified in ("django.conf.settings._wrapped",):
            return "settings"
        if expr.kind == "attr" and expr.text == "config" and self._flask_app(expr.args[0]):
            return "settings"
        if expr.kind == "attr" and expr.text in ("META", "environ") and (expr.args[0].dotted or "") == "request":
            return "request environment"
        return None

    def _flask_app(self, expr: Expr) -> bool:
        dotted = expr.dotted or ""
        if self.index.qualify(self.mod, dotted) == "flask.current_app" or dotted in ("app", "self.app"):
            return True
        symbol = self.index.resolve(self.mod, expr) if expr.kind in ("name", "attr") else None
        if symbol is None or symbol.value is None or symbol.value.kind != "call":
            return False
        return self.index.qualify_expr(symbol.module, symbol.value.func) == "flask.Flask"

    def _settings_object(self, expr: Expr) -> str | None:
        """`settings` when `expr` is Django's settings or an instance of a pydantic `BaseSettings` class."""
        dotted = expr.dotted if expr.kind != "call" else expr.func.dotted
        if dotted is None:
            return None
        if self.index.qualify(self.mod, dotted) == "django.conf.settings" and expr.kind != "call":
            return "settings"
        param = self.func.param(expr.text) if expr.kind == "name" else None
        if param is not None:
            annotation = param.annotation
            if annotation is not None and annotation.kind == "subscript" and annotation.args[0].dotted and \
                    annotation.args[0].dotted.rsplit(".", 1)[-1] == "Annotated":  # Annotated[Settings, Depends()]
                annotation = annotation.args[1] if len(annotation.args) > 1 else None
            symbol = self.index.resolve(self.mod, annotation) if annotation is not None else None
            cls = symbol if symbol is not None and symbol.cls is not None else None
        else:
            symbol = self.index.resolve(self.mod, expr.func if expr.kind == "call" else expr)
            cls = symbol if expr.kind == "call" and symbol is not None and symbol.cls is not None \
                else self.index.instance_class(symbol)
        if cls is not None and any(b.rsplit(".", 1)[-1] in _SETTINGS_ROOTS for b in self.index.base_names(cls)):
            return "settings"
        return None

    def func_is_fastapi_like(self) -> bool:
        """Handlers whose framework serializes any returned object (a bare settings object is dumped)."""
        return any(imp.module.split(".")[0] in ("fastapi", "starlette", "ninja") for imp in self.mod.imports)


def _short(expr: Expr) -> str:
    func = expr.func if expr.kind == "call" else expr
    if func.kind == "attr":
        return func.text
    return (func.dotted or "").rsplit(".", 1)[-1]


__all__ = ["Dump", "response_dumps"]
