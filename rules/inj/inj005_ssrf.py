"""INJ005: request data choosing where the server sends an outbound HTTP request."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Confidence, Example, Severity
from apilint.rules.inj._flow_rule import FlowRule
from apilint.rules.inj._levels import HEAD, FlowHit, Hit, Kind
from apilint.rules.inj._taint import Frame
from apilint.summary import Expr

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_CLIENTS = ("requests", "requests.api", "httpx", "requests.Session", "requests.sessions.Session",
            "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession", "aiohttp.client.ClientSession")
# Callee -> (positional index, keyword) of the URL argument.
_SINKS: dict[str, tuple[int, str]] = {
    **{f"{client}.{verb}": (0, "url") for client in _CLIENTS for verb in _VERBS},
    **{f"{client}.request": (1, "url") for client in _CLIENTS},
    **{f"{client}.stream": (1, "url") for client in ("httpx", "httpx.Client", "httpx.AsyncClient")},
    "aiohttp.ClientSession.ws_connect": (0, "url"), "aiohttp.request": (1, "url"),
    "urllib.request.urlopen": (0, "url"), "urllib.request.urlretrieve": (0, "url"),
    "urllib3.request": (1, "url"), "urllib3.PoolManager.request": (1, "url"),
    "urllib3.PoolManager.urlopen": (1, "url"), "http.client.HTTPConnection": (0, "host"),
    "http.client.HTTPSConnection": (0, "host"), "httplib2.Http.request": (0, "uri"),
}
# libcurl takes its URL as an option: `curl.setopt(pycurl.URL, url)` (or `curl.URL`).
_CURL_SETOPT = ("pycurl.Curl.setopt", "pycurl.Curl.setopt_string")
_KIND = Kind("url", url_checks=True)
_WORDS = ("requests", "httpx", "urlopen", "urllib3", "aiohttp", "urlretrieve", "httpconnection",
          "httpsconnection", "pycurl", "httplib2")


def _sinks(frame: Frame, call: Expr) -> Iterator[Hit]:
    name = frame.callee(call)
    if name in _CURL_SETOPT:
        option = call.arg(0)
        spec = (1, "value")
        if option is None or option.kind not in ("attr", "name") or option.text != "URL":
            return
    elif (found := _SINKS.get(name)) is None:
        return
    else:
        spec = found
    arg = call.arg(*spec)
    if arg is not None and (lv := frame.level(arg)) & HEAD:
        yield Hit(f"{name}()", arg, lv)


class Ssrf(FlowRule):
    """
    ## What it finds
    Outbound HTTP requests whose URL (its scheme and host, not only a path or query part)
    comes from the client: `requests.get(url)`, `httpx.post(url)`, a `requests.Session`,
    `httpx.Client` / `AsyncClient` or `aiohttp.ClientSession` method, `urllib.request.urlopen`,
    `urllib3`, `http.client.HTTPConnection(host)`, `httplib2`, and libcurl's
    `curl.setopt(pycurl.URL, url)`. A URL built as `f"http://{host}/..."`,
    `"https://" + host` or `urljoin(BASE, path)` (an absolute `path` replaces the base) counts;
    `f"{settings.API_URL}/users/{user_id}"`, `f"https://api.example.com/items?q={q}"` and
    `params={"q": q}` do not. URLs checked against a host allow-list
    (`urlparse(url).hostname in ALLOWED_HOSTS`), a fixed prefix
    (`url.startswith("https://hooks.example.com/")`), a `validate_*` function or a lookup that
    must find the URL among the server's own records (`next((r for r in releases if r.link ==
    url), None)`, then a 404 when there is none) are clean. Anchor: the line of the request call.

    GraphQL resolver arguments (graphene `resolve_*` methods and `mutate`, strawberry and
    ariadne mutations) are client input too; such findings name the endpoint and the field
    (`POST /graphql (query search)`).

    Sinks fed by request data in functions no route reaches (views the route map does not
    link, scripts) are reported too, named by function, at medium confidence.

    ## Why it matters
    The server sits inside the network: a client who picks the URL can reach cloud metadata
    (`http://169.254.169.254/` hands out credentials), admin consoles, databases speaking
    HTTP and other internal services, and read the responses through the API (CWE-918
    Server-Side Request Forgery; OWASP API7:2023 Server Side Request Forgery).

    ## Options
    None.

    ## Known limitations
    Webhook and "import from URL" features need client URLs by design; they are still
    reported until the URL is checked against an allow-list, because a bare scheme check
    (`url.startswith("https://")`) does not stop requests to internal hosts; on routes that
    require an admin role (an administrator configuring an integration URL) they are reported
    with low confidence. Redirects from an
    allowed host and DNS rebinding are out of scope. Clients stored on `self` or created by a
    factory the project does not define are not recognised.

    ## References
    - https://cwe.mitre.org/data/definitions/918.html
    - https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/
    - https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html
    """

    code = "INJ005"
    name = "ssrf"
    summary = "Request data choosing the URL of an outbound request"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (918,)
    owasp = ("API7:2023",)

    bad = Example("""
        import httpx
        from fastapi import Depends, FastAPI
        from fastapi.security import OAuth2PasswordBearer
        from pydantic import BaseModel

        app = FastAPI()
        oauth2 = OAuth2PasswordBearer(tokenUrl="token")


        class PreviewRequest(BaseModel):
            url: str


        @app.post("/links/preview")
        async def preview(body: PreviewRequest, token: str = Depends(oauth2)):
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.get(body.url)  # expect: INJ005
            return {"status": response.status_code, "title": response.text[:200]}
    """)

    good = Example("""
        from urllib.parse import urlparse

        import httpx
        from fastapi import Depends, FastAPI, HTTPException
        from fastapi.security import OAuth2PasswordBearer
        from pydantic import BaseModel

        app = FastAPI()
        oauth2 = OAuth2PasswordBearer(tokenUrl="token")
        ALLOWED_HOSTS = {"docs.example.com", "blog.example.com"}


        class PreviewRequest(BaseModel):
            url: str


        @app.post("/links/preview")
        async def preview(body: PreviewRequest, token: str = Depends(oauth2)):
            if urlparse(body.url).hostname not in ALLOWED_HOSTS:
                raise HTTPException(status_code=400, detail="Host not allowed")
            async with httpx.AsyncClient(timeout=5, follow_redirects=False) as client:
                response = await client.get(body.url)
            return {"status": response.status_code, "title": response.text[:200]}
    """)

    kind = _KIND
    words = _WORDS
    sinks = _sinks
    fix = ("Build the URL from a fixed base in settings and pass client values as path segments or `params=`; "
           "when the client must give a URL, check its host against an allow-list first")

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """What reaches which sink, and what an attacker gains."""
        return (f"{flow.subject} lets the client choose the URL (`{arg}`) of {flow.hit.sink}{via}: "
                "an attacker can make the server call internal services or cloud metadata")

    def confidence_of(self, flow: FlowHit) -> Confidence | None:
        """Low on admin-only routes: administrators configuring an integration URL."""
        if flow.route is not None and any(ev.kind == "role" for ev in flow.route.authz):
            return Confidence.LOW
        return super().confidence_of(flow)
