"""INJ009: request data parsed as XML by a parser that resolves external entities."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.model import Severity
from apilint.rule import Confidence, Example
from apilint.rules.inj._flow_rule import FlowRule
from apilint.rules.inj._levels import ANY, FlowHit, Hit, Kind
from apilint.rules.inj._taint import Frame
from apilint.summary import Expr, walk_stmts

# lxml entry points: callee -> (index, keyword) of the parser argument.
_LXML: dict[str, tuple[int, str]] = {
    f"lxml.{mod}.{fn}": (1, "parser") for mod in ("etree", "objectify")
    for fn in ("fromstring", "XML", "parse", "fromstringlist", "XMLID", "XMLDTDID")
}
_LXML_ITER = frozenset({"lxml.etree.iterparse", "lxml.etree.XMLPullParser"})
_LXML_PARSERS = frozenset({"lxml.etree.XMLParser", "lxml.etree.ETCompatXMLParser", "lxml.objectify.makeparser"})
# Standard-library parsers: no external entities by default (Python 3.7.1+), entity expansion only.
_STDLIB = frozenset({
    "xml.etree.ElementTree.fromstring", "xml.etree.ElementTree.parse", "xml.etree.ElementTree.XML",
    "xml.etree.ElementTree.iterparse", "xml.etree.ElementTree.fromstringlist", "xml.etree.cElementTree.fromstring",
    "xml.etree.cElementTree.parse", "xml.dom.minidom.parseString", "xml.dom.minidom.parse",
    "xml.dom.pulldom.parseString", "xml.dom.pulldom.parse", "xml.sax.parseString", "xml.sax.parse",
    "xml.dom.expatbuilder.parseString", "xml.parsers.expat.ParserCreate.Parse",
})
_SAX_PARSER = "xml.sax.make_parser"
_KIND = Kind("xml")
_WORDS = ("lxml", "etree", "minidom", "pulldom", "sax", "elementtree", "expat")
RESOLVING, LXML_DEFAULT, STDLIB = "resolving", "lxml-default", "stdlib"


def _bound(frame: Frame, e: Expr | None) -> Expr | None:
    """The expression a local or module-level name was bound to (a parser's constructor call)."""
    if e is None:
        return None
    if e.kind == "name" and e.text in frame.defs:
        return frame.defs[e.text]
    if e.kind in ("name", "attr"):
        return frame.index.const_value(frame.mod, e) or e
    return e


def _lxml_mode(frame: Frame, parser: Expr | None, call: Expr | None = None) -> str | None:
    """RESOLVING, LXML_DEFAULT, or None for a parser that does not resolve entities."""
    flag = call.kwarg("resolve_entities") if call is not None else None
    ctor = _bound(frame, parser)
    if flag is None and ctor is not None and ctor.kind == "call" and frame.callee(ctor) in _LXML_PARSERS:
        flag = ctor.kwarg("resolve_entities")
        if flag is None and (dtd := ctor.kwarg("load_dtd")) is not None and dtd.is_true:
            return RESOLVING
    elif parser is not None and flag is None:
        return None  # a parser apilint cannot read: do not guess
    if flag is None:
        return LXML_DEFAULT
    if flag.is_true:
        return RESOLVING
    return None  # resolve_entities=False, or "internal"


def _sax_resolves(frame: Frame, parser: Expr | None) -> bool:
    """A `make_parser()` whose `setFeature(feature_external_ges, True)` is called in this function."""
    if parser is None or parser.kind != "name":
        return False
    ctor = _bound(frame, parser)
    if ctor is None or ctor.kind != "call" or frame.callee(ctor) != _SAX_PARSER:
        return False
    for stmt in walk_stmts(frame.func.body):
        for expr in stmt.own_exprs():
            for c in expr.calls():
                if (c.func.kind == "attr" and c.func.text == "setFeature" and c.func.args[0].dotted == parser.text
                        and len(c.positional) == 2 and "external_ges" in (c.positional[0].dotted or "")
                        and (c.positional[1].is_true or c.positional[1].text == "1")):
                    return True
    return False


def _sinks(frame: Frame, call: Expr) -> Iterator[Hit]:
    name = frame.callee(call)
    mode: str | None
    if name in _LXML:
        mode = _lxml_mode(frame, call.arg(*_LXML[name]))
    elif name in _LXML_ITER:
        mode = _lxml_mode(frame, None, call)
    elif name in _STDLIB:
        mode = RESOLVING if _sax_resolves(frame, call.kwarg("parser")) else STDLIB
    elif name == f"{_SAX_PARSER}.parse" and call.func.kind == "attr":
        mode = RESOLVING if _sax_resolves(frame, call.func.args[0]) else None
    else:
        return
    arg = call.arg(0, "source") or call.arg(0, "text") or call.arg(0, "string")
    if mode is None or arg is None:
        return
    lv = frame.level(arg)
    if lv & ANY or (mode == RESOLVING and frame.untraced(arg)):
        yield Hit(f"{name.rsplit('.', 1)[-1]}()", arg, lv, mode)


class XmlExternalEntities(FlowRule):
    """
    ## What it finds
    Client input (a request body, an uploaded file, a form field) parsed as XML by a parser
    that resolves external entities: an lxml parser made with `resolve_entities=True` or
    `load_dtd=True`, `lxml.etree.iterparse(..., resolve_entities=True)`, and a SAX parser
    (`xml.sax.make_parser()`) with `feature_external_ges` switched on, handed to
    `pulldom.parseString(..., parser=...)` or used directly. lxml's default parser
    (`etree.fromstring(body)` with no parser) resolved entities before lxml 5.0 and is
    reported at medium severity and confidence. The standard library's `xml.etree`,
    `minidom`, `pulldom` and `sax` do not load external entities (Python 3.7.1 and later)
    but expand internal ones: parsing client XML with them is reported at low severity.
    `defusedxml` and parsers made with `resolve_entities=False` are not reported. Anchor: the
    line of the parse call.

    Like a pattern matcher, a parser configured to resolve external entities is reported on
    any value not built from literals and constants even when apilint cannot trace it to a
    client (low confidence), and in functions no route reaches, named by function.

    ## Why it matters
    `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` makes the parser read a server
    file into the document the API then stores or echoes, or fetch an internal URL (SSRF);
    nested entities ("billion laughs") exhaust memory (CWE-611 Improper Restriction of XML
    External Entity Reference, CWE-776; OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    A parser built in another function or module and passed in is trusted when apilint
    cannot read how it was made. XML parsed by libraries the app calls (`python-docx`,
    `openpyxl`, `xmltodict`, SOAP clients) is not followed, and the lxml version the app
    runs is not known.

    ## References
    - https://cwe.mitre.org/data/definitions/611.html
    - https://lxml.de/FAQ.html#how-do-i-use-lxml-safely-as-a-web-service-endpoint
    - https://docs.python.org/3/library/xml.html#xml-vulnerabilities
    - https://github.com/tiran/defusedxml
    """

    code = "INJ009"
    name = "xml-external-entities"
    summary = "Request data parsed as XML with external entities resolved"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (611, 776)
    owasp = ("API8:2023",)

    bad = Example("""
        from fastapi import Depends, FastAPI, Request
        from fastapi.security import OAuth2PasswordBearer
        from lxml import etree

        app = FastAPI()
        oauth2 = OAuth2PasswordBearer(tokenUrl="token")
        PARSER = etree.XMLParser(resolve_entities=True)


        @app.post("/invoices/import")
        async def import_invoice(request: Request, token: str = Depends(oauth2)):
            doc = etree.fromstring(await request.body(), PARSER)  # expect: INJ009
            return {"number": doc.findtext("number")}
    """)

    good = Example("""
        from defusedxml import ElementTree
        from fastapi import Depends, FastAPI, Request
        from fastapi.security import OAuth2PasswordBearer

        app = FastAPI()
        oauth2 = OAuth2PasswordBearer(tokenUrl="token")


        @app.post("/invoices/import")
        async def import_invoice(request: Request, token: str = Depends(oauth2)):
            doc = ElementTree.fromstring(await request.body())
            return {"number": doc.findtext("number")}
    """)

    kind = _KIND
    sink_names = frozenset(n.rsplit(".", 1)[-1] for n in (*_LXML, *_LXML_ITER, *_STDLIB, "parse"))
    words = _WORDS
    sinks = _sinks
    fix = ("Parse client XML with `defusedxml`, or an lxml parser made with `resolve_entities=False, "
           "no_network=True`; never switch on `feature_external_ges`")
    danger = "parses it with external entities resolved"

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """What is parsed, by which parser, and what an attacker gains."""
        if flow.hit.variant == STDLIB:
            return (f"{flow.subject} parses client XML (`{arg}`) with {flow.hit.sink}{via} of the standard "
                    "library: it expands entities, so nested ones can exhaust memory")
        if flow.hit.variant == LXML_DEFAULT:
            return (f"{flow.subject} parses client XML (`{arg}`) with lxml's default parser in {flow.hit.sink}{via}: "
                    "before lxml 5 it resolves external entities, which read server files")
        return (f"{flow.subject} parses client XML (`{arg}`) in {flow.hit.sink}{via} with external entities "
                "resolved: a DOCTYPE can read server files or reach internal URLs")

    def severity_of(self, flow: FlowHit) -> Severity | None:
        """Low for the standard library (entity expansion only), medium for lxml's default parser."""
        if flow.hit.variant == STDLIB:
            return Severity.LOW
        if flow.hit.variant == LXML_DEFAULT:
            return Severity.MEDIUM
        return super().severity_of(flow)

    def confidence_of(self, flow: FlowHit) -> Confidence | None:
        """Medium for lxml's default parser, whose behaviour depends on the installed version."""
        if flow.hit.variant == LXML_DEFAULT and flow.proven:
            return Confidence.MEDIUM
        return super().confidence_of(flow)
