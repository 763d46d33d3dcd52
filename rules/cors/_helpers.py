"""CORS policies that let any origin in: from adapter facts and from handlers that set the header.

Both CORS rules read `cors_issues`: CORS002 reports the issues that allow credentials, CORS001
the others, so one permissive policy is one finding.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from apilint.lazy_regex import lazy_compile
from apilint.model import Confidence, CorsPolicy, Location, ProjectFacts, SettingFact
from apilint.project import ProjectIndex
from apilint.summary import Expr, FunctionDef, Stmt, walk_stmts

_PROBES = ("https://evil-attacker.example", "http://attacker.test")
_ACAO = "access-control-allow-origin"
_ACAC = "access-control-allow-credentials"
_NULL_WHO = "Any website (from a sandboxed iframe or a `data:` page, whose Origin is `null`)"
_ALL_ORIGINS_SETTINGS = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")


@dataclass(frozen=True, slots=True)
class CorsIssue:
    """One policy or handler that lets every origin read responses."""

    location: Location
    what: str
    """Describes the permissive part, e.g. `CORSMiddleware allow_origins=['*']`."""
    credentials: bool
    confidence: Confidence = Confidence.HIGH
    who: str = "Any website"
    """Who may read the responses: any website, or one an attacker registers to match a loose regex."""


def matches_any_origin(pattern: str) -> bool:
    """True when an origin pattern (`*` or a regex) accepts arbitrary attacker origins."""
    if pattern.strip() == "*":
        return True
    if not any(ch in pattern for ch in ".*+?[]()^$|\\"):
        return False
    try:
        regex = re.compile(pattern)
    except re.error:
        return False
    return all(regex.fullmatch(probe) or regex.match(probe) for probe in _PROBES)


_DOMAIN = lazy_compile(r"[A-Za-z0-9-]+(?:\\?\.[A-Za-z0-9-]+)+")


def attacker_origin(pattern: str, full: bool) -> str | None:
    """An origin an attacker can register that an origin regex written for the app's own domains
    also accepts: a look-alike that only ends with the domain (`.*example.com` accepts
    `https://evilexample.com`), a dot left unescaped (`api.example.com` accepts `apixexample.com`),
    or, with `re.match` semantics (flask-cors, django-cors-headers), a missing `$`
    (`https://example.com.attacker.test`). `full`: the library uses `re.fullmatch` (Starlette)."""
    try:
        regex = re.compile(pattern)
    except re.error:
        return None
    accepts = regex.fullmatch if full else regex.match
    for literal in _DOMAIN.findall(pattern):
        domain = literal.replace("\\", "")
        if not any(accepts(f"{scheme}://{host}") for scheme in ("https", "http") for host in (domain, f"www.{domain}")):
            continue  # not a domain the pattern is written for
        probes = [f"https://evil{domain}", f"https://{domain}.attacker.test", f"https://www.{domain}.attacker.test"]
        labels = domain.split(".")
        if len(labels) > 2:
            probes.append("https://" + labels[0] + "x" + ".".join(labels[1:]))
        for probe in probes:
            if accepts(probe):
                return probe
    return None


def _policy_issue(policy: CorsPolicy) -> CorsIssue | None:
    label = {"starlette": "CORSMiddleware", "flask-cors": "flask-cors",
             "django-cors-headers": "django-cors-headers"}.get(policy.source, policy.source)
    if policy.reflects_origin:
        what = f"{label} reflects the request's Origin"
    elif policy.resolved and any(o.strip() == "*" for o in policy.origins):
        what = f"{label} allows every origin (`*`)"
    elif policy.origin_regex is not None and matches_any_origin(policy.origin_regex):
        what = f"{label} origin regex {policy.origin_regex!r} matches every origin"
    elif policy.resolved and any(matches_any_origin(o) for o in policy.origins if o.strip() != "*"):
        what = f"{label} origin pattern matches every origin"
    elif policy.resolved and any(o.strip().lower() == "null" for o in policy.origins):
        return CorsIssue(policy.location, f"{label} allows the `null` origin", policy.allow_credentials is True,
                         who=_NULL_WHO)
    elif policy.allow_credentials is True and policy.origin_regex is not None and \
            (probe := attacker_origin(policy.origin_regex, policy.source == "starlette")) is not None:
        # a look-alike origin matters when the browser sends the user's cookies with it
        what = f"{label} origin regex {policy.origin_regex!r} also accepts an attacker's origin such as `{probe}`"
        return CorsIssue(policy.location, what, True, who="A website an attacker registers")
    else:
        return None
    return CorsIssue(policy.location, what, policy.allow_credentials is True)


def _true(fact: SettingFact | None) -> bool:
    return fact is not None and fact.value.strip() in ("True", "true", "1")


def _setting_issues(facts: ProjectFacts, covered: set[tuple[str, int]]) -> Iterator[CorsIssue]:
    """django-cors-headers settings, when the adapter did not already make a policy of them."""
    credentials = any(_true(f) for f in facts.settings if f.name == "CORS_ALLOW_CREDENTIALS")
    for fact in facts.settings:
        if fact.name in _ALL_ORIGINS_SETTINGS and _true(fact):
            if (fact.location.file, fact.location.line) in covered:
                continue
            confidence = Confidence.LOW if fact.from_env_default else Confidence.HIGH
            yield CorsIssue(fact.location, f"{fact.name} = True", credentials, confidence)


_ISSUES: weakref.WeakKeyDictionary[ProjectIndex, list[CorsIssue]] = weakref.WeakKeyDictionary()


def cors_issues(facts: ProjectFacts, index: ProjectIndex) -> list[CorsIssue]:
    """Every permissive CORS policy or handler in the project, one per location (computed once)."""
    cached = _ISSUES.get(index)
    if cached is None:
        cached = _ISSUES[index] = _find_issues(facts, index)
    return cached


def _find_issues(facts: ProjectFacts, index: ProjectIndex) -> list[CorsIssue]:
    found: dict[tuple[str, int], CorsIssue] = {}
    for policy in facts.cors:
        issue = _policy_issue(policy)
        if issue is not None:
            found.setdefault((issue.location.file, issue.location.line), issue)
    for issue in _setting_issues(facts, set(found)):
        found.setdefault((issue.location.file, issue.location.line), issue)
    for mod in index:
        if mod.words and not mod.mentions(_ACAO):
            continue  # cannot set the header: skip the walk
        for func in mod.functions():
            for issue in _manual_issues(mod.path, func):
                found.setdefault((issue.location.file, issue.location.line), issue)
    return [found[key] for key in sorted(found)]


# --- handlers and middleware that set the header themselves ---------------------------------

def _is_origin_read(expr: Expr) -> bool:
    """`request.headers.get("Origin")`, `request.headers["origin"]`, `request.META["HTTP_ORIGIN"]`."""
    for sub in expr.walk():
        key: Expr | None = None
        owner: Expr | None = None
        if sub.kind == "call" and sub.func.kind == "attr" and sub.func.text == "get" and sub.positional:
            key, owner = sub.positional[0], sub.func.args[0]
        elif sub.kind == "subscript" and len(sub.args) == 2:
            key, owner = sub.args[1], sub.args[0]
        if key is None or owner is None or key.kind != "str":
            continue
        if key.text.lower() in ("origin", "http_origin") and owner.kind in ("attr", "name"):
            return True
    return False


def _header_sets(stmt: Stmt) -> Iterator[tuple[str, Expr]]:
    """(header name lowered, value) for every header this statement sets."""
    if stmt.kind == "assign" and stmt.value is not None:
        for target in stmt.targets:
            if target.kind == "subscript" and len(target.args) == 2 and target.args[1].kind == "str":
                yield target.args[1].text.lower(), stmt.value
    for expr in stmt.own_exprs():
        for sub in expr.walk():
            if sub.kind == "dict":
                for key, value in zip(sub.args[::2], sub.args[1::2], strict=False):
                    if key.kind == "str":
                        yield key.text.lower(), value
            elif (sub.kind == "call" and sub.func.kind == "attr" and sub.func.text in ("set", "add", "setdefault")
                  and len(sub.positional) >= 2 and sub.positional[0].kind == "str"):
                yield sub.positional[0].text.lower(), sub.positional[1]


def _checks_origin(test: Expr, names: set[str]) -> bool:
    """A condition that compares the origin against something (an allow-list, a regex, a helper)."""
    for sub in test.walk():
        if sub.kind == "compare" and any(op.strip() in ("in", "not in", "==", "!=") for op in sub.text.split(",")):
            operands = list(sub.args)
            if any(set(o.names()) & names or _is_origin_read(o) for o in operands) and not all(
                    o.kind == "const" or (o.kind == "str" and not o.text) for o in operands
                    if not (set(o.names()) & names)):
                return True
        if sub.kind == "call" and (sub.func.dotted or "") not in ("bool", "len", "str"):
            if any(set(a.names()) & names or _is_origin_read(a) for a in sub.positional):
                return True
    return False


def _manual_issues(path: str, func: FunctionDef) -> Iterator[CorsIssue]:
    origin_vars: set[str] = set()
    sets: list[tuple[Stmt, Expr]] = []
    credentials = False
    tests: list[Expr] = []
    for stmt in walk_stmts(func.body):
        if stmt.kind in ("if", "while") and stmt.value is not None:
            tests.append(stmt.value)
        if stmt.kind in ("assign", "annassign") and stmt.value is not None and (
                _is_origin_read(stmt.value) or set(stmt.value.names()) & origin_vars):
            origin_vars |= {t.text for t in stmt.targets if t.kind == "name"}
        for header, value in _header_sets(stmt):
            if header == _ACAO:
                sets.append((stmt, value))
            elif header == _ACAC and (value.is_true or (value.kind == "str" and value.text.lower() == "true")):
                credentials = True
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if sub.kind == "ifexp":
                    tests.append(sub.args[0])
    if not sets:
        return
    guarded = any(_checks_origin(test, origin_vars) for test in tests)
    for stmt, value in sets:
        if _is_origin_read(value) or set(value.names()) & origin_vars:
            if guarded:
                continue
            yield CorsIssue(Location(path, stmt.line), "the Access-Control-Allow-Origin header echoes the request's "
                            "Origin", credentials)
        elif value.kind == "str" and value.text.strip().lower() == "null":
            level = Confidence.HIGH if credentials or _every_response(func) else Confidence.LOW
            yield CorsIssue(Location(path, stmt.line), "the Access-Control-Allow-Origin header is `null`",
                            credentials, level, who=_NULL_WHO)
        elif value.kind == "str" and value.text.strip() == "*":
            # On every response (middleware) it is a policy; on one view's response (widget assets,
            # OpenID discovery and JWKS documents) it is usually a deliberate public resource.
            yield CorsIssue(Location(path, stmt.line), "the Access-Control-Allow-Origin header is `*`", False,
                            Confidence.MEDIUM if _every_response(func) else Confidence.LOW)


_MIDDLEWARE_NAME = lazy_compile(r"middleware|after_request|process_response|add_cors|cors_headers|^__call__$|"
                              r"^dispatch$", re.IGNORECASE)


def _every_response(func: FunctionDef) -> bool:
    """A middleware or response hook rather than one view."""
    if _MIDDLEWARE_NAME.search(func.name) or _MIDDLEWARE_NAME.search(func.qualname):
        return True
    return any(_MIDDLEWARE_NAME.search((d.expr.func if d.expr.kind == "call" else d.expr).render(60))
               for d in func.decorators)
