"""TLS001: a session or auth cookie set without `secure` or `httponly`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial

from apilint.fixes import plan
from apilint.lazy_regex import lazy_compile
from apilint.model import FixPlan, Location, Route
from apilint.project import ProjectIndex
from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules._handler_routes import routes_by_module, routes_inputs
from apilint.rules.tls._helpers import sensitive_name, sensitive_value
from apilint.summary import Expr, FunctionDef, ModuleSummary, Stmt, walk_stmts

_RESPONSE_NAME = lazy_compile(r"resp|^res$|^r$|^rv$", re.IGNORECASE)
_RESPONSE_MAKERS = ("make_response", "redirect", "jsonify", "render", "HttpResponseRedirect")


class InsecureCookie(Rule):
    """
    ## What it finds
    `response.set_cookie(...)` calls (Flask/Werkzeug, Starlette/FastAPI and Django responses,
    and Django's `set_signed_cookie`)
    that set a session or credential cookie without `secure=True` or without `httponly=True`.
    Every one of these frameworks defaults both flags to off. A cookie counts as a credential
    when its name looks like a session id, token, JWT or auth cookie (`session_id`,
    `access_token`, `auth`, `remember_token`), or else when its value is computed from something
    named like one (`access_token`, `jwt.encode(...)`, `create_access_token(...)`). CSRF cookies,
    which scripts must read, and other cookies (theme, language) are not reported. Flags passed as expressions
    (`secure=settings.SESSION_COOKIE_SECURE`) count as set; calls with `**kwargs` and cookie
    deletions (empty value) and yes/no markers (`set_cookie("is_token_expired", "true")`) are
    skipped. The receiver must be a response object: a name such as
    `response`/`resp`, a `Response` parameter, or a local made by a response constructor.

    Confidence is high when the cookie's name says it holds a credential, medium when only its
    value does. `samesite` is not judged.

    ## Why it matters
    Without `Secure` the browser also sends the cookie over plain HTTP, where anyone on the
    network path reads it and takes over the session (CWE-614 Sensitive Cookie in HTTPS Session
    Without 'Secure' Attribute). Without `HttpOnly` any injected script reads it
    (CWE-1004 Sensitive Cookie Without 'HttpOnly' Flag). Both are OWASP API8:2023 Security
    Misconfiguration.

    ## Options
    None.

    ## Known limitations
    Cookies set through a project helper that wraps `set_cookie` are judged at the wrapper,
    by its own arguments; `Set-Cookie` headers written by hand are not read.

    ## References
    - https://cwe.mitre.org/data/definitions/614.html
    - https://cwe.mitre.org/data/definitions/1004.html
    - https://owasp.org/www-community/controls/SecureCookieAttribute
    """

    code = "TLS001"
    name = "insecure-cookie"
    summary = "Session or auth cookie set without the secure or httponly flag"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf", "ninja"})
    cwe = (614, 1004)
    owasp = ("API8:2023",)
    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = frozenset({Applicability.SAFE})
    fix_note = ("Passes the missing `secure=True` and `httponly=True` (replacing `False`), and "
                "`samesite=\"lax\"` when the call sets no SameSite policy. Offered when the response "
                "is named plainly (`response.set_cookie(...)`, not `make_response(...).set_cookie(...)`).")

    bad = Example("""
        from fastapi import FastAPI, Response

        app = FastAPI()


        @app.post("/session/refresh")
        def refresh(response: Response) -> dict[str, str]:
            token = "signed-session-token"
            response.set_cookie(key="access_token", value=token)  # expect: TLS001
            return {"status": "ok"}
    """)

    good = Example("""
        from fastapi import FastAPI, Response

        app = FastAPI()


        @app.post("/session/refresh")
        def refresh(response: Response) -> dict[str, str]:
            token = "signed-session-token"
            response.set_cookie(key="access_token", value=token, secure=True, httponly=True, samesite="lax")
            response.set_cookie(key="theme", value="dark")
            return {"status": "ok"}
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Read each function of the modules that call `set_cookie`."""
        routes = routes_by_module(ctx)
        for mod in ctx.index:
            if mod.words and not (mod.mentions("set_cookie") or mod.mentions("set_signed_cookie")):
                continue
            here = routes.get(mod.path, {})
            yield from ctx.per_module(self.code, mod, routes_inputs(here), partial(self._module, ctx.index, mod, here))

    def _module(self, index: ProjectIndex, mod: ModuleSummary,
                routes: dict[tuple[str, str], Route]) -> tuple[Finding, ...]:
        return tuple(finding for func in mod.functions()
                     for finding in self._function(index, mod, func, routes.get((mod.path, func.qualname))))

    def _function(self, index: ProjectIndex, mod: ModuleSummary, func: FunctionDef,
                  route: Route | None) -> Iterator[Finding]:
        local: dict[str, Expr] = {}
        for stmt in walk_stmts(func.body):
            if stmt.kind == "assign" and stmt.value is not None:
                for target in stmt.targets:
                    if target.kind == "name":
                        local[target.text] = stmt.value
            for expr in stmt.own_exprs():
                for call in expr.calls():
                    if call.func.kind != "attr" or call.func.text not in ("set_cookie", "set_signed_cookie"):
                        continue
                    if not _is_response(call.func.args[0], func, local):
                        continue
                    judged = _judge(index, mod, call)
                    if judged is None:
                        continue
                    cookie, missing, confidence = judged
                    where = route.display if route is not None else f"function {func.qualname}"
                    flags = " and ".join(f"`{m}`" for m in missing)
                    yield self.finding(
                        Location(mod.path, stmt.line),
                        f"{where} sets the credential cookie {cookie} without {flags}: "
                        + ("it is also sent over plain HTTP" if "secure" in missing else "scripts can read it"),
                        f"Pass {', '.join(f'{m}=True' for m in missing)} (and samesite=\"lax\") to set_cookie",
                        confidence=confidence, route=route, symbol=f"{mod.module}.{func.qualname}",
                        fix_plan=_fix(mod, stmt, call, missing))


def _fix(mod: ModuleSummary, stmt: Stmt, call: Expr, missing: list[str]) -> FixPlan | None:
    """Set the missing flags (and a SameSite policy when there is none) on the call itself."""
    where = plan.locate_call(stmt, call)
    if where is None:
        return None
    flags = [f"{flag}=True" for flag in missing]
    if call.arg(8, "samesite") is None:
        flags.append('samesite="lax"')
    title = f"Pass {', '.join(flags[:-1])} and {flags[-1]}" if len(flags) > 1 else f"Pass {flags[0]}"
    return plan.call_arguments(title + " to set_cookie", plan.SAFE, mod.path, stmt.line, where[0], ordinal=where[1],
                               set=flags, positional=["6:secure", "7:httponly", "8:samesite"])


def _is_response(receiver: Expr, func: FunctionDef, local: dict[str, Expr]) -> bool:
    """True when the object `set_cookie` is called on is clearly an HTTP response."""
    if receiver.kind == "call":
        short = (receiver.func.dotted or "").rsplit(".", 1)[-1]
        return short.endswith("Response") or short in _RESPONSE_MAKERS
    if receiver.kind != "name" or receiver.text in ("self", "cls"):
        return False
    value = local.get(receiver.text)
    if value is not None and value.kind == "await" and value.args:
        value = value.args[0]
    if value is not None and value.kind == "call" and _is_response(value, func, {}):
        return True
    param = func.param(receiver.text)
    if param is not None and param.annotation is not None:
        return (param.annotation.dotted or "").rsplit(".", 1)[-1].endswith("Response")
    return bool(_RESPONSE_NAME.search(receiver.text))


_FLAG_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0"})


def _judge(index: ProjectIndex, mod: ModuleSummary,
           call: Expr) -> tuple[str, list[str], Confidence] | None:
    """(cookie as shown, missing flags, confidence) for a credential cookie set insecurely."""
    if any(kw.name is None for kw in call.keywords) or any(a.kind == "starred" for a in call.positional):
        return None
    name, value = call.arg(0, "key"), call.arg(1, "value")
    if name is None or value is None or (value.kind == "str" and not value.text):
        return None
    if value.kind in ("str", "const") and value.text.lower() in _FLAG_VALUES:
        return None  # a yes/no marker (`set_cookie("is_access_token_expired", "true")`), never a credential
    max_age = call.kwarg("max_age") if call.func.text == "set_signed_cookie" else call.arg(2, "max_age")
    if max_age is not None and max_age.kind == "num" and max_age.text == "0":
        return None
    literal = index.const_str(mod, name)
    if literal is not None and sensitive_name(literal):
        cookie, confidence = f'"{literal}"', Confidence.HIGH
    elif literal is None and name.kind == "attr" and "cookie" in name.text.lower() and sensitive_name(name.text):
        cookie, confidence = name.render(40), Confidence.HIGH
    elif sensitive_value(value):
        shown = f'"{literal}"' if literal is not None else name.render(40)
        cookie, confidence = f"{shown} (value {value.render(30)})", Confidence.MEDIUM
    else:
        return None
    missing = []
    signed = call.func.text == "set_signed_cookie"  # (key, value, salt, **kwargs): flags only by keyword
    for flag, index_ in (("secure", 6), ("httponly", 7)):
        given = call.kwarg(flag) if signed else call.arg(index_, flag)
        if given is None or (given.kind == "const" and given.text in ("False", "None")):
            missing.append(flag)
    return (cookie, missing, confidence) if missing else None


__all__ = ["InsecureCookie"]
