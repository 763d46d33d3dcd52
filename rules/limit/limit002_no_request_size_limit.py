"""LIMIT002: request bodies and uploads read with no size limit."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import Location, Route
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.limit._helpers import mentions, size_value
from apilint.summary import Expr, FunctionDef, walk_stmts

_HUGE = 100 * 1024 * 1024
_DJANGO_SIZES = ("DATA_UPLOAD_MAX_MEMORY_SIZE", "FILE_UPLOAD_MAX_MEMORY_SIZE")
_FLASK_BODY_READS = ("files", "get_data", "stream")
_SIZE_WORDS = ("size", "max", "limit", "content-length", "content_length", "len")


def _upload_params(func: FunctionDef) -> set[str]:
    return {p.name for p in func.params
            if p.annotation is not None and any(e.text == "UploadFile" for e in p.annotation.walk())}


def _whole_reads(func: FunctionDef, uploads: set[str]) -> Iterator[int]:
    """Lines that read a whole upload (`await file.read()`) when nothing in the body checks a size."""
    names = set(uploads)
    reads: list[int] = []
    for stmt in walk_stmts(func.body):
        if stmt.kind == "for" and stmt.value is not None and set(stmt.value.names()) & names:
            names |= {t.text for t in stmt.targets if t.kind == "name"}
        if stmt.kind in ("if", "while", "assert") and stmt.value is not None and mentions(stmt.value, _SIZE_WORDS):
            return
        for expr in stmt.own_exprs():
            for call in expr.calls():
                func_expr = call.func
                if func_expr.kind != "attr" or func_expr.text != "read" or call.positional or call.keywords:
                    continue
                owner: Expr = func_expr.args[0]
                if owner.kind == "attr" and owner.text == "file":
                    owner = owner.args[0]
                if owner.kind == "name" and owner.text in names and stmt.line not in reads:
                    reads.append(stmt.line)
    yield from reads


def _reads_body(func: FunctionDef) -> bool:
    """A Flask handler that reads uploaded files or the raw body."""
    for stmt in walk_stmts(func.body):
        for expr in stmt.own_exprs():
            for sub in expr.walk():
                if sub.kind == "attr" and sub.text in _FLASK_BODY_READS and (sub.args[0].dotted or "") == "request":
                    return True
    return False


class NoRequestSizeLimit(Rule):
    """
    ## What it finds
    - A Flask application that accepts uploads or raw bodies (`request.files`,
      `request.get_data()`, `request.stream`) with no `MAX_CONTENT_LENGTH` configured; one
      finding at the `Flask(...)` call.
    - Django settings that lift the upload limits: `DATA_UPLOAD_MAX_MEMORY_SIZE = None`, or
      `DATA_UPLOAD_MAX_MEMORY_SIZE` / `FILE_UPLOAD_MAX_MEMORY_SIZE` above 100 MB; at the setting.
      A large but finite limit is medium confidence (it may be sized for real uploads), and
      low when it is only the default of an environment variable the operator sets.
    - FastAPI/Starlette handlers that read a whole `UploadFile` into memory
      (`await file.read()`) when nothing in the handler checks its size; at the read.

    ## Why it matters
    One large request fills the server's memory or disk and takes the service down for
    everyone (CWE-770 Allocation of Resources Without Limits or Throttling, CWE-400
    Uncontrolled Resource Consumption, OWASP API4:2023 Unrestricted Resource Consumption).

    ## Options
    None.

    ## Known limitations
    Limits set by the web server or proxy (`client_max_body_size`) are invisible. Flask
    configuration loaded from files or the environment at run time is not read, so Flask
    findings are medium confidence. Any condition mentioning a size, `len` or a limit counts as
    a size check for an upload handler.

    ## References
    - https://cwe.mitre.org/data/definitions/770.html
    - https://flask.palletsprojects.com/en/stable/config/#MAX_CONTENT_LENGTH
    - https://docs.djangoproject.com/en/stable/ref/settings/#data-upload-max-memory-size
    """

    code = "LIMIT002"
    name = "no-request-size-limit"
    summary = "Request bodies or uploads are accepted with no size limit"
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "django", "drf"})
    cwe = (770, 400)
    owasp = ("API4:2023",)

    bad = Example("""
        from fastapi import Depends, FastAPI, UploadFile
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
        app = FastAPI()


        @app.post("/avatar")
        async def upload_avatar(file: UploadFile, token: str = Depends(oauth2_scheme)) -> dict[str, int]:
            data = await file.read()  # expect: LIMIT002
            return {"bytes": len(data)}
    """)

    good = Example("""
        from fastapi import Depends, FastAPI, HTTPException, UploadFile
        from fastapi.security import OAuth2PasswordBearer

        MAX_AVATAR_BYTES = 2 * 1024 * 1024
        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
        app = FastAPI()


        @app.post("/avatar")
        async def upload_avatar(file: UploadFile, token: str = Depends(oauth2_scheme)) -> dict[str, int]:
            if file.size is None or file.size > MAX_AVATAR_BYTES:
                raise HTTPException(status_code=413, detail="File too large")
            data = await file.read()
            return {"bytes": len(data)}
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Flask apps, Django settings, then upload handlers."""
        yield from self._flask(ctx)
        for fact in ctx.facts.settings:
            if fact.name not in _DJANGO_SIZES:
                continue
            size = size_value(fact.value)
            unbounded = fact.value.strip() == "None" and fact.name.startswith("DATA")
            if unbounded or (size is not None and size > _HUGE):
                confidence = None if unbounded else Confidence.LOW if fact.from_env_default else Confidence.MEDIUM
                yield self.finding(fact.location, f"{fact.name} = {fact.value} lets one request fill the server's "
                                   "memory", "Keep the Django default (2.5 MB) or a bounded value sized for real "
                                   "uploads", confidence=confidence)
        seen: set[tuple[str, int]] = set()
        for route in ctx.routes:
            if route.framework not in ("fastapi", "starlette"):
                continue
            func, mod = ctx.handler(route), ctx.module_of(route)
            if func is None or mod is None:
                continue
            uploads = _upload_params(func)
            for line in _whole_reads(func, uploads) if uploads else ():
                if (mod.path, line) not in seen:
                    seen.add((mod.path, line))
                    yield self.finding(Location(mod.path, line), f"{route.display} reads a whole upload into "
                                       "memory without checking its size", "Reject files above a maximum "
                                       "size (`file.size`) or read them in bounded chunks", route=route)

    def _flask(self, ctx: RuleContext) -> Iterator[Finding]:
        fact = ctx.facts.setting("MAX_CONTENT_LENGTH")
        if fact is not None and fact.value.strip() != "None":
            return
        for app in ctx.facts.apps:
            if app.framework != "flask":
                continue
            readers = [r for r in ctx.routes if r.app == app.name and self._reads(ctx, r)]
            readers = [r for r in readers if r.is_unsafe] or readers  # name the POST of a GET/POST view
            if readers:
                yield self.finding(app.location, f"Flask app {app.name.rsplit('.', 1)[-1]} accepts uploads "
                                   f"({readers[0].display}) with no MAX_CONTENT_LENGTH",
                                   "Set `app.config[\"MAX_CONTENT_LENGTH\"]` to the largest body the API "
                                   "accepts", confidence=Confidence.MEDIUM, symbol=app.name)

    @staticmethod
    def _reads(ctx: RuleContext, route: Route) -> bool:
        func = ctx.handler(route)
        return func is not None and _reads_body(func)
