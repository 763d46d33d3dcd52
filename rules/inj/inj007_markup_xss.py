"""INJ007: request data marked as safe HTML (`Markup`, `mark_safe`), bypassing autoescaping."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Confidence, Example, Severity
from apilint.rules.inj._flow_rule import FlowRule
from apilint.rules.inj._levels import ANY, FlowHit, Hit, Kind
from apilint.rules.inj._taint import Frame
from apilint.summary import Expr

_SINKS = frozenset({
    "markupsafe.Markup", "flask.Markup", "jinja2.Markup", "jinja2.utils.Markup",
    "django.utils.safestring.mark_safe", "django.utils.safestring.SafeString", "django.utils.safestring.SafeText",
    "django.utils.html.format_html",
})
_KIND = Kind("html", sanitizers=frozenset({"escape", "conditional_escape", "clean", "linkify", "strip_tags",
                                           "urlencode", "quote", "quote_plus"}))
_WORDS = ("markup", "mark_safe", "safestring", "safetext", "format_html")


def _built_here(frame: Frame, arg: Expr) -> bool:
    """HTML the code builds itself (an f-string, a concatenation, a call's result such as
    `render_to_string(...)` or `escape(x)`), or a local bound to it: marking such HTML safe is
    what `Markup` is for, so only a value handed in from elsewhere is untraced."""
    if arg.kind == "name" and arg.text in frame.defs:
        arg = frame.defs[arg.text]
    if arg.kind == "await" and arg.args:
        arg = arg.args[0]
    return arg.kind in ("call", "fstr", "binop", "ifexp", "boolop")


def _sinks(frame: Frame, call: Expr) -> Iterator[Hit]:
    name = frame.callee(call)
    if name not in _SINKS:
        return
    arg = call.arg(0)
    if arg is not None and ((lv := frame.level(arg)) & ANY or (frame.untraced(arg) and not _built_here(frame, arg))):
        yield Hit(f"{name.rsplit('.', 1)[-1]}()", arg, lv)


class MarkupXss(FlowRule):
    """
    ## What it finds
    Client input wrapped in `Markup(...)` (markupsafe, Flask, Jinja) or Django's
    `mark_safe(...)` / `SafeString(...)`, or used as the format string of `format_html(...)`:
    the value is declared safe HTML, so templates stop escaping it. Values passed through
    `escape()` / `conditional_escape()` / `bleach.clean()` first are clean, and so are
    `Markup("<b>%s</b>") % name` and `format_html("<b>{}</b>", name)`, which escape their
    arguments. Anchor: the line of the call.

    GraphQL resolver arguments (graphene `resolve_*` methods and `mutate`, strawberry and
    ariadne mutations) are client input too; such findings name the endpoint and the field
    (`POST /graphql (query search)`).

    Like a pattern matcher, `mark_safe` / `Markup` of a value handed in from elsewhere (a
    parameter of a function no route calls, an attribute, a setting) is reported even when
    apilint cannot trace it to a client (low confidence, one severity lower), and so are such
    sinks in functions no route reaches, named by function instead of route. HTML the code
    builds itself (f-strings, concatenation, a template's or an escaping helper's result) is
    not reported unless client input reaches it.

    ## Why it matters
    A name like `<script>fetch('/api/me').then(...)</script>` is rendered as script in other
    users' browsers: stored or reflected cross-site scripting steals sessions and acts as the
    victim (CWE-79 Cross-site Scripting; OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Medium confidence: whether the value reaches an HTML page (rather than a JSON response,
    where `Markup` is harmless) is not checked. HTML built with `f"..."` and returned in an
    `HttpResponse` without `mark_safe` is not reported here.

    ## References
    - https://cwe.mitre.org/data/definitions/79.html
    - https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.safestring.mark_safe
    - https://markupsafe.palletsprojects.com/en/stable/escaping/
    """

    code = "INJ007"
    name = "markup-xss"
    summary = "Request data marked as safe HTML, bypassing autoescaping"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (79,)
    owasp = ("API8:2023",)

    bad = Example("""
        from django.contrib.auth.decorators import login_required
        from django.http import HttpResponse
        from django.template import loader
        from django.urls import path
        from django.utils.safestring import mark_safe


        @login_required
        def search(request):
            query = request.GET.get("q", "")
            banner = mark_safe(f"<p>Results for <b>{query}</b></p>")  # expect: INJ007
            html = loader.get_template("search.html").render({"banner": banner}, request)
            return HttpResponse(html)


        urlpatterns = [path("search/", search)]
    """)

    good = Example("""
        from django.contrib.auth.decorators import login_required
        from django.http import HttpResponse
        from django.template import loader
        from django.urls import path
        from django.utils.html import format_html


        @login_required
        def search(request):
            query = request.GET.get("q", "")
            banner = format_html("<p>Results for <b>{}</b></p>", query)
            html = loader.get_template("search.html").render({"banner": banner}, request)
            return HttpResponse(html)


        urlpatterns = [path("search/", search)]
    """)

    kind = _KIND
    sink_names = frozenset(n.rsplit(".", 1)[-1] for n in _SINKS)
    words = _WORDS
    sinks = _sinks
    danger = "declares it safe HTML that templates will not escape"
    fix = ("Let the template escape the value, or build the HTML with `format_html(\"<b>{}</b>\", value)` / "
           "`Markup(\"<b>%s</b>\") % value`, which escape their arguments")

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """What reaches which sink, and what an attacker gains."""
        return (f"{flow.subject} marks client input (`{arg}`) as safe HTML with {flow.hit.sink}{via}: "
                "markup in the input runs as script in users' browsers")

    def confidence_of(self, flow: FlowHit) -> Confidence | None:
        """Low through a helper: whether the value reaches a page is not followed."""
        return Confidence.LOW if flow.via else super().confidence_of(flow)
