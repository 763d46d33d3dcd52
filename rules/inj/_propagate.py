"""How taint propagates through expressions: formatting, joins, calls, value-preserving
library functions and project functions (followed `MAX_DEPTH` calls deep)."""

from __future__ import annotations

import re

from apilint.lazy_regex import lazy_compile
from apilint.rules.inj._frame_base import EXPR_KEY, FrameBase
from apilint.rules.inj._levels import DYNAMIC, FULL, HEAD, MAX_DEPTH, SESSION, fixed_origin, flatten_plus, or_levels
from apilint.rules.inj._sources import SESSION_OBJECTS, form_class, is_request_object, is_request_read, is_scalar
from apilint.summary import Expr, FunctionDef

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
    "httpx.URL", "yarl.URL", "furl.furl", "io.StringIO", "io.BytesIO", "gzip.decompress", "zlib.decompress",
    "bz2.decompress", "lzma.decompress", "bytes.fromhex", "bytearray.fromhex",
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
PATH_CTORS = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"})
SANITIZER_NAME = lazy_compile(r"(secure|saniti[sz]|safe|clean|valid|escape|quote|allowed)", re.IGNORECASE)


_REGEX_SUBS = frozenset({"re.sub", "re.subn", "regex.sub", "regex.subn"})
_ALLOWLIST_CLASS = lazy_compile(r"^\[\^[^\]]*\][+*]?$")
"""A pattern that matches every character outside an allowed set: `[^a-zA-Z0-9_.-]+`."""
_OUTBOUND = frozenset({"httpx.Request", "requests.Request", "requests.PreparedRequest", "requests.models.Request",
                       "requests.models.PreparedRequest", "aiohttp.ClientRequest", "urllib.request.Request"})
# Calls whose result cannot carry an injected string (numbers, booleans, ids, hashes).
_CLEAN_CALLS = frozenset({"int", "float", "bool", "len", "abs", "round", "UUID", "uuid4", "hex", "hexdigest",
                          "isoformat", "timestamp", "count", "quote", "escape"})


