"""INJ008: request data deserialized by a loader that can build any object (pickle, unsafe YAML)."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Confidence, Example, Severity
from apilint.rules.inj._flow_rule import FlowRule
from apilint.rules.inj._levels import ANY, FULL, FlowHit, Hit, Kind
from apilint.rules.inj._taint import Frame
from apilint.summary import Expr

# Loaders of bytes or streams that run code while loading: any non-constant argument is reported.
_LOADERS = frozenset({
    "pickle.loads", "pickle.load", "pickle.Unpickler", "_pickle.loads", "_pickle.load", "cPickle.loads",
    "cPickle.load", "dill.loads", "dill.load", "dill.Unpickler", "cloudpickle.loads", "cloudpickle.load",
    "marshal.loads", "marshal.load", "jsonpickle.decode", "jsonpickle.loads", "jsonpickle.unpickler.decode",
    "yaml.unsafe_load", "yaml.unsafe_load_all", "yaml.full_load", "yaml.full_load_all",
})
# Loaders of files by path or of model archives: reported when the client supplies the file or its name.
_FILE_LOADERS = frozenset({"shelve.open", "shelve.DbfilenameShelf", "pandas.read_pickle", "joblib.load",
                           "sklearn.externals.joblib.load", "torch.load", "numpy.load", "keras.models.load_model"})
_YAML_LOAD = frozenset({"yaml.load", "yaml.load_all"})
_SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})
_KIND = Kind("deserialize")
_WORDS = ("pickle", "marshal", "shelve", "yaml", "jsonpickle", "dill", "read_pickle", "joblib", "torch",
          "allow_pickle", "load_model", "cloudpickle")


def _sinks(frame: Frame, call: Expr) -> Iterator[Hit]:
    name = frame.callee(call)
    if name in _LOADERS:
        arg = call.arg(0) or (call.keywords[0].value if call.keywords else None)
        if arg is not None and ((lv := frame.level(arg)) & ANY or frame.untraced(arg)):
            yield Hit(f"{name}()", arg, lv)
    elif name in _YAML_LOAD:
        arg = call.arg(0, "stream")
        loader = call.arg(1, "Loader")
        if loader is not None and ((loader.dotted or "").rsplit(".", 1)[-1] in _SAFE_LOADERS or loader.dotted is None):
            return  # a safe loader, or one apilint cannot name: do not guess
        if arg is not None and ((lv := frame.level(arg)) & ANY or frame.untraced(arg)):
            yield Hit(f"{name}() without SafeLoader", arg, lv)
    elif name in _FILE_LOADERS:
        if name == "torch.load" and (flag := call.kwarg("weights_only")) is not None and flag.is_true:
            return
        if name == "numpy.load" and not ((flag := call.kwarg("allow_pickle")) is not None and flag.is_true):
            return
        arg = call.arg(0) or (call.keywords[0].value if call.keywords else None)
        if arg is not None and (lv := frame.level(arg)) & ANY:
            yield Hit(f"{name}()", arg, lv)
        elif arg is not None and frame.path_key(arg) in frame.saved:
            yield Hit(f"{name}() of the uploaded file", arg, FULL)  # `upload.save(p)`; `torch.load(p)`


class InsecureDeserialization(FlowRule):
    """
    ## What it finds
    Client input handed to a loader that can build arbitrary objects, and so run code, while
    it loads: `pickle.loads/load` and `Unpickler`, `dill`, `cloudpickle`, `marshal`,
    `jsonpickle.decode`, `yaml.load(...)` / `yaml.load_all(...)` without a safe loader (no
    `Loader`, or `yaml.Loader`, `UnsafeLoader`, `FullLoader`), `yaml.unsafe_load` and
    `yaml.full_load`; and, when the client supplies the file or its name, `shelve.open`,
    `pandas.read_pickle`, `joblib.load`, `torch.load` without `weights_only=True`,
    `numpy.load(..., allow_pickle=True)` and `keras.models.load_model`. Client input is a
    route's parameters, request bodies, cookies, headers, session values and uploaded files
    (`request.files["f"]`, an `UploadFile`'s `read()`, `request.FILES`, and a file the
    handler saved an upload to and reads back), followed through
    locals, `base64` / `json` decoding, class attributes and up to two calls deep into project
    functions. Anchor: the line of the call.

    Like a pattern matcher, the byte loaders and unsafe YAML loads are reported for any value
    not built from literals and constants even when apilint cannot trace it to a client (low
    confidence, one severity lower), and in functions no route reaches (views the route map
    does not link, scripts), named by function instead of route. A Flask request hook
    (`before_request`, `after_request`) is reached by every request: a cookie it unpickles is
    reported at full confidence, named by the hook.

    ## Why it matters
    A pickle is a program: `__reduce__` lets the sender call `os.system` while the server
    loads it, and `!!python/object/apply` does the same in YAML. A cookie, an uploaded
    "backup" or a base64 field that is unpickled gives its sender code execution in the
    server process (CWE-502 Deserialization of Untrusted Data; OWASP API8:2023 Security
    Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Signed payloads (`itsdangerous`, an HMAC compared before `pickle.loads`) are reported
    too: prefer JSON even when the payload is signed. Deserializers reached through
    frameworks (a cache backend, a task queue) are not followed, and a loader whose `Loader`
    apilint cannot name is trusted.

    ## References
    - https://cwe.mitre.org/data/definitions/502.html
    - https://docs.python.org/3/library/pickle.html
    - https://pyyaml.org/wiki/PyYAMLDocumentation
    - https://pytorch.org/docs/stable/generated/torch.load.html
    """

    code = "INJ008"
    name = "insecure-deserialization"
    summary = "Request data loaded by pickle, unsafe YAML or another code-running loader"
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (502,)
    owasp = ("API8:2023",)

    bad = Example("""
        import base64
        import pickle

        from flask import Flask, jsonify, request
        from flask_login import login_required

        app = Flask(__name__)


        @app.post("/cart/restore")
        @login_required
        def restore_cart():
            cart = pickle.loads(base64.b64decode(request.cookies["cart"]))  # expect: INJ008
            return jsonify({"items": len(cart)})
    """)

    good = Example("""
        import base64
        import json

        from flask import Flask, jsonify, request
        from flask_login import login_required

        app = Flask(__name__)


        @app.post("/cart/restore")
        @login_required
        def restore_cart():
            cart = json.loads(base64.b64decode(request.cookies["cart"]))
            return jsonify({"items": len(cart)})
    """)

    kind = _KIND
    sink_names = frozenset(n.rsplit(".", 1)[-1] for n in (*_LOADERS, *_FILE_LOADERS, *_YAML_LOAD))
    words = _WORDS
    sinks = _sinks
    fix = ("Exchange data as JSON (`json.loads`, a pydantic model) or `yaml.safe_load`; never unpickle bytes a "
           "client sent, signed or not; load models with `torch.load(..., weights_only=True)`")
    danger = "builds arbitrary objects (and so runs code) while loading"

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """What reaches which loader, and what an attacker gains."""
        return (f"{flow.subject} deserializes client input (`{arg}`) with {flow.hit.sink}{via}: "
                "a crafted payload runs code in the server process")
