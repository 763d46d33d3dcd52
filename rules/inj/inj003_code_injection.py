"""INJ003: request data evaluated as Python code or deserialized into Python objects."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Confidence, Example, Severity
from apilint.rules.inj._flow_rule import FlowRule
from apilint.rules.inj._levels import ANY, FlowHit, Hit, Kind
from apilint.rules.inj._taint import Frame
from apilint.summary import Expr

_EVAL = frozenset({"eval", "exec", "compile", "builtins.eval", "builtins.exec", "builtins.compile"})
_DESERIALIZE = frozenset({
    "pickle.loads", "pickle.load", "pickle.Unpickler", "_pickle.loads", "_pickle.load", "cPickle.loads",
    "cPickle.load", "dill.loads", "dill.load", "cloudpickle.loads", "cloudpickle.load", "marshal.loads",
    "marshal.load", "shelve.open", "jsonpickle.decode", "jsonpickle.loads", "yaml.unsafe_load",
    "yaml.unsafe_load_all", "yaml.full_load", "yaml.full_load_all", "pandas.read_pickle",
})
_YAML_LOAD = frozenset({"yaml.load", "yaml.load_all"})
_SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})
_KIND = Kind("code")
_WORDS = ("eval", "exec", "compile", "pickle", "marshal", "shelve", "yaml", "jsonpickle", "dill",
          "read_pickle")


def _sinks(frame: Frame, call: Expr) -> Iterator[Hit]:
    name = frame.callee(call)
    if name in _EVAL or name in _DESERIALIZE:
        arg = call.arg(0)
        if arg is None and call.keywords:
            arg = call.keywords[0].value
        if arg is not None and (lv := frame.level(arg)) & ANY:
            yield Hit(f"{name}()", arg, lv)
    elif name in _YAML_LOAD:
        arg = call.arg(0, "stream")
        loader = call.arg(1, "Loader")
        if loader is not None and (loader.dotted or "").rsplit(".", 1)[-1] in _SAFE_LOADERS:
            return
        if loader is not None and loader.dotted is None:
            return  # a loader apilint cannot name: do not guess
        if arg is not None and (lv := frame.level(arg)) & ANY:
            yield Hit(f"{name}() without SafeLoader", arg, lv)


class CodeInjection(FlowRule):
    """
    ## What it finds
    Client input evaluated as Python: `eval(...)`, `exec(...)`, `compile(...)`, or turned
    into objects by a deserializer that can run code: `pickle.loads/load`, `dill`,
    `marshal.loads`, `shelve.open`, `jsonpickle.decode`, `pandas.read_pickle`, and
    `yaml.load(...)` without a safe loader (no `Loader`, or `yaml.Loader`, `UnsafeLoader`,
    `FullLoader`; likewise `yaml.unsafe_load` and `yaml.full_load`). Client input is a route's
    parameters, request bodies, cookies, headers and uploaded files, followed through locals
    and up to two calls deep into project functions; `base64` and `json` decoding keep it
    tainted. Anchor: the line of the call.

    GraphQL resolver arguments (graphene `resolve_*` methods and `mutate`, strawberry and
    ariadne mutations) are client input too; such findings name the endpoint and the field
    (`POST /graphql (query search)`).

    ## Why it matters
    `eval` of a request field, or unpickling bytes a client sent, runs whatever code the
    client chose inside the server process: remote code execution, the worst outcome a web API
    can have (CWE-95 Eval Injection, CWE-502 Deserialization of Untrusted Data; OWASP
    API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    A value checked against an allow-list is clean; a value checked in some other way (its
    length, a prefix) is still reported. Signed payloads (`itsdangerous`, an HMAC compared
    before `pickle.loads`) are reported too: prefer JSON even when the payload is signed.
    Deserializers reached through frameworks (a cache backend, a task queue) are not followed.

    ## References
    - https://cwe.mitre.org/data/definitions/95.html
    - https://cwe.mitre.org/data/definitions/502.html
    - https://docs.python.org/3/library/pickle.html
    - https://pyyaml.org/wiki/PyYAMLDocumentation
    """

    code = "INJ003"
    name = "code-injection"
    summary = "Request data evaluated as code or unpickled"
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (95, 502)
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
    words = _WORDS
    sinks = _sinks
    fix = ("Parse data instead of running it: `json.loads`, `ast.literal_eval` for literals, "
           "`yaml.safe_load`; never unpickle bytes that came from a client")

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """What reaches which sink, and what an attacker gains."""
        return (f"{flow.route.display} passes client input (`{arg}`) to {flow.hit.sink}{via}: "
                "an attacker can run Python code in the server process")
