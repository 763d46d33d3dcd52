"""Which values in a handler carry client input, and where they flow.

Two layers. The first (`input_params`, `tainted_names`, `is_tainted`, `resolve_call`) is the
coarse, flow-insensitive view INJ001 uses: any expression that mentions client input.

The second (`Flow`) is the precise view INJ002-INJ007 use. It walks a handler's statements in
source order and gives every local a *taint level* (a bit set, 0 = clean):

- `ANY`: the value holds client input somewhere;
- `HEAD`: the value *starts* with client input (the scheme and host of a URL are the
  client's, not only a path suffix after a fixed base);
- `FREE`: the input can hold `/` (query, body and request reads, `path` converters),
  unlike a single path segment the router matched.

Levels pass through formatting, concatenation, attribute and item reads, method calls on a
tainted receiver, a short list of value-preserving library calls (`os.path.join`, `Path`,
`urljoin`, `b64decode`, `json.loads`) and project functions (followed, two calls deep);
other calls (`int()`, `uuid.UUID()`, a database query filtered by the input) end the flow.
Parameters typed `int`, `UUID`, `bool`, `Literal[...]`, an `Enum` or a pattern-constrained
string carry no taint, and neither do model fields so typed. Guards clear a value: an
allow-list (`if x not in ALLOWED: raise`), a regular expression match, a containment check
for paths (`resolve()` + `is_relative_to` / `startswith(base)` / `commonpath`), a call to a
`validate_*` / `check_*` function, and kind-specific sanitizers each rule names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from apilint.frameworks.graphql_resolvers import RESOLVER_CONTEXT
from apilint.model import Location, Route
from apilint.project import ProjectIndex
from apilint.rule import RuleContext
from apilint.summary import Expr, FunctionDef, ModuleSummary, Param, Stmt, walk_stmts

_REQUEST_ATTRS = frozenset({"args", "form", "json", "values", "data", "GET", "POST", "query_params",
                            "path_params", "headers", "cookies", "files", "body", "query", "params"})
_REQUEST_CALLS = frozenset({"get_json", "json", "form", "body", "get_data"})
_NOT_INPUT_PARAMS = frozenset({"self", "cls", "request", "db", "session", "conn", "cursor", "response",
                               "background_tasks", "websocket", "current_user", "user"})


def _is_request_read(expr: Expr) -> bool:
    """`request.args[...]`, `request.form.get(...)`, `request.GET["x"]`, `await request.json()`."""
    for sub in expr.walk():
        if sub.kind == "attr" and sub.text in _REQUEST_ATTRS and (sub.args[0].dotted or "").endswith("request"):
            return True
        if sub.kind == "call" and sub.func.kind == "attr" and sub.func.text in _REQUEST_CALLS and (
                sub.func.args[0].dotted or "").endswith("request"):
            return True
    return False


def input_params(route: Route | None, func: FunctionDef) -> set[str]:
    """Parameters that hold client input: path parameters, and plain query/body parameters.

    Parameters whose default is a call (`Depends(...)`, `Security(...)`) are injected by the
    framework, not sent by the client.
    """
    out: set[str] = set(route.path_params) if route is not None else set()
    for param in func.params:
        if param.name in _NOT_INPUT_PARAMS or param.kind in ("vararg", "kwarg"):
            continue
        if param.default is not None and param.default.kind == "call":
            name = (param.default.func.dotted or "").rsplit(".", 1)[-1]
            if name in ("Depends", "Security"):
                continue
        annotation = param.annotation.render(60) if param.annotation is not None else ""
        if any(t in annotation for t in ("Session", "Depends", "Request", "BackgroundTasks", "Connection")):
            continue
        out.add(param.name)
    return out


def tainted_names(func: FunctionDef, seeds: set[str]) -> set[str]:
    """The seeds plus every local assigned from them or from request data (in source order)."""
    tainted = set(seeds)
    for stmt in walk_stmts(func.body):
        if stmt.kind in ("assign", "annassign", "augassign", "for") and stmt.value is not None:
            if is_tainted(stmt.value, tainted):
                for target in stmt.targets:
                    tainted.update(e.text for e in target.walk() if e.kind == "name")
    return tainted


def is_tainted(expr: Expr, tainted: set[str]) -> bool:
    """True when the expression reads client input."""
    return any(n in tainted for n in expr.names()) or _is_request_read(expr)


def resolve_call(index: ProjectIndex, mod: ModuleSummary, call: Expr) -> tuple[ModuleSummary, FunctionDef] | None:
    """The project function (or `Class.method`) a call reaches, when apilint can tell."""
    symbol = index.resolve(mod, call.func)
    if symbol is None and call.func.kind == "attr":
        owner = index.resolve(mod, call.func.args[0])
        if owner is not None and owner.cls is None and owner.value is not None and owner.value.kind == "call":
            owner = index.resolve(owner.module, owner.value.func)  # `service = Service()` at module level
        if owner is not None and owner.cls is not None:
            method = _method(index, owner.module, owner.cls.name, call.func.text)
            if method is not None:
                return method
        return None
    if symbol is None or symbol.func is None:
        return None
    return symbol.module, symbol.func


def _method(index: ProjectIndex, mod: ModuleSummary, cls_name: str,
            name: str) -> tuple[ModuleSummary, FunctionDef] | None:
    """`cls_name.name` defined in the class or one of its project base classes."""
    symbol = index.definitions(mod).get(cls_name)
    if symbol is None or symbol.cls is None:
        return None
    found = symbol.cls.method(name)
    if found is not None:
        return mod, found
    for base in index.base_names(symbol):
        parent = index.lookup(base)
        if parent is not None and parent.cls is not None:
            found = parent.cls.method(name)
            if found is not None:
                return parent.module, found
    return None


# --- precise flow (INJ002-INJ007) -------------------------------------------------------

ANY, HEAD, FREE = 1, 2, 4
FULL = ANY | HEAD | FREE
_MAX_DEPTH = 2

_SCALARS = frozenset({
    "int", "float", "bool", "complex", "decimal.Decimal", "Decimal", "uuid.UUID", "UUID", "UUID1", "UUID3",
    "UUID4", "UUID5", "datetime", "date", "time", "timedelta", "datetime.datetime", "datetime.date",
    "datetime.time", "datetime.timedelta", "PositiveInt", "NegativeInt", "NonNegativeInt", "NonPositiveInt",
    "conint", "confloat", "condecimal", "StrictInt", "StrictBool", "StrictFloat", "PositiveFloat",
    "pydantic.types.UUID4", "ipaddress.IPv4Address", "IPv4Address", "IPvAnyAddress",
})
_SAFE_CONVERTERS = frozenset({"int", "uuid", "float", "slug"})
_FLASK_CONV_RE = re.compile(r"<([A-Za-z_]\w*)(?:\([^)]*\))?:([A-Za-z_]\w*)>")
_STAR_CONV_RE = re.compile(r"\{([A-Za-z_]\w*):([A-Za-z_]\w*)\}")
_REGEX_GROUP_RE = re.compile(r"\(\?P<([A-Za-z_]\w*)>([^)]*)\)")
_ALL_PARAMS = frozenset({"fastapi", "ninja", "connexion"})
_SKIP_ANNOTATIONS = frozenset({"Session", "AsyncSession", "Depends", "Request", "BackgroundTasks", "Connection",
                               "Response", "WebSocket", "Security", "HttpRequest", "AsyncConnection", "Engine"})
_REQUEST_SOURCE_ATTRS = _REQUEST_ATTRS | {"FILES", "COOKIES", "META", "match_info"}
_REQUEST_SOURCE_CALLS = _REQUEST_CALLS | {"get_body", "text", "read"}

# Library calls whose result carries their arguments' content.
_TRANSFORMERS = frozenset({
    "str", "bytes", "bytearray", "format", "dict", "list", "tuple", "sorted", "reversed", "getattr",
    "os.path.join", "os.path.normpath", "os.path.abspath", "os.path.realpath", "os.path.expanduser",
    "os.path.expandvars", "os.fspath", "os.fsencode", "os.fsdecode", "posixpath.join", "ntpath.join",
    "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath", "pathlib.WindowsPath",
    "urllib.parse.urljoin", "urllib.parse.unquote", "urllib.parse.unquote_plus", "urllib.parse.urlparse",
    "urllib.parse.urlsplit", "urllib.parse.urlunparse", "urllib.parse.urlunsplit", "urllib.request.Request",
    "base64.b64decode", "base64.urlsafe_b64decode", "base64.b32decode", "base64.b16decode",
    "base64.decodebytes", "binascii.unhexlify", "binascii.a2b_base64", "codecs.decode", "json.loads",
    "ujson.loads", "orjson.loads", "simplejson.loads", "shlex.split", "textwrap.dedent", "html.unescape",
    "httpx.URL", "yarl.URL", "furl.furl",
})
# Methods whose result is not the string itself (predicates, counts, positions).
_NON_VALUE_METHODS = frozenset({
    "startswith", "endswith", "isdigit", "isalnum", "isalpha", "isnumeric", "isdecimal", "isidentifier",
    "isascii", "islower", "isupper", "isspace", "count", "find", "rfind", "index", "rindex", "exists",
    "is_file", "is_dir", "is_absolute", "is_relative_to", "__len__", "keys", "size", "stat", "match",
    "fullmatch", "search",
})
_JOIN_METHODS = frozenset({"join", "joinpath", "format", "format_map", "replace", "with_name", "with_suffix",
                           "with_stem"})
_PATH_CTORS = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"})
_SANITIZER_NAME = re.compile(r"(secure|saniti[sz]|safe|clean|valid|escape|quote|allowed)", re.IGNORECASE)
_GUARD_NAME = re.compile(
    r"(valid|check|ensure|verify|saniti[sz]|assert|is_safe|is_allowed|allowed|safe_|inside|within|subpath)",
    re.IGNORECASE)
_EXIT_CALLS = re.compile(r"(^|\.)(abort|exit|raise_\w+|fail|_?reject\w*|forbidden|bad_request)$")
_ORIGIN_FIXED = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]*[/?#]", re.IGNORECASE)
_SCHEME_ONLY = re.compile(r"^([a-z][a-z0-9+.-]*(:/{0,2})?)?$", re.IGNORECASE)
_DYNAMIC = "\x00"
_REGEX_CALLS = frozenset({"re.match", "re.fullmatch", "re.search", "regex.match", "regex.fullmatch"})
_PREDICATES = frozenset({"isdigit", "isalnum", "isalpha", "isnumeric", "isdecimal", "isidentifier"})
_CONTAINMENT = frozenset({"startswith", "is_relative_to", "commonpath", "commonprefix", "relative_to"})
_HOST_ATTRS = frozenset({"hostname", "netloc", "host", "origin"})


@dataclass(frozen=True)
class Kind:
    """What one rule counts as clean: sanitizer calls and whether path/URL checks clear a value."""

    name: str
    sanitizers: frozenset[str] = frozenset()
    """Qualified names (or last segments) of calls whose result is clean for this kind."""
    path_checks: bool = False
    """Containment checks (`startswith`, `is_relative_to`, `..` tests) and `Path(...).name` clear."""
    url_checks: bool = False
    """Host allow-lists (`urlparse(u).hostname in ALLOWED`, `u.startswith("https://host/")`) clear."""


class Hit(NamedTuple):
    """A sink a rule recognised: what it is called, the argument at fault and its taint."""

    sink: str
    arg: Expr
    level: int


class FlowHit(NamedTuple):
    """A tainted value reaching a sink: where, from which route, through which function."""

    route: Route
    location: Location
    hit: Hit
    via: str
    """The project function holding the sink when it is not the handler itself."""


SinkMatcher = Callable[["Frame", Expr], Iterator[Hit]]


def param_level(index: ProjectIndex, mod: ModuleSummary, route: Route, param: Param) -> int:
    """The taint a route parameter starts with (0 for injected or scalar-typed parameters)."""
    if param.kind in ("vararg", "kwarg") or param.name in ("self", "cls", "request"):
        return 0
    in_path = param.name in route.path_params
    if not in_path and (route.framework not in _ALL_PARAMS or param.name in _NOT_INPUT_PARAMS):
        return 0
    if param.default is not None and param.default.kind == "call":
        callee = (param.default.func.dotted or "").rsplit(".", 1)[-1]
        if callee in ("Depends", "Security", "Inject", "Provide"):
            return 0
        if any(param.default.kwarg(k) is not None for k in ("pattern", "regex")):
            return 0
    if param.annotation is not None:
        text = param.annotation.render(120)
        names = {(e.dotted or "").rsplit(".", 1)[-1] for e in param.annotation.walk() if e.kind in ("name", "attr")}
        if names & _SKIP_ANNOTATIONS or is_scalar(index, mod, param.annotation):
            return 0
        if any(k in text for k in ("pattern=", "regex=")):
            return 0
    if in_path:
        converter = _converter(route.raw_path, param.name)
        if converter in _SAFE_CONVERTERS:
            return 0
        return FULL if converter == "path" else ANY | HEAD
    return FULL


def _converter(raw_path: str, name: str) -> str:
    """The converter of a path parameter: `int` for `<int:id>` / `{id:int}` / `(?P<id>\\d+)`, else `str`."""
    for match in _FLASK_CONV_RE.finditer(raw_path):
        if match.group(2) == name:
            return match.group(1)
    for match in _STAR_CONV_RE.finditer(raw_path):
        if match.group(1) == name:
            return match.group(2)
    for match in _REGEX_GROUP_RE.finditer(raw_path):
        if match.group(1) == name:
            pattern = match.group(2)
            if pattern in (r"\d+", "[0-9]+", r"[\d]+"):
                return "int"
            return "path" if "." in pattern or "/" in pattern or r"\S" in pattern else "str"
    return "str"


def is_scalar(index: ProjectIndex, mod: ModuleSummary, ann: Expr, _depth: int = 0) -> bool:
    """True for annotations that cannot hold free text: numbers, UUIDs, `Literal`, enums."""
    if _depth > 4:
        return False
    if ann.kind == "binop" and ann.text == "|":
        parts = [a for a in ann.args if not a.is_none]
        return bool(parts) and all(is_scalar(index, mod, a, _depth + 1) for a in parts)
    if ann.kind == "subscript":
        head = (ann.args[0].dotted or "").rsplit(".", 1)[-1]
        if head == "Literal":
            return True
        if head == "Annotated":
            return is_scalar(index, mod, ann.args[1], _depth + 1) if len(ann.args) > 1 else False
        if head in ("Optional", "Union"):
            parts = [a for a in ann.args[1:] if not a.is_none]
            return bool(parts) and all(is_scalar(index, mod, a, _depth + 1) for a in parts)
        return False
    if ann.kind == "call":
        return (ann.func.dotted or "").rsplit(".", 1)[-1] in _SCALARS or any(
            ann.kwarg(k) is not None for k in ("pattern", "regex"))
    dotted = ann.dotted
    if dotted is None:
        return False
    if dotted in _SCALARS or index.qualify(mod, dotted) in _SCALARS:
        return True
    symbol = index.resolve(mod, ann)
    if symbol is not None and symbol.cls is not None:
        return any(b.rsplit(".", 1)[-1] in ("Enum", "IntEnum", "StrEnum", "IntFlag", "Flag")
                   for b in index.base_names(symbol))
    return False


@dataclass
class _Summary:
    hits: list[tuple[Location, Hit, str]] = field(default_factory=list)
    returns: int = 0


def entry_points(ctx: RuleContext) -> Iterator[tuple[Route, ModuleSummary, FunctionDef, dict[str, int]]]:
    """Where client input enters: every route handler with its input parameters, then every
    GraphQL resolver with its field arguments, reported against the endpoint that serves it
    (`POST /graphql (query systemDiagnostics)`)."""
    for route in ctx.routes:
        func = ctx.handler(route)
        mod = ctx.module_of(route)
        if func is not None and mod is not None:
            yield route, mod, func, {p.name: lv for p in func.params if (lv := param_level(ctx.index, mod, route, p))}
    yield from resolver_entry_points(ctx)


def resolver_entry_points(ctx: RuleContext) -> Iterator[tuple[Route, ModuleSummary, FunctionDef, dict[str, int]]]:
    """GraphQL resolvers with their field arguments, each as a route of the endpoint serving it."""
    endpoints = [r for r in ctx.routes if r.framework == "graphql"]
    if not endpoints or not ctx.facts.graphql_resolvers:
        return
    endpoint = min(endpoints, key=lambda r: (r.method != "POST", "graphiql" in r.path, r.path))
    for resolver in ctx.facts.graphql_resolvers:
        ref = resolver.handler_ref
        mod = ctx.index.by_path.get(ref.file) if ref is not None else None
        if ref is None or mod is None:
            continue
        func = next((f for f in mod.functions() if f.qualname == ref.qualname), None)
        if func is None:
            continue
        seeds = {p.name: FULL for p in func.params
                 if p.name not in RESOLVER_CONTEXT
                 and not (p.annotation is not None and is_scalar(ctx.index, mod, p.annotation))}
        if seeds:
            route = replace(endpoint, path=f"{endpoint.path} ({resolver.operation} {resolver.field})",
                            handler=resolver.handler, handler_ref=ref, location=resolver.location)
            yield route, mod, func, seeds


class Flow:
    """Taint analysis of route handlers for one kind of sink; one instance per rule run."""

    def __init__(self, ctx: RuleContext, kind: Kind, matcher: SinkMatcher) -> None:
        self.ctx = ctx
        self.index = ctx.index
        self.kind = kind
        self.matcher = matcher
        self._memo: dict[tuple[str, str, tuple[tuple[str, int], ...]], _Summary] = {}
        self._active: set[tuple[str, str]] = set()

    def run(self) -> Iterator[FlowHit]:
        """Every sink reached by client input, once per (file, line), in route order."""
        seen: set[tuple[str, int]] = set()
        for route, mod, func, seeds in entry_points(self.ctx):
            for where, hit, via in self.analyze(mod, func, seeds, 0).hits:
                if (where.file, where.line) not in seen:
                    seen.add((where.file, where.line))
                    yield FlowHit(route, where, hit, via)

    def analyze(self, mod: ModuleSummary, func: FunctionDef, seeds: dict[str, int], depth: int) -> _Summary:
        """Sinks reached inside `func` (and the functions it calls) and the taint it returns."""
        key = (mod.path, func.qualname, tuple(sorted(seeds.items())))
        found = self._memo.get(key)
        if found is not None:
            return found
        if key[:2] in self._active:
            return _Summary()
        self._active.add(key[:2])
        try:
            frame = Frame(self, mod, func, seeds, depth)
            frame.block(func.body)
            result = _Summary(frame.hits, frame.returns)
        finally:
            self._active.discard(key[:2])
        self._memo[key] = result
        return result


class Frame:
    """The state of one function under analysis: taint of its locals, objects they hold."""

    def __init__(self, flow: Flow, mod: ModuleSummary, func: FunctionDef, seeds: dict[str, int],
                 depth: int) -> None:
        self.flow = flow
        self.index = flow.index
        self.mod = mod
        self.func = func
        self.depth = depth
        self.env: dict[str, int] = dict(seeds)
        self.defs: dict[str, Expr] = {}
        self.objs: dict[str, str] = {}
        self.uploads: set[str] = set()
        self.pathlike: set[str] = set()
        self.local_imports: dict[str, str] = {}
        self.params: dict[str, Expr] = {}
        self.hits: list[tuple[Location, Hit, str]] = []
        self.returns = 0
        for p in func.params:
            if p.annotation is None:
                continue
            self.params[p.name] = p.annotation
            ann = self.index.qualify_expr(mod, p.annotation) or ""
            if ann.rsplit(".", 1)[-1] == "UploadFile":
                self.uploads.add(p.name)
            elif ann:
                self.objs[p.name] = ann

    # --- names -------------------------------------------------------------------------
    def callee(self, call: Expr) -> str:
        """Qualified name of what a call calls; methods of known objects as `Class.method`."""
        func = call.func if call.kind == "call" else call
        if func.kind == "attr" and func.args[0].kind == "call":
            owner = self.callee(func.args[0])
            return f"{owner}.{func.text}" if owner else ""
        dotted = func.dotted
        if dotted is None:
            return ""
        head, _, rest = dotted.partition(".")
        if head in self.local_imports:
            base = self.local_imports[head]
        elif head in self.objs:
            base = self.objs[head]
        elif head in self.env or head in self.defs:
            return ""
        else:
            symbol = self.index.resolve(self.mod, Expr("name", head))
            if symbol is not None and symbol.value is not None and symbol.value.kind == "call" and rest:
                base = self.index.qualify_expr(symbol.module, symbol.value.func) or head
            else:
                return self.index.qualify(self.mod, dotted)
        return f"{base}.{rest}" if rest else base

    def _project(self, call: Expr) -> tuple[ModuleSummary, FunctionDef] | None:
        func = call.func
        if func.kind == "attr" and func.args[0].kind == "name" and func.args[0].text in ("self", "cls"):
            owner, _, _ = self.func.qualname.rpartition(".")
            if owner and "<locals>" not in owner:
                return _method(self.index, self.mod, owner.split(".")[0], func.text)
            return None
        if func.kind == "name" and (func.text in self.local_imports or func.text in self.env):
            return None
        return resolve_call(self.index, self.mod, call)

    # --- taint of expressions ------------------------------------------------------------
    def level(self, e: Expr, extra: dict[str, int] | None = None) -> int:
        """The taint level of an expression (0 = clean)."""
        k = e.kind
        if k == "name":
            if extra is not None and e.text in extra:
                return extra[e.text]
            return self.env.get(e.text, 0)
        if k == "attr":
            base = e.args[0]
            dotted = e.dotted
            if dotted is not None and dotted in self.env:
                return self.env[dotted]
            if e.text in _REQUEST_SOURCE_ATTRS and (base.dotted or "").endswith("request"):
                return FULL
            lv = self.level(base, extra)
            if not lv:
                return 0
            if self.flow.kind.path_checks and e.text in ("name", "stem", "suffix") and (
                    self.is_path(base) or self._django_upload(base)):
                return 0  # Path(x).name, and Django's UploadedFile.name (already reduced to a basename)
            if base.kind == "name" and base.text in self.params and self._scalar_field(base.text, e.text):
                return 0
            return lv
        if k == "subscript":
            return self.level(e.args[0], extra)
        if k == "fstr":
            return self._concat(list(e.args), extra)
        if k == "binop":
            if e.text == "+":
                return self._concat(_flatten_plus(e), extra)
            if e.text == "%" and e.args[0].kind == "str":
                prefix = e.args[0].text.split("%", 1)[0]
                return self._piece(prefix, self.level(e.args[1], extra))
            if e.text in ("/", "%", "|"):
                return self.level(e.args[0], extra) | self.level(e.args[1], extra)
            return 0
        if k == "call":
            return self._call_level(e, extra)
        if k in ("await", "starred", "unary") and e.args:
            return self.level(e.args[0], extra) if k != "unary" else 0
        if k == "ifexp":
            return self.level(e.args[1], extra) | self.level(e.args[2], extra)
        if k in ("list", "tuple") and e.args:  # a list starts with input only if its first item does
            first = self.level(e.args[0], extra)
            return (_or(self.level(a, extra) for a in e.args[1:]) & ~HEAD) | first
        if k in ("boolop", "set"):
            return _or(self.level(a, extra) for a in e.args)
        if k == "dict":
            return _or(self.level(v, extra) for v in e.args[1::2])
        if k == "namedexpr":
            return self.level(e.args[1], extra)
        if k == "comp":
            n_elem = 2 if e.text == "dict" else 1
            rest = _or(self.level(a, extra) for a in e.args[n_elem:])
            if not rest:
                return _or(self.level(a, extra) for a in e.args[:n_elem])
            bound = {n: rest for a in e.args[:n_elem] for n in a.names() if n not in self.env}
            return _or(self.level(a, {**(extra or {}), **bound}) for a in e.args[:n_elem])
        return 0

    def _piece(self, prefix: str, lv: int) -> int:
        if not lv:
            return 0
        return lv if not prefix or not _fixed_origin(prefix) else lv & ~HEAD

    def _concat(self, parts: list[Expr], extra: dict[str, int] | None) -> int:
        out, prefix = 0, ""
        for part in parts:
            if part.kind == "str":
                prefix += part.text
                continue
            lv = self.level(part, extra)
            if not lv:
                prefix += _DYNAMIC  # an untainted piece, such as a configured base URL
                continue
            out |= lv if not _fixed_origin(prefix) else lv & ~HEAD
        return out

    def _call_level(self, e: Expr, extra: dict[str, int] | None) -> int:
        func = e.func
        if func.kind == "attr" and func.text in _REQUEST_SOURCE_CALLS and (
                func.args[0].dotted or "").endswith("request"):
            return FULL
        name = self.callee(e)
        last = name.rsplit(".", 1)[-1]
        if name in self.flow.kind.sanitizers or last in self.flow.kind.sanitizers:
            return 0
        args = [*e.positional, *(kw.value for kw in e.keywords)]
        if name in _TRANSFORMERS:
            return _or(self.level(a, extra) for a in args)
        if func.kind == "attr":
            recv = self.level(func.args[0], extra)
            if recv:
                if func.text in _NON_VALUE_METHODS:
                    return 0
                if func.text in _JOIN_METHODS:
                    return recv | _or(self.level(a, extra) for a in args)
                return recv
            if func.text in ("format", "format_map") and func.args[0].kind == "str":
                lv = _or(self.level(a, extra) for a in args)
                return self._piece(func.args[0].text.split("{", 1)[0], lv)
            if func.text == "replace" and len(e.positional) > 1:
                return self.level(e.positional[1], extra) & ~HEAD  # TEMPLATE.replace("{x}", value)
            if func.text in _JOIN_METHODS:
                return _or(self.level(a, extra) for a in args)
        target = self._project(e)
        if target is None or self.depth >= _MAX_DEPTH or _SANITIZER_NAME.search(target[1].name):
            return 0
        seeds = self._bind(target[1], e, extra)
        if not seeds:
            return 0
        return self.flow.analyze(target[0], target[1], seeds, self.depth + 1).returns

    def _bind(self, callee: FunctionDef, call: Expr, extra: dict[str, int] | None = None) -> dict[str, int]:
        params = [p for p in callee.params if p.kind in ("pos", "posonly", "kwonly") and p.name not in ("self", "cls")]
        seeds: dict[str, int] = {}
        for p, arg in zip(params, call.positional, strict=False):
            if arg.kind != "starred" and (lv := self.level(arg, extra)):
                seeds[p.name] = lv
        names = {p.name for p in params}
        for kw in call.keywords:
            if kw.name in names and (lv := self.level(kw.value, extra)):
                seeds[kw.name] = lv
        return seeds

    def is_path(self, e: Expr) -> bool:
        """True for a `pathlib` path: `Path(...)`, `base / name`, or a local holding one."""
        if e.kind == "name":
            return e.text in self.pathlike
        if e.kind == "call":
            return self.callee(e) in _PATH_CTORS
        return e.kind == "binop" and e.text == "/"

    def _django_upload(self, e: Expr) -> bool:
        if e.kind == "name":
            bound = self.defs.get(e.text)
            return bound is not None and self._django_upload(bound)
        return any(s.kind == "attr" and s.text == "FILES" for s in e.walk())

    def is_upload(self, e: Expr) -> bool:
        """True for an uploaded file object (`request.files["f"]`, an `UploadFile` parameter)."""
        if e.kind == "name":
            return e.text in self.uploads
        return any(s.kind == "attr" and s.text in ("files", "FILES") for s in e.walk())

    def _scalar_field(self, param: str, attr: str) -> bool:
        symbol = self.index.resolve(self.mod, self.params[param])
        if symbol is None or symbol.cls is None:
            return False
        for cls_symbol in (symbol, *(s for b in self.index.base_names(symbol) if (s := self.index.lookup(b)))):
            if cls_symbol.cls is None:
                continue
            for stmt in cls_symbol.cls.body:
                if stmt.kind == "annassign" and stmt.exprs and any(
                        t.kind == "name" and t.text == attr for t in stmt.targets):
                    if stmt.value is not None and stmt.value.kind == "call" and any(
                            stmt.value.kwarg(k) is not None for k in ("pattern", "regex")):
                        return True
                    return is_scalar(self.index, cls_symbol.module, stmt.exprs[0])
        return False

    # --- statements ----------------------------------------------------------------------
    def block(self, stmts: Iterable[Stmt]) -> bool:
        """Walk statements in order; True when the block always leaves (return, raise, abort)."""
        return any(self.stmt(stmt) for stmt in stmts)  # stops at the first statement that leaves

    def stmt(self, s: Stmt) -> bool:
        k = s.kind
        if k in ("def", "class"):
            return False
        self._check(s)
        if k in ("assign", "annassign") and s.value is not None:
            lv = self.level(s.value)
            for target in s.targets:
                self._bind_target(target, lv, s.value)
        elif k == "augassign" and s.value is not None:
            for target in s.targets:
                if target.kind == "name":
                    self.env[target.text] = self.env.get(target.text, 0) | self.level(s.value)
        elif k == "for" and s.value is not None:
            lv = self.level(s.value)
            for target in s.targets:
                self._bind_target(target, lv, s.value)
            self._loop(s.body)
            self.block(s.orelse)
        elif k == "while":
            self._loop(s.body)
            self.block(s.orelse)
        elif k == "with":
            for item, target in zip(s.exprs, s.targets, strict=False):
                if target.kind == "name":
                    self._bind_target(target, self.level(item), item)
            return self.block(s.body)
        elif k == "if" and s.value is not None:
            return self._if(s)
        elif k == "try":
            self.block(s.body)
            for handler in s.handlers:
                self.block(handler.body)
            self.block(s.orelse)
            return self.block(s.finalbody)
        elif k == "match":
            for case in s.handlers:
                self.block(case.body)
        elif k == "assert" and s.value is not None:
            self._clear(self._checked(s.value, True))
        elif k == "import":
            for target, qual in zip(s.targets, s.exprs, strict=False):
                if target.kind == "name" and qual.kind == "str":
                    self.local_imports[target.text] = qual.text
        elif k == "expr" and s.value is not None:
            return self._expr_stmt(s.value)
        elif k == "return":
            if s.value is not None:
                self.returns |= self.level(s.value)
            return True
        return k in ("raise", "continue", "break")

    def _loop(self, body: tuple[Stmt, ...]) -> None:
        before = dict(self.env)
        self.block(body)
        self.env = _merge(before, self.env)

    def _expr_stmt(self, value: Expr) -> bool:
        call = value.args[0] if value.kind == "await" and value.args else value
        if call.kind != "call":
            return False
        name = self.callee(call) or (call.func.dotted or "")
        if _EXIT_CALLS.search(name):
            return True
        last = name.rsplit(".", 1)[-1] or (call.func.text if call.func.kind == "attr" else "")
        if last == "relative_to" and self.flow.kind.path_checks and call.func.kind == "attr":
            self._clear(set(call.func.args[0].names()))
        elif _GUARD_NAME.search(last) and self._guard_function(call, raising=True):
            self._clear(self._subjects(call.positional))
        return False

    def _if(self, s: Stmt) -> bool:
        test = s.value
        assert test is not None
        before = dict(self.env)
        self._clear(self._checked(test, True))
        body_exits = self.block(s.body)
        after_body = self.env
        self.env = dict(before)
        self._clear(self._checked(test, False))
        else_exits = self.block(s.orelse)
        if body_exits and else_exits:
            return True
        if body_exits:
            return False
        if not else_exits:
            self.env = _merge(after_body, self.env)
        else:
            self.env = after_body
        return False

    def _bind_target(self, target: Expr, lv: int, value: Expr) -> None:
        if target.kind == "attr":
            if target.dotted is not None:
                self.env[target.dotted] = lv
            return
        if target.kind == "subscript":
            base = target.args[0]
            if base.kind == "name" and lv:
                self.env[base.text] = self.env.get(base.text, 0) | lv
            return
        if target.kind != "name":
            for sub in target.walk():
                if sub.kind == "name":
                    self.env[sub.text] = lv
            return
        name = target.text
        self.env[name] = lv
        self.defs[name] = value
        inner = value.args[0] if value.kind == "await" and value.args else value
        self.objs.pop(name, None)
        self.pathlike.discard(name)
        self.uploads.discard(name)
        if inner.kind == "call":
            ctor = self.callee(inner)
            if ctor:
                self.objs[name] = ctor
            if ctor in _PATH_CTORS or (inner.func.kind == "attr" and inner.func.text in ("resolve", "absolute")
                                       and self.is_path(inner.func.args[0])):
                self.pathlike.add(name)
        elif inner.kind == "binop" and inner.text == "/":
            self.pathlike.add(name)
        if any(s.kind == "attr" and s.text in ("files", "FILES") for s in value.walk()) or (
                value.kind == "name" and value.text in self.uploads):
            self.uploads.add(name)

    def _clear(self, names: set[str]) -> None:
        """Mark checked names clean, and the locals they were derived from."""
        todo = list(names)
        done: set[str] = set()
        while todo:
            name = todo.pop()
            if name in done:
                continue
            done.add(name)
            if "." in name:
                self.env[name] = 0
            elif self.env.get(name):
                self.env[name] = 0
                source = self.defs.get(name)
                if source is not None and source.kind in ("call", "attr", "name", "await"):
                    todo += [n for n in source.names() if self.env.get(n)]

    # --- guards --------------------------------------------------------------------------
    def _checked(self, test: Expr, outcome: bool) -> set[str]:
        """Names a test proves clean when it evaluates to `outcome`."""
        if test.kind == "unary" and test.text == "not":
            return self._checked(test.args[0], not outcome)
        if test.kind == "boolop":
            parts = [self._checked(a, outcome) for a in test.args]
            if (test.text == "and") == outcome:
                return set().union(*parts)
            return set.intersection(*parts) if parts else set()
        if test.kind == "compare":
            return self._compare_guard(test, outcome)
        if test.kind == "call" and outcome:
            return self._call_guard(test)
        return set()

    def _compare_guard(self, test: Expr, outcome: bool) -> set[str]:
        ops = test.text.split(",")
        if len(ops) != 1:
            return set()
        op, left, right = ops[0], test.args[0], test.args[1]
        path_checks = self.flow.kind.path_checks
        if op in ("in", "not in"):
            if (op == "in") == outcome:  # membership holds on this path: an allow-list
                if right.kind in ("str", "fstr") or self.level(right):
                    return set()
                return self._subject(left)
            if path_checks and left.kind == "str" and left.text in ("..", "../", "/", "\\"):
                return self._subject(right)  # `if ".." in name: abort`
            return set()
        if op in ("==", "!=") and (op == "==") == outcome:
            for fixed, other in ((left, right), (right, left)):
                if path_checks and other.kind == "call" and self.callee(other).endswith(
                        ("commonpath", "commonprefix")) and not self.level(fixed):
                    return {n for n in other.names() if self.env.get(n)}
                if fixed.kind in ("str", "num"):
                    return self._subject(other)
        return set()

    def _subject(self, e: Expr) -> set[str]:
        """The value an allow-list check is about: `x`, `x.lower()`, `body.name`, `urlparse(x).hostname`."""
        while True:
            if e.kind == "name":
                return {e.text} if self.env.get(e.text) else set()
            if e.kind == "call" and e.func.kind == "attr" and e.func.text in ("lower", "upper", "strip", "casefold"):
                e = e.func.args[0]
            elif e.kind == "attr" and self.flow.kind.url_checks and e.text in _HOST_ATTRS:
                e = e.args[0]
            elif e.kind == "attr":
                dotted = e.dotted
                return {dotted} if dotted is not None and self.level(e) else set()
            elif e.kind == "call" and e.positional and self.callee(e) in ("urllib.parse.urlparse",
                                                                          "urllib.parse.urlsplit"):
                e = e.positional[0]
            else:
                return set()

    def _subjects(self, args: Iterable[Expr]) -> set[str]:
        out: set[str] = set()
        for arg in args:
            out |= self._subject(arg)
        return out

    def _call_guard(self, call: Expr) -> set[str]:
        name = self.callee(call)
        func = call.func
        last = func.text if func.kind == "attr" else name.rsplit(".", 1)[-1]
        hot = self._subjects(call.positional)
        if name in _REGEX_CALLS or (func.kind == "attr" and last in ("match", "fullmatch")
                                    and not self.level(func.args[0])):
            return hot
        if func.kind == "attr" and last in _PREDICATES:
            return self._subject(func.args[0])
        kind = self.flow.kind
        if func.kind == "attr" and last in _CONTAINMENT and (kind.path_checks or kind.url_checks):
            recv = {n for n in func.args[0].names() if self.env.get(n)}
            if kind.url_checks and not kind.path_checks:
                prefix = call.positional[0] if call.positional else None
                options = prefix.args if prefix is not None and prefix.kind in ("tuple", "list") else (prefix,)
                if any(p is None or (p.kind == "str" and not _fixed_origin(p.text)) for p in options):
                    return set()
            return recv
        if (kind.path_checks or kind.url_checks) and last in ("is_relative_to", "startswith"):
            return hot
        if _GUARD_NAME.search(last) and self._guard_function(call):
            return hot
        return set()

    def _guard_function(self, call: Expr, raising: bool = False) -> bool:
        """A `validate_*` call clears its arguments, unless it is a project function that only
        checks something weaker (a file extension) than the value itself. Called as a statement
        (`raising`), a project function that raises is a validator."""
        target = self._project(call)
        if target is None:
            return True
        params = {p.name for p in target[1].params}
        for stmt in walk_stmts(target[1].body):
            if raising and stmt.kind == "raise":
                return True
            for expr in stmt.own_exprs():
                for sub in expr.walk():
                    if sub.kind == "compare" and sub.text in ("in", "not in", "==", "!=") and (
                            sub.args[0].kind == "name" and sub.args[0].text in params):
                        return True
                    if sub.kind == "compare" and sub.text in ("in", "not in") and any(
                            e.kind == "attr" and e.text == "parents" for e in sub.args[-1].walk()):
                        return True  # `base.resolve() in path.resolve().parents`: containment
                    if sub.kind == "call":
                        name = self.index.qualify_expr(target[0], sub.func) or ""
                        last = name.rsplit(".", 1)[-1]
                        if name in _REGEX_CALLS or last in _PREDICATES or last in _CONTAINMENT or last in (
                                "fullmatch", "match", "basename", "secure_filename", "UUID"):
                            return True
        return False

    # --- sinks ---------------------------------------------------------------------------
    def _check(self, s: Stmt) -> None:
        for expr in s.own_exprs():
            for call in expr.calls():
                for hit in self.flow.matcher(self, call):
                    self.hits.append((Location(self.mod.path, s.line), hit, self.func.name if self.depth else ""))
                if self.depth < _MAX_DEPTH:
                    target = self._project(call)
                    if target is not None:
                        seeds = self._bind(target[1], call)
                        if seeds:
                            self.hits += self.flow.analyze(target[0], target[1], seeds, self.depth + 1).hits


def _flatten_plus(e: Expr) -> list[Expr]:
    if e.kind == "binop" and e.text == "+":
        return [*_flatten_plus(e.args[0]), *_flatten_plus(e.args[1])]
    return [e]


def _fixed_origin(prefix: str) -> bool:
    """True when a URL prefix already fixes scheme and host (`https://api.x.com/`, `{BASE_URL}/`).

    `prefix` is the literal text before the input, with untainted dynamic pieces written as
    `_DYNAMIC`: a prefix that starts with one (and names no scheme itself) is a configured base.
    """
    if prefix.startswith(_DYNAMIC) and "://" not in prefix:
        return True
    prefix = prefix.replace(_DYNAMIC, "x")
    if _ORIGIN_FIXED.match(prefix):
        return True
    return "://" not in prefix and not _SCHEME_ONLY.match(prefix)


def _or(levels: Iterable[int]) -> int:
    out = 0
    for lv in levels:
        out |= lv
    return out


def _merge(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) | b.get(k, 0) for k in a.keys() | b.keys()}


def mentions_any(ctx: RuleContext, words: Iterable[str]) -> bool:
    """Cheap pre-filter: does any module mention one of these (lower-cased) words?"""
    wanted = tuple(words)
    return any(mod.mentions(w) for mod in ctx.index for w in wanted)


def render_arg(e: Expr) -> str:
    """Short source text of the offending argument, for messages."""
    return e.render(50)
