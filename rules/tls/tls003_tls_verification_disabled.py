"""TLS003: an outbound HTTPS (or TLS) connection that does not check the server's certificate."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from apilint.fixes.outbound import verify_certificates
from apilint.model import Location, Route
from apilint.project import ProjectIndex
from apilint.rule import Applicability, Confidence, Example, Finding, FixAvailability, Rule, RuleContext, Severity
from apilint.rules._handler_routes import routes_by_module, routes_inputs
from apilint.rules.tls._verify import OPT_IN_NAME, OPT_IN_TEST, WORDS, Disabled, disabled_by_assign, disabled_by_call
from apilint.summary import FunctionDef, ModuleSummary, Stmt, walk_stmts


class TlsVerificationDisabled(Rule):
    """
    ## What it finds
    Outbound connections whose TLS certificate (or host name) is not verified:

    - requests, httpx, boto3 and hvac calls and clients with `verify=False`
      (`requests.get(url, verify=False)`, `httpx.AsyncClient(verify=False)`,
      `session.post(..., verify=False)`), and `session.verify = False`;
    - aiohttp `TCPConnector(ssl=False)`, `session.get(url, ssl=False)` and `verify_ssl=False`;
    - urllib3 `PoolManager(cert_reqs="CERT_NONE")`, any `cert_reqs=ssl.CERT_NONE`,
      `ctx.verify_mode = ssl.CERT_NONE`, websocket-client `sslopt={"cert_reqs": ssl.CERT_NONE}`;
    - `ssl._create_unverified_context()`, and `ssl._create_default_https_context` replaced by it;
    - keywords that mean the same in other clients: `verify_ssl=False`, `verify_certs=False`
      (Elasticsearch), `disable_ssl_certificate_validation=True` (httplib2),
      `tlsAllowInvalidCertificates=True` (PyMongo), `validate_certs=False`;
    - `os.environ["PYTHONHTTPSVERIFY"] = "0"` and `os.environ["CURL_CA_BUNDLE"] = ""`;
    - host name checks alone switched off (`check_hostname = False`, `assert_hostname=False`),
      at low confidence and medium severity: the certificate is still checked.

    The value is followed through constants, settings and environment defaults: `verify=VERIFY_SSL`
    with `VERIFY_SSL = False` is as certain as a literal; `verify=settings.VERIFY_SSL` whose
    settings-module default is `False` is medium confidence; a default of `False` that an
    environment variable or a parameter may override is low confidence; a default of `True` is
    silent. A switch-off inside a branch, variable or function named for it (`if insecure:`,
    `_insecure_transport = ...`, `verify=False if skip_verify else True`) is the configured,
    opt-in way out and is reported at low confidence; so is a context built only to read the
    server's certificate (`getpeercert()`), or a lax default the same function tightens for
    stricter modes (`verify_mode = ssl.CERT_REQUIRED` when `sslmode` is `verify-full`). Every
    module is read, whether or not it
    serves a route; test files are not analyzed by default.

    Anchor: the call or assignment.

    ## Why it matters
    A client that accepts any certificate talks to whoever answers: anyone on the network path
    (a café Wi-Fi, a compromised router, a rogue container on the same network) can pose as the
    payment provider, identity provider or internal API, read the credentials and data sent to
    it and return forged answers (CWE-295 Improper Certificate Validation, OWASP API10:2023
    Unsafe Consumption of APIs).

    ## Options
    None.

    ## Known limitations
    A verification flag computed at run time (read from a database row or a request) is not
    judged. SSL contexts built with `ssl.SSLContext(ssl.PROTOCOL_TLS)` and never given a
    verify mode are not reported. `urllib3.disable_warnings()` alone is not a finding.

    ## References
    - https://cwe.mitre.org/data/definitions/295.html
    - https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification
    - https://owasp.org/API-Security/editions/2023/en/0xaa-unsafe-consumption-of-apis/
    """

    code = "TLS003"
    name = "tls-verification-disabled"
    summary = "Outbound TLS connection does not verify the server's certificate"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (295,)
    owasp = ("API10:2023", "API8:2023")

    fix_availability = FixAvailability.SOMETIMES
    fix_applicability = frozenset({Applicability.SAFE})
    fix_note = ("Drops a literal `verify=False` (`ssl=False`, `verify_ssl=False`) so the library checks the "
                "certificate again, as it does by default, and sets `session.verify = False` back to `True`. "
                "Offered for literal switches outside an opt-in path; a value read from configuration, an "
                "unverified SSL context or `cert_reqs` get no fix.")

    bad = Example("""
        import requests

        PAYMENTS_URL = "https://payments.example.com/v1/charges"


        def charge(card_token: str, amount: int) -> str:
            reply = requests.post(PAYMENTS_URL, json={"source": card_token, "amount": amount},  # expect: TLS003
                                  verify=False, timeout=10)
            return reply.json()["status"]
    """)

    good = Example("""
        import requests

        PAYMENTS_URL = "https://payments.example.com/v1/charges"


        def charge(card_token: str, amount: int) -> str:
            reply = requests.post(PAYMENTS_URL, json={"source": card_token, "amount": amount}, timeout=10)
            return reply.json()["status"]
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Read every module that mentions a verification switch."""
        routes = routes_by_module(ctx)
        for mod in ctx.index:
            if mod.words and not (mod.words & WORDS):
                continue
            here = routes.get(mod.path, {})
            yield from ctx.per_module(self.code, mod, routes_inputs(here), partial(self._module, ctx.index, mod, here))

    def _module(self, index: ProjectIndex, mod: ModuleSummary,
                routes: dict[tuple[str, str], Route]) -> tuple[Finding, ...]:
        return tuple(self._body(index, mod, mod.body, None, False, routes))

    def _body(self, index: ProjectIndex, mod: ModuleSummary, body: tuple[Stmt, ...], func: FunctionDef | None,
              opt_in: bool, routes: dict[tuple[str, str], Route]) -> Iterator[Finding]:
        for stmt in body:
            if stmt.func is not None:
                inner = bool(OPT_IN_NAME.search(stmt.func.name))
                yield from self._body(index, mod, stmt.func.body, stmt.func, inner, routes)
                continue
            if stmt.cls is not None:
                yield from self._body(index, mod, stmt.cls.body, None, opt_in, routes)
                continue
            yield from self._statement(index, mod, stmt, func, opt_in, routes)
            branch = opt_in or (stmt.kind in ("if", "while") and stmt.value is not None
                                and any(OPT_IN_TEST.search(n) for n in _words(stmt)))
            yield from self._body(index, mod, stmt.body, func, branch, routes)
            yield from self._body(index, mod, stmt.orelse, func, branch, routes)
            yield from self._body(index, mod, stmt.handlers, func, opt_in, routes)
            yield from self._body(index, mod, stmt.finalbody, func, opt_in, routes)

    def _statement(self, index: ProjectIndex, mod: ModuleSummary, stmt: Stmt, func: FunctionDef | None,
                   opt_in: bool, routes: dict[tuple[str, str], Route]) -> Iterator[Finding]:
        found: list[Disabled] = []
        fixed_by = None  # the call whose literal `verify=False` (or `ssl=False`) the fix drops
        for expr in stmt.own_exprs():
            for call in expr.calls():
                found += disabled_by_call(index, mod, func, call)
                if found and fixed_by is None:
                    fixed_by = verify_certificates(mod.path, stmt, call)
        assigned = disabled_by_assign(index, mod, func, stmt)
        if assigned is not None:
            found.append(assigned)
            fixed_by = fixed_by or verify_certificates(mod.path, stmt)
        if not found:
            return
        named = stmt.kind == "assign" and any(t.kind in ("name", "attr") and OPT_IN_NAME.search(t.text)
                                              for t in stmt.targets)
        if any(not d.hostname_only for d in found):
            found = [d for d in found if not d.hostname_only]
        elif _full_switch_nearby(index, mod, func, stmt):
            return  # `check_hostname = False` next to `verify_mode = CERT_NONE`: one finding, there
        disabled = found[0]
        route = routes.get((mod.path, func.qualname)) if func is not None else None
        confidence = disabled.flag.confidence
        note = f" ({disabled.flag.source} is {disabled.flag.value})" if disabled.flag.source else ""
        if opt_in or named or disabled.opt_in_value:
            confidence, note = Confidence.LOW, note + " on the path a configuration option opts into"
        elif func is not None and _inspects_or_restores(index, mod, func):
            confidence, note = Confidence.LOW, note + " (the function reads the peer certificate or turns checks " \
                                                      "back on for some modes)"
        where = route.display if route is not None else (f"{func.qualname}()" if func is not None else mod.module)
        if disabled.hostname_only:
            message = (f"{where}: {disabled.what}{note}: the certificate is checked but not the host name it "
                       "was issued for, so any valid certificate passes for this server")
            yield self.finding(Location(mod.path, stmt.line), message, _FIX_HOSTNAME, confidence=Confidence.LOW,
                               severity=Severity.MEDIUM, route=route, symbol=_symbol(mod, func, disabled))
            return
        message = (f"{where}: {disabled.what}{note}: the server's certificate is not checked, so anyone on the "
                   "network path can pose as the server, read what is sent and forge the replies")
        yield self.finding(Location(mod.path, stmt.line), message, _FIX, confidence=confidence, route=route,
                           symbol=_symbol(mod, func, disabled),
                           fix_plan=None if opt_in or named or disabled.opt_in_value else fixed_by)


_FIX = ("Leave verification on (it is the default); to trust a private CA pass its bundle instead "
        "(`verify=\"/etc/ssl/private-ca.pem\"`, `ssl.create_default_context(cafile=...)`)")
_FIX_HOSTNAME = "Keep `check_hostname` on and connect by the name the certificate was issued for"


def _symbol(mod: ModuleSummary, func: FunctionDef | None, disabled: Disabled) -> str:
    return f"{mod.module}.{func.qualname}:{disabled.what}" if func is not None else f"{mod.module}:{disabled.what}"


def _words(stmt: Stmt) -> list[str]:
    assert stmt.value is not None
    return [e.text for e in stmt.value.walk() if e.kind in ("name", "attr", "str")]


def _inspects_or_restores(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef) -> bool:
    """A context built to read the server's certificate (`getpeercert`), or a lax default that later
    statements tighten for stricter modes (`verify_mode = ssl.CERT_REQUIRED` under `if mode == "verify-full"`)."""
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            if any(c.func.kind == "attr" and c.func.text == "getpeercert" for c in expr.calls()):
                return True
        if stmt.kind == "assign" and stmt.value is not None and \
                any(t.kind == "attr" and t.text in ("verify_mode", "check_hostname") for t in stmt.targets):
            if stmt.value.is_true or (stmt.value.dotted or "").endswith(("CERT_REQUIRED", "CERT_OPTIONAL")):
                return True
    return False


def _full_switch_nearby(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef | None, stmt: Stmt) -> bool:
    """True when the same scope also switches verification off entirely (reported there)."""
    scope = func.body if func is not None else mod.body
    for other in walk_stmts(scope):
        if other is stmt:
            continue
        assigned = disabled_by_assign(index, mod, func, other)
        if assigned is not None and not assigned.hostname_only:
            return True
    return False


__all__ = ["TlsVerificationDisabled"]
