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
_TEMPLATE_DIR = "templates/"
_TEMPLATE_EXTS = (".html", ".htm", ".j2", ".jinja", ".jinja2", ".tpl", ".mako", ".tmpl", ".txt.j2")
_KIND = Kind("template")
_WORDS = ("render_template_string", "template", "templates", "from_string")


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


def _template_file(frame: Frame, path: Expr | None) -> bool:
    """A path that names a template: a literal part under `templates/` or with a template extension."""
    if path is None:
        return False
    if path.kind == "name" and path.text in frame.defs:
        path = frame.defs[path.text]
    return any(e.kind == "str" and (_TEMPLATE_DIR in e.text.lower() or e.text.lower().endswith(_TEMPLATE_EXTS))
               for e in path.walk())


def _written_template(frame: Frame, call: Expr) -> Expr | None:
    """The path of a template file this call writes: `open(path, "w").write(...)`, `f.write(...)`
    on a file opened for writing, `Path(path).write_text(...)`."""
    func = call.func
    if func.kind != "attr" or func.text not in ("write", "write_text", "writelines"):
        return None
    target = func.args[0]
    if target.kind == "name" and target.text in frame.defs:
        target = frame.defs[target.text]
    if target.kind == "call" and frame.callee(target) in ("open", "builtins.open", "io.open", "codecs.open"):
        mode = target.arg(1, "mode")
        if mode is not None and mode.kind == "str" and any(c in mode.text for c in "wax+"):
            return target.arg(0, "file")
    elif func.text == "write_text" and frame.is_path(target):
        return target
    return None


def _sinks(frame: Frame, call: Expr) -> Iterator[Hit]:
    found = _source_of(frame, call)
    if found is not None:
        name, spec = found
        arg = call.arg(*spec)
        untraced = name.startswith("flask.") and arg is not None and frame.untraced(arg)
        if arg is not None and ((lv := frame.level(arg)) & ANY or untraced):
            yield Hit(f"{name}()", arg, lv)
        return
    path = _written_template(frame, call)
    if path is not None and _template_file(frame, path) and call.positional:
        arg = call.positional[0]
        if (lv := frame.level(arg)) & ANY:
            yield Hit("a template file written here and rendered later", arg, lv)


class TemplateInjection(FlowRule):
    """
    ## What it finds
    Client input that becomes part of a template's *source*: `render_template_string(...)`,
    `jinja2.Template(...)`, `Environment(...).from_string(...)`, `app.jinja_env.from_string`,
    Django's `Template(...)` and `engines["django"].from_string(...)`, Mako and Tornado
    templates. The classic form is an f-string: `render_template_string(f"<h1>Hello {name}</h1>")`.
    Passing input as a template *variable* (`render_template_string(TEMPLATE, name=name)`) is
    the fix and is not reported, nor is Jinja's `SandboxedEnvironment`. Client input written
    into a template file (a path under `templates/` or ending in `.html`, `.j2`, `.jinja2`...)
    that the app renders later is reported on the `write(...)` / `write_text(...)` line.
    Anchor: the line of the call.

    Like a pattern matcher, Flask's `render_template_string` of a value not built from
    literals and constants is reported even when apilint cannot trace it to a client (low
    confidence, one severity lower), and so are such sinks in functions no route reaches
    (error handlers, views the route map does not link), named by function instead of route.
    `request.path` is client input: a 404 handler that formats it into template source runs
    whatever `{{ ... }}` the URL carries.

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
    sink_names = frozenset({"render_template_string"})  # the one sink with an untraced tier
    words = _WORDS
    sinks = _sinks
    danger = "renders it as a template, whose syntax runs on the server"
    fix = ("Keep the template text fixed and pass client values as context variables "
           "(`render_template_string(TEMPLATE, name=name)`)")

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """What reaches which sink, and what an attacker gains."""
        return (f"{flow.subject} builds template source from client input (`{arg}`) in "
                f"{flow.hit.sink}{via}: template syntax in the input runs on the server")