class Propagation(FrameBase):
    """The taint level of expressions in a frame."""

    def level(self, e: Expr, extra: dict[str, int] | None = None) -> int:
        """The taint level of an expression (0 = clean)."""
        k = e.kind
        if k == "name":
            if extra is not None and e.text in extra:
                return extra[e.text]
            if e.text in self.env:
                return self.env[e.text]
            if e.text.endswith("session") and self.index.qualify(self.mod, e.text) in SESSION_OBJECTS:
                return FULL | SESSION  # Flask's `session["next"]`: stored from the client's earlier requests
            return 0
        if k == "attr":
            base = e.args[0]
            dotted = e.dotted
            if dotted is not None and dotted in self.env:
                return self.env[dotted]
            if is_request_read(e) and not self._outbound(base):
                if e.text != "path":
                    return FULL | SESSION if e.text == "session" else FULL
                if not self._project_typed(base):  # `request.path` is client text that starts with this site's `/`
                    return FULL & ~HEAD
            lv = self.level(base, extra)
            if not lv:
                return 0
            if self.flow.kind.path_checks and e.text in ("name", "stem", "suffix") and (
                    self.is_path(base) or self._django_upload(base)):
                return 0  # Path(x).name, and Django's UploadedFile.name (already reduced to a basename)
            if base.kind == "name" and base.text in self.params and self._scalar_field(base.text, e.text):
                return 0
            if e.text in ("path", "query", "fragment", "params") and self._parsed_url(base):
                return lv & ~HEAD  # `urlparse(url).path`: a path on this site, whoever chose it
            return lv
        if k == "subscript":
            if self.expr_guarded and self.env.get(EXPR_KEY + e.render(200), 1) == 0:
                return 0
            return self.level(e.args[0], extra)
        if k == "fstr":
            return self._concat(list(e.args), extra)
        if k == "binop":
            if e.text == "+":
                return self._concat(flatten_plus(e), extra)
            if e.text == "%" and e.args[0].kind == "str":
                prefix = e.args[0].text.split("%", 1)[0]
                return self._piece(prefix, self.level(e.args[1], extra))
            if e.text in ("/", "%", "|"):
                return self.level(e.args[0], extra) | self.level(e.args[1], extra)
            return 0
        if k == "call":
            if self.expr_guarded and self.env.get(EXPR_KEY + e.render(200), 1) == 0:
                return 0  # the same request read a guard checked earlier
            return self._call_level(e, extra)
        if k in ("await", "starred", "unary") and e.args:
            return self.level(e.args[0], extra) if k != "unary" else 0
        if k == "ifexp":  # `url if is_safe_url(url) else "/"`: each branch under its test's outcome
            test, body, orelse = e.args
            return (self.level(body, self._guarded(test, True, extra))
                    | self.level(orelse, self._guarded(test, False, extra)))
        if k in ("list", "tuple") and e.args:  # a list starts with input only if its first item does
            first = self.level(e.args[0], extra)
            return (or_levels(self.level(a, extra) for a in e.args[1:]) & ~HEAD) | first
        if k in ("boolop", "set"):
            return or_levels(self.level(a, extra) for a in e.args)
        if k == "dict":
            return or_levels(self.level(v, extra) for v in e.args[1::2])
        if k == "namedexpr":
            return self.level(e.args[1], extra)
        if k == "comp":
            n_elem = 2 if e.text == "dict" else 1
            rest = or_levels(self.level(a, extra) for a in e.args[n_elem:])
            if not rest:
                return or_levels(self.level(a, extra) for a in e.args[:n_elem])
            bound = {n: rest for a in e.args[:n_elem] for n in a.names() if n not in self.env}
            return or_levels(self.level(a, {**(extra or {}), **bound}) for a in e.args[:n_elem])
        return 0

    def _project_typed(self, e: Expr) -> bool:
        """A parameter annotated with a project class (`request: ExportRequest`): not the HTTP request."""
        annotation = self.params.get(e.text) if e.kind == "name" else None
        if annotation is None or annotation.kind not in ("name", "attr"):
            return False
        symbol = self.index.resolve(self.mod, annotation)
        return symbol is not None and symbol.cls is not None

    def _piece(self, prefix: str, lv: int) -> int:
        if not lv:
            return 0
        return lv if not prefix or not fixed_origin(prefix) else lv & ~HEAD

    def _concat(self, parts: list[Expr], extra: dict[str, int] | None) -> int:
        out, prefix = 0, ""
        for part in parts:
            if part.kind == "str":
                prefix += part.text
                continue
            lv = self.level(part, extra)
            if not lv:
                prefix += DYNAMIC  # an untainted piece, such as a configured base URL
                continue
            out |= lv if not fixed_origin(prefix) else lv & ~HEAD
        return out

    def passes_input(self, call: Expr, extra: dict[str, int] | None = None, request: bool = True) -> bool:
        """Whether a call hands a callee anything to follow: a tainted argument, the request object
        (with `request`), or instance attributes holding client input (`self.helper()`,
        `report.render()`). Checked before resolving the callee, which costs more."""
        func = call.func
        if func.kind == "attr" and func.args[0].kind == "name":
            owner = func.args[0].text
            if owner in self.instances or (owner == "self" and any(
                    v and k.startswith("self.") for k, v in self.env.items())):
                return True
        for arg in call.args[1:]:
            if (request and is_request_object(arg)) or self.level(arg, extra):
                return True
        return any(kw.value is not None and self.level(kw.value, extra) for kw in call.keywords)

    def _outbound(self, e: Expr) -> bool:
        """A parameter named like the request but typed as an outgoing HTTP request (`httpx.Request`)."""
        ann = self.params.get(e.text) if e.kind == "name" else None
        return ann is not None and (self.index.qualify_expr(self.mod, ann) or "") in _OUTBOUND

    def _guarded(self, test: Expr, outcome: bool, extra: dict[str, int] | None) -> dict[str, int] | None:
        """`extra` with the locals a test proves clean (when it evaluates to `outcome`) set to 0."""
        clean = {n: 0 for n in self.checked(test, outcome) if "." not in n}
        return {**(extra or {}), **clean} if clean else extra

    def _parsed_url(self, e: Expr) -> bool:
        if e.kind == "name" and e.text in self.defs:
            e = self.defs[e.text]
        return e.kind == "call" and self.callee(e) in ("urllib.parse.urlparse", "urllib.parse.urlsplit")

    def _format_level(self, template: str, call: Expr, extra: dict[str, int] | None) -> int:
        """`"{}?{}".format(base, query)`: like concatenation, a placeholder at a time."""
        pieces = re.split(r"\{([^{}]*)\}", template)
        out, prefix, position = 0, "", 0
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                prefix += piece
                continue
            field = piece.split(".", 1)[0].split("[", 1)[0].split("!", 1)[0].split(":", 1)[0]
            if field.isdigit():
                value = call.arg(int(field))
            elif field:
                value = call.kwarg(field)
            else:
                value, position = call.arg(position), position + 1
            lv = self.level(value, extra) if value is not None else 0
            if not lv:
                prefix += DYNAMIC
                continue
            out |= lv if not fixed_origin(prefix) else lv & ~HEAD
        return out

    def _call_level(self, e: Expr, extra: dict[str, int] | None) -> int:
        func = e.func
        if is_request_read(e) and not (e.func.kind == "attr" and self._outbound(e.func.args[0])):
            return FULL
        if saved := self.saved_read_level(e):
            return saved  # `open(path).read()` of a path an upload was saved to
        name = self.callee(e)
        last = name.rsplit(".", 1)[-1] or (func.text if func.kind == "attr" else "")
        if name in self.flow.kind.sanitizers or last in self.flow.kind.sanitizers:
            return 0  # `shlex.quote(x)`, and methods too: `query.urlencode()`
        args = e.arguments
        if name in _REGEX_SUBS:
            return self._regex_sub_level(e, extra)
        if name in _TRANSFORMERS:
            return or_levels(self.level(a, extra) for a in args)
        if func.kind == "attr":
            recv = self.level(func.args[0], extra)
            if recv:
                if func.text in _NON_VALUE_METHODS:
                    return 0
                if func.text in _JOIN_METHODS:
                    return recv | or_levels(self.level(a, extra) for a in args)
                return recv
            if func.text == "format" and func.args[0].kind == "str":
                return self._format_level(func.args[0].text, e, extra)
            if func.text == "format_map" and func.args[0].kind == "str":
                lv = or_levels(self.level(a, extra) for a in args)
                return self._piece(func.args[0].text.split("{", 1)[0], lv)
            if func.text == "replace" and len(e.positional) > 1:
                return self.level(e.positional[1], extra) & ~HEAD  # TEMPLATE.replace("{x}", value)
            if func.text in _JOIN_METHODS:
                return or_levels(self.level(a, extra) for a in args)
        form = form_class(self.index, self.mod, func)
        if form is not None:  # a WTForms form: its fields hold what the request (or the caller) gives it
            if form:
                return FULL
            formdata = e.kwarg("formdata")
            given = (*e.positional[:1], *(() if formdata is None else (formdata,)))
            return or_levels(self.level(a, extra) for a in given)
        if self.depth >= MAX_DEPTH or not self.passes_input(e, extra, request=False):
            return 0
        target = self.project(e)
        if target is None or SANITIZER_NAME.search(target[1].name):
            return 0
        if target[1].name == "__init__":
            return 0  # a project object, not a string; what its constructor stores is in `instances`
        seeds = self._bind(target[1], e, extra)
        if not seeds:
            return 0
        return self.flow.analyze(target[0], target[1], seeds, self.depth + 1).returns

    def _regex_sub_level(self, e: Expr, extra: dict[str, int] | None) -> int:
        """`re.sub(pattern, repl, text)` keeps what it does not match: the text stays input (stripping
        `https?://` or `www.` leaves the rest), unless the pattern is an allow-list class (`[^a-z0-9.-]`
        replaced: every other character is gone) or cannot be read (a constant may be one)."""
        pattern, repl, text = e.arg(0, "pattern"), e.arg(1, "repl"), e.arg(2, "string")
        replaced = self.level(repl, extra) & ~HEAD if repl is not None else 0
        lv = self.level(text, extra) if text is not None else 0
        if not lv:
            return replaced
        if pattern is None or pattern.kind != "str" or _ALLOWLIST_CLASS.match(pattern.text):
            return replaced
        return lv | replaced

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
        func = call.func
        if func.kind == "attr" and func.args[0].kind == "name":
            owner = func.args[0].text
            if owner == "self":  # `self.helper()` sees what this method stored on the instance
                seeds.update((k, v) for k, v in self.env.items() if v and k.startswith("self."))
            elif owner in self.instances:  # `report.render()` on an object built from client input
                seeds.update((f"self.{attr}", v) for attr, v in self.instances[owner].items())
        return seeds

    def is_path(self, e: Expr) -> bool:
        """True for a `pathlib` path: `Path(...)`, `base / name`, or a local holding one."""
        if e.kind == "name":
            return e.text in self.pathlike
        if e.kind == "call":
            return self.callee(e) in PATH_CTORS
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
        for cls_symbol in self.index.class_chain(symbol):
            assert cls_symbol.cls is not None
            for stmt in cls_symbol.cls.body:
                if stmt.kind == "annassign" and stmt.exprs and any(
                        t.kind == "name" and t.text == attr for t in stmt.targets):
                    if stmt.value is not None and stmt.value.kind == "call" and any(
                            stmt.value.kwarg(k) is not None for k in ("pattern", "regex")):
                        return True
                    return is_scalar(self.index, cls_symbol.module, stmt.exprs[0])
        return False


    def untraced(self, e: Expr) -> bool:
        """True when a sink's argument is not client input as far as apilint can tell, yet holds
        something it cannot see into: a parameter of a function no route calls, an object's
        attribute, a call's result (a file's contents, a cache entry). Pattern matchers report
        such calls to the most dangerous sinks; literals, constants, checked or sanitized
        values, numbers and parameters a route fills with clean values are not untraced."""
        return not self.level(e) and self._opaque(e, 0)

    def _opaque(self, e: Expr, depth: int) -> bool:
        if depth > 8:
            return True
        k = e.kind
        if k in ("str", "num", "const", "lambda", "compare"):
            return False
        if k in ("fstr", "binop", "list", "tuple", "set", "boolop", "dict", "ifexp", "unary"):
            parts = e.args[1:] if k == "ifexp" else e.args
            return any(self._opaque(a, depth + 1) for a in parts if a.kind != "starstar")
        if k in ("await", "starred", "subscript") and e.args:
            return self._opaque(e.args[0], depth + 1)
        if k == "name":
            if e.text in self.cleared or (e.text in self.defs and self.defs[e.text].kind == "name"
                                          and self.defs[e.text].text == e.text):
                return False
            if e.text in self.defs:
                return self._opaque(self.defs[e.text], depth + 1)
            param = self.func.param(e.text)
            if param is not None:
                return self.opaque_params and e.text not in ("self", "cls") and not (
                    param.annotation is not None and is_scalar(self.index, self.mod, param.annotation))
            return self.index.const_str(self.mod, e) is None and self.index.const_value(self.mod, e) is None
        if k == "attr":
            if e.dotted is not None and e.dotted in self.cleared:
                return False
            return self.index.const_str(self.mod, e) is None
        if k == "call":
            name = self.callee(e)
            last = name.rsplit(".", 1)[-1] or (e.func.text if e.func.kind == "attr" else "")
            if name in self.flow.kind.sanitizers or last in self.flow.kind.sanitizers or last in _CLEAN_CALLS:
                return False
            if e.func.kind == "attr" and last in ("format", "join", "strip", "lower", "upper", "replace"):
                return any(self._opaque(a, depth + 1) for a in (e.func.args[0], *e.positional))
            return True
        return k != "comp"
