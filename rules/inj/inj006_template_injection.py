"""INJ006: request data used as the source text of a server-side template."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Confidence, Example, Severity
from apilint.rules.inj._flow_rule import FlowRule
from apilint.rules.inj._levels import ANY, FlowHit, Hit, Kind
from apilint.rules.inj._taint import Frame
from apilint.summary import Expr

# Callee -> (positional index, keyword) of the template source.
_SINKS: dict[str, tuple[int, str]] = {
    "flask.render_template_string": (0, "source"), "flask.templating.render_template_string": (0, "source"),
    "jinja2.Template": (0, "source"), "jinja2.environment.Template": (0, "source"),
    "jinja2.Environment.from_string": (0, "source"), "jinja2.environment.Environment.from_string": (0, "source"),
    "django.template.Template": (0, "template_string"), "django.template.base.Template": (0, "template_string"),
    "django.template.Engine.from_string": (0, "template_code"),
    "django.template.engine.Engine.from_string": (0, "template_code"),
    "mako.template.Template": (0, "text"), "tornado.template.Template": (0, "template_string"),
}
_KIND = Kind("template")
_WORDS = ("render_template_string", "template", "from_string")


def _source_of(frame: Frame, call: Expr) -> tuple[str, tuple[int, str]] | None:
    name = frame.callee(call)
    if name in _SINKS:
        return name, _SINKS[name]
    func = call.func
    if func.kind == "attr" and func.text == "from_string":
        recv = func.args[0]
        if (recv.dotted or "").endswith(".jinja_env"):  # Flask's app.jinja_env
            return "jinja_env.from_string", (0, "source")
        if recv.kind == "subscript" and frame.callee(recv.args[0]) == "django.template.engines":
            return "engines[...].from_string", (0, "template_code")
    return None


def _sinks(frame: Frame, call: Expr) -> Iterator[Hit]:
    found = _source_of(frame, call)
    if found is None:
        return
    name, spec = found
    arg = call.arg(*spec)
    if arg is not None and (lv := frame.level(arg)) & ANY:
        yield Hit(f"{name}()", arg, lv)


class TemplateInjection(FlowRule):
    """
    ## What it finds
    Client input that becomes part of a template's *source*: `render_template_string(...)`,
    `jinja2.Template(...)`, `Environment(...).from_string(...)`, `app.jinja_env.from_string`,
    Django's `Template(...)` and `engines["django"].from_string(...)`, Mako and Tornado
    templates. The classic form is an f-string: `render_template_string(f"<h1>Hello {name}</h1>")`.
    Passing input as a template *variable* (`render_template_string(TEMPLATE, name=name)`) is
    the fix and is not reported, nor is Jinja's `SandboxedEnvironment`. Anchor: the line of
    the call.

    GraphQL resolver arguments (graphene `resolve_*` methods and `mutate`, strawberry and
    ariadne mutations) are client input too; such findings name the endpoint and the field
    (`POST /graphql (query search)`).

    ## Why it matters
    Template syntax is code: `{{ cycler.__init__.__globals__.os.popen('id').read() }}` sent as
    a name runs commands on the server through Jinja, and Django templates leak settings and
    objects in the context (CWE-1336 Server-Side Template Injection, CWE-94 Code Injection;
    OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Templates loaded from a file whose *name* comes from the client are a path problem
    (INJ004), not reported here. Environments created in a factory function outside the
    handler and its callees are not recognised.

    ## References
    - https://cwe.mitre.org/data/definitions/1336.html
    - https://portswigger.net/web-security/server-side-template-injection
    - https://jinja.palletsprojects.com/en/stable/sandbox/
    """

    code = "INJ006"
    name = "template-injection"
    summary = "Request data used as template source"
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (1336, 94)
    owasp = ("API8:2023",)

    bad = Example("""
        from flask import Flask, render_template_string, request
        from flask_login import login_required

        app = Flask(__name__)


        @app.get("/greet")
        @login_required
        def greet():
            name = request.args.get("name", "guest")
            return render_template_string(f"<h1>Hello {name}!</h1>")  # expect: INJ006
    """)

    good = Example("""
        from flask import Flask, render_template_string, request
        from flask_login import login_required

        app = Flask(__name__)


        @app.get("/greet")
        @login_required
        def greet():
            name = request.args.get("name", "guest")
            return render_template_string("<h1>Hello {{ name }}!</h1>", name=name)
    """)

    kind = _KIND
    words = _WORDS
    sinks = _sinks
    fix = ("Keep the template text fixed and pass client values as context variables "
           "(`render_template_string(TEMPLATE, name=name)`)")

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """What reaches which sink, and what an attacker gains."""
        return (f"{flow.subject} builds template source from client input (`{arg}`) in "
                f"{flow.hit.sink}{via}: template syntax in the input runs on the server")
