"""INJ003: request data evaluated as Python code or deserialized into Python objects."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Confidence, Example, Severity
from apilint.rules.inj._flow_rule import FlowRule
from apilint.rules.inj._levels import ANY, FlowHit, Hit, Kind
from apilint.rules.inj._taint import Frame
from apilint.summary import Expr

_EVAL = frozenset({"eval", "exec", "compile", "builtins.eval", "builtins.exec", "builtins.compile"})
# Library expression evaluators built on `eval` (or escapable sandboxes): callee -> (index, keyword).
_EVALUATORS: dict[str, tuple[int, str]] = {
    "PIL.ImageMath.eval": (0, "expression"), "PIL.ImageMath.unsafe_eval": (0, "expression"),
    "pandas.eval": (0, "expr"), "numexpr.evaluate": (0, "ex"), "sympy.sympify": (0, "a"),
    "sympy.core.sympify.sympify": (0, "a"), "sympy.parsing.sympy_parser.parse_expr": (0, "s"),
    "simpleeval.simple_eval": (0, "expr"), "simpleeval.SimpleEval.eval": (0, "expr"),
    "simpleeval.EvalWithCompoundTypes.eval": (0, "expr"), "asteval.Interpreter.eval": (0, "expr"),
    "code.InteractiveInterpreter.runsource": (0, "source"), "code.InteractiveConsole.push": (0, "line"),
}
_KIND = Kind("code")
_WORDS = ("eval", "exec", "compile", "evaluate", "sympify", "parse_expr", "simple_eval", "runsource")


def _sinks(frame: Frame, call: Expr) -> Iterator[Hit]:
    name = frame.callee(call)
    if name in _EVAL:
        arg = call.arg(0, "source")
        if arg is None and call.keywords:
            arg = call.keywords[0].value
        if arg is None or arg.kind == "lambda":
            return
        if (lv := frame.level(arg)) & ANY or frame.untraced(arg):
            yield Hit(f"{name.rsplit('.', 1)[-1]}()", arg, lv)
    elif name in _EVALUATORS:
        arg = call.arg(*_EVALUATORS[name])
        if arg is not None and (lv := frame.level(arg)) & ANY:
            yield Hit(f"{name}()", arg, lv)


class CodeInjection(FlowRule):
    """
    ## What it finds
    Client input evaluated as Python: `eval(...)`, `exec(...)`, `compile(...)`, and library
    expression evaluators built on them or on escapable sandboxes: `PIL.ImageMath.eval`,
    `pandas.eval`, `numexpr.evaluate`, `sympy.sympify` / `parse_expr`, `simpleeval`,
    `asteval.Interpreter.eval`, `code.InteractiveInterpreter.runsource`. Client input is a
    route's parameters, request bodies, cookies, headers, session values and uploaded files,
    followed through locals and up to two calls deep into project functions; `base64` and
    `json` decoding keep it tainted. Deserializers that run code (`pickle`, `yaml.load`) are
    INJ008. Anchor: the line of the call.

    Like a pattern matcher, `eval`, `exec` and `compile` of any value that is not built from
    literals and constants are reported even when apilint cannot trace it to a client (low
    confidence, one severity lower), and so are such sinks in functions no route reaches
    (views the route map does not link, scripts), named by function instead of route.

    GraphQL resolver arguments (graphene `resolve_*` methods and `mutate`, strawberry and
    ariadne mutations) are client input too; such findings name the endpoint and the field
    (`POST /graphql (query search)`).

    ## Why it matters
    `eval` of a request field runs whatever code the client chose inside the server process:
    remote code execution, the worst outcome a web API can have (CWE-95 Eval Injection;
    OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    A value checked against an allow-list is clean; a value checked in some other way (its
    length, a prefix) is still reported. `eval` with a restricted globals dict
    (`{"__builtins__": None}`) is reported too: such sandboxes are escaped through object
    attributes. Evaluators reached through templates or query languages are not followed.

    ## References
    - https://cwe.mitre.org/data/definitions/95.html
    - https://docs.python.org/3/library/functions.html#eval
    - https://pillow.readthedocs.io/en/stable/reference/ImageMath.html
    """

    code = "INJ003"
    name = "code-injection"
    summary = "Request data evaluated as Python code"
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (95,)
    owasp = ("API8:2023",)

    bad = Example("""
        from flask import Flask, jsonify, request
        from flask_login import login_required

        app = Flask(__name__)


        @app.post("/calc")
        @login_required
        def calculate():
            expression = request.get_json()["expression"]
            return jsonify({"result": eval(expression)})  # expect: INJ003
    """)

    good = Example("""
        import ast

        from flask import Flask, jsonify, request
        from flask_login import login_required

        app = Flask(__name__)


        @app.post("/calc")
        @login_required
        def calculate():
            expression = request.get_json()["expression"]
            return jsonify({"result": ast.literal_eval(expression)})
    """)

    kind = _KIND
    sink_names = frozenset(n.rsplit(".", 1)[-1] for n in (*_EVAL, *_EVALUATORS))
    words = _WORDS
    sinks = _sinks
    fix = ("Parse data instead of running it: `json.loads`, `ast.literal_eval` for literals, a small "
           "parser or an allow-list of operations for expressions")
    danger = "runs its argument as Python code"

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """What reaches which sink, and what an attacker gains."""
        return (f"{flow.subject} passes client input (`{arg}`) to {flow.hit.sink}{via}: "
                "an attacker can run Python code in the server process")
