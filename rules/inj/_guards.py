"""Guards and sanitizers: tests and calls that prove a value clean on the path after them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from apilint.lazy_regex import lazy_compile
from apilint.rules.inj._frame_base import EXPR_KEY, FrameBase
from apilint.rules.inj._levels import fixed_origin
from apilint.rules.inj._sources import is_request_object
from apilint.summary import Expr, walk_stmts

GUARD_NAME = lazy_compile(
    r"(valid|check|ensure|verify|saniti[sz]|assert|is_safe|is_allowed|allowed|safe_|inside|within|subpath)",
    re.IGNORECASE)
EXIT_CALLS = lazy_compile(r"(^|\.)(abort|exit|raise_\w+|fail|_?reject\w*|forbidden|bad_request)$")
_REGEX_CALLS = frozenset({"re.match", "re.fullmatch", "re.search", "regex.match", "regex.fullmatch"})
_PREDICATES = frozenset({"isdigit", "isalnum", "isalpha", "isnumeric", "isdecimal", "isidentifier"})
_CONTAINMENT = frozenset({"startswith", "is_relative_to", "commonpath", "commonprefix", "relative_to"})
_HOST_ATTRS = frozenset({"hostname", "netloc", "host", "origin"})
_SUBJECT_KEYWORDS = frozenset({"url", "path", "value", "target", "location", "redirect_to", "name", "filename"})
_URL_GUARD_NAME = lazy_compile(r"(safe_url|safe_redirect|allowed_host|is_safe|same_origin|same_host)", re.IGNORECASE)
_URL_PARSERS = frozenset({"urllib.parse.urlparse", "urllib.parse.urlsplit"})
_URL_CHECKS = frozenset({"url_has_allowed_host_and_scheme", "is_safe_url", "urlparse", "urlsplit"})


def _own_host(e: Expr) -> bool:
    """The request's own host: `request.get_host()`, `request.url.netloc`, `request.host`."""
    subs = list(e.walk())
    return any(s.kind == "attr" and s.text in ("get_host", "host", "netloc", "host_url", "url_root") for s in subs) \
        and any(s.kind in ("name", "attr") and is_request_object(s) for s in subs)


class Guards(FrameBase):
    """What guards in a frame prove clean."""

    def _clear(self, names: set[str]) -> None:
        """Mark checked names clean, and the locals they were derived from."""
        todo = list(names)
        done: set[str] = set()
        while todo:
            name = todo.pop()
            if name in done:
                continue
            done.add(name)
            self.cleared.add(name)
            if name.startswith(EXPR_KEY):
                self.expr_guarded = True
                self.env[name] = 0
            elif "." in name:
                self.env[name] = 0
            elif self.env.get(name):
                self.env[name] = 0
                source = self.defs.get(name)
                if source is not None and source.kind in ("call", "attr", "name", "await"):
                    todo += [n for n in source.names() if self.env.get(n)]

    def checked(self, test: Expr, outcome: bool) -> set[str]:
        """Names a test proves clean when it evaluates to `outcome`."""
        if test.kind == "unary" and test.text == "not":
            return self.checked(test.args[0], not outcome)
        if test.kind == "boolop":
            parts = [self.checked(a, outcome) for a in test.args]
            if (test.text == "and") == outcome:
                return set().union(*parts)
            return set.intersection(*parts) if parts else set()
        if test.kind == "compare":
            return self._compare_guard(test, outcome)
        if test.kind == "call" and outcome:
            if test.func.kind == "name" and test.func.text == "any":
                return self._matched(test)  # `if not any(r.link == link for r in releases): abort(404)`
            return self._call_guard(test)
        if test.kind == "name" and outcome and test.text in self.guard_vars:
            return self._call_guard(self.guard_vars[test.text])  # `ok = is_safe_url(x)`; `if ok:`
        if test.kind == "name" and outcome:
            return self._matched(self.defs.get(test.text))  # `found = next((r for r in rs if r.url == x), None)`
        if test.kind == "attr" and not outcome and self.flow.kind.url_checks and test.text in ("netloc", "scheme"):
            return self._subject(test.args[0])  # `if urlparse(url).netloc: abort(400)`: a relative URL
        return set()

    def _matched(self, value: Expr | None) -> set[str]:
        """Values a lookup by equality among the server's own records proves known, when the
        lookup found something: `next((r for r in releases if r.link == link), None)`,
        `[u for u in users if u.name == name]`, `any(r.link == link for r in releases)`.
        The records must not come from the client, and the value must be compared whole."""
        if value is None:
            return set()
        if value.kind == "await" and value.args:
            value = value.args[0]
        if value.kind == "call" and value.func.kind == "name" and value.func.text in ("next", "any") \
                and value.positional:
            value = value.positional[0]
        if value.kind != "comp" or len(value.args) < 3:
            return set()
        cleared: set[str] = set()
        for part in value.args[1:]:
            if part.kind == "compare" and part.text == "==" and len(part.args) == 2:
                left, right = part.args
                for known, asked in ((left, right), (right, left)):
                    if known.kind == "attr" and not self.level(known) and self.level(asked):
                        cleared |= self._subject(asked)
            elif self.level(part):
                return set()  # iterating over client data: the match proves nothing
        return cleared

    def _compare_guard(self, test: Expr, outcome: bool) -> set[str]:
        ops = test.text.split(",")
        if len(ops) != 1:
            return set()
        op, left, right = ops[0], test.args[0], test.args[1]
        if op in ("is", "is not") and right.kind == "const" and right.text == "None" and left.kind == "name" \
                and (op == "is not") == outcome:
            return self._matched(self.defs.get(left.text))  # `if found is None: raise`
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
                if (self.flow.kind.url_checks and _own_host(fixed) and other.kind == "attr"
                        and other.text in _HOST_ATTRS):
                    return self._subject(other)  # `urlparse(url).netloc == request.get_host()`
        return set()

    def _subject(self, e: Expr) -> set[str]:
        """The value an allow-list check is about: `x`, `x.lower()`, `body.name`, `urlparse(x).hostname`."""
        followed: set[str] = set()
        while True:
            bound = self.defs.get(e.text) if e.kind == "name" and self.flow.kind.url_checks else None
            if bound is not None and bound.kind == "call" and self.callee(bound) in _URL_PARSERS \
                    and e.text not in followed:  # `url = urlsplit(url)` names itself: follow it once
                followed.add(e.text)
                e = bound  # `parsed = urlparse(url)`; `if parsed.netloc: ...`
                continue
            if e.kind == "name":  # clean ones too: a checked value is no longer untraced (`untraced`)
                return {e.text}
            if e.kind in ("call", "subscript") and self.level(e) and not (
                    e.kind == "call" and self.callee(e) in _URL_PARSERS):
                return {EXPR_KEY + e.render(200)}  # `self.request.GET.get("next")` checked, then used again
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
        hot = self._subjects([*call.positional, *(kw.value for kw in call.keywords if kw.name in _SUBJECT_KEYWORDS)])
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
                if any(p is None or (p.kind == "str" and not fixed_origin(p.text)) for p in options):
                    return set()
            return recv
        if (kind.path_checks or kind.url_checks) and last in ("is_relative_to", "startswith"):
            return hot
        if GUARD_NAME.search(last) and self._guard_function(call):
            return hot
        return set()

    def _guard_function(self, call: Expr, raising: bool = False) -> bool:
        """A `validate_*` call clears its arguments, unless it is a project function that only
        checks something weaker (a file extension) than the value itself. Called as a statement
        (`raising`), a project function that raises is a validator."""
        target = self.project(call)
        if target is None:
            return True
        if self.flow.kind.url_checks and _URL_GUARD_NAME.search(target[1].name):
            return True  # a project `is_safe_url(target, allowed_hosts)`: its name says what it checks
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
                        if name in _REGEX_CALLS or last in _PREDICATES or last in (
                                "fullmatch", "match", "basename", "secure_filename", "UUID"):
                            return True
                        if last in _CONTAINMENT and (self.flow.kind.path_checks or self.flow.kind.url_checks):
                            return True  # a prefix check proves a path or URL contained, not a command
                        if self.flow.kind.url_checks and last in _URL_CHECKS:
                            return True
                    if self.flow.kind.url_checks and sub.kind == "attr" and sub.text in ("netloc", "hostname"):
                        return True  # a helper that looks at the URL's host
        return False

