"""The value a boolean flag takes when nobody configures it: literal, constant, setting or environment default.

`verify=settings.VERIFY_SSL` is only as safe as the setting's default. A `Flag` says what a
flag expression evaluates to when the deployment sets nothing, where that value comes from,
and how sure apilint can be that production runs with it: a literal or module constant is
certain, a settings-module default likely, an environment-variable fallback or a parameter
default only possible.
"""

from __future__ import annotations

from typing import NamedTuple

from apilint.model import Confidence
from apilint.project import ProjectIndex, Symbol
from apilint.rules.tls._helpers import enclosing_classes, local_class, local_file
from apilint.summary import Expr, FunctionDef, ModuleSummary, walk_stmts

_ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "getenv", "environ.get", "os.environ.setdefault"})
_TO_BOOL = frozenset({"bool", "strtobool", "str2bool", "to_bool", "as_bool", "asbool", "parse_bool", "is_true",
                      "env_bool", "get_bool", "getenv_bool", "bool_env", "truthy"})
_TYPED_ENV = frozenset({"bool", "get_bool", "getbool"})
"""`env.bool("X", default=False)` (environs, django-environ) and `config.getbool(...)`."""
_STR_METHODS = frozenset({"lower", "upper", "strip", "casefold"})
_FALSY_TEXT = frozenset({"", "0", "false", "no", "off", "n", "f", "none"})
_MAX_DEPTH = 8


class Flag(NamedTuple):
    """What a flag evaluates to by default, in words, and how likely production keeps it."""

    value: bool
    source: str
    """`""` for a literal, else e.g. `the constant VERIFY_SSL`, `the default of VERIFY_SSL in the environment`."""
    confidence: Confidence


class _Text(NamedTuple):
    value: str | None
    """None: the environment variable is unset and there is no default."""
    source: str


def flag_value(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef | None, expr: Expr | None,
               depth: int = 0) -> Flag | None:
    """The default boolean value of `expr`, or None when it cannot be read."""
    if expr is None or depth > _MAX_DEPTH:
        return None
    kind = expr.kind
    if kind == "const" and expr.text in ("True", "False"):  # None means "the library's default"
        return Flag(expr.text == "True", "", Confidence.HIGH)
    if kind == "num" and expr.text in ("0", "1"):
        return Flag(expr.text == "1", "", Confidence.HIGH)
    if kind == "unary" and expr.text == "not" and expr.args:
        inner = flag_value(index, mod, func, expr.args[0], depth + 1)
        return inner._replace(value=not inner.value) if inner is not None else None
    if kind == "name":
        return _name(index, mod, func, expr, depth)
    if kind in ("attr", "subscript"):
        return _setting(index, mod, expr, depth)
    if kind == "call":
        return _call(index, mod, func, expr, depth)
    if kind == "compare":
        return _compare(index, mod, expr)
    return None


def _name(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef | None, expr: Expr, depth: int) -> Flag | None:
    if func is not None:
        param = func.param(expr.text)
        if param is not None:
            found = flag_value(index, mod, None, param.default, depth + 1) if param.default is not None else None
            if found is None:
                return None
            return Flag(found.value, f"the default of parameter `{expr.text}`", Confidence.LOW)
        local = [s.value for s in walk_stmts(func.body) if s.kind in ("assign", "annassign")
                 and any(t.kind == "name" and t.text == expr.text for t in s.targets)]
        if local:
            return flag_value(index, mod, None, local[-1], depth + 1) if len(local) == 1 else None
    symbol = index.resolve(mod, expr)
    if symbol is None or symbol.value is None:
        return None
    found = flag_value(index, symbol.module, None, symbol.value, depth + 1)
    if found is None:
        return None
    return found if found.source else found._replace(source=f"the constant `{expr.text}`")


def _call(index: ProjectIndex, mod: ModuleSummary, func: FunctionDef | None, call: Expr, depth: int) -> Flag | None:
    callee = index.qualify_expr(mod, call.func) or ""
    short = callee.rsplit(".", 1)[-1]
    if callee in _ENV_GETTERS or short in _TO_BOOL or (call.func.kind == "attr" and short in _TYPED_ENV):
        text = _text(index, mod, call)
        if text is not None:
            return Flag((text.value or "").strip().lower() not in _FALSY_TEXT, text.source, Confidence.LOW)
        if short in _TO_BOOL and call.positional:
            return flag_value(index, mod, func, call.positional[0], depth + 1)
        default = call.kwarg("default")
        if default is not None:  # env.bool("X", default=False), config("X", default=False, cast=bool)
            found = flag_value(index, mod, func, default, depth + 1)
            name = index.const_str(mod, call.positional[0]) if call.positional else None
            if found is not None:
                return Flag(found.value, f"the default of `{name or 'the setting'}`", Confidence.LOW)
    return None


def _text(index: ProjectIndex, mod: ModuleSummary, expr: Expr, depth: int = 0) -> _Text | None:
    """The string an environment lookup yields when the variable is unset (`os.getenv("X", "false")`)."""
    if depth > 4:
        return None
    if expr.kind == "str":
        return _Text(expr.text, "")
    if expr.kind != "call":
        return None
    if expr.func.kind == "attr" and expr.func.text in _STR_METHODS:
        inner = _text(index, mod, expr.func.args[0], depth + 1)
        if inner is not None and inner.value is not None:
            return inner._replace(value=inner.value.lower() if expr.func.text != "upper" else inner.value.upper())
        return inner
    callee = index.qualify_expr(mod, expr.func) or ""
    short = callee.rsplit(".", 1)[-1]
    if callee in _ENV_GETTERS and expr.positional:
        name = index.const_str(mod, expr.positional[0]) or "the variable"
        default = expr.arg(1, "default")
        source = f"the default of `{name}` in the environment"
        if default is None:
            return _Text(None, source)
        value = index.const_str(mod, default)
        if value is None and default.kind in ("const", "num"):
            value = "" if default.text in ("None", "False", "0") else default.text
        return _Text(value, source) if value is not None else None
    if short in ("str", "int") and expr.positional:
        return _text(index, mod, expr.positional[0], depth + 1)
    return None


def _compare(index: ProjectIndex, mod: ModuleSummary, expr: Expr) -> Flag | None:
    """`os.getenv("VERIFY_SSL", "true").lower() == "true"` and `... in ("1", "true")`."""
    ops = expr.text.split(",")
    if len(ops) != 1 or len(expr.args) != 2:
        return None
    left = _text(index, mod, expr.args[0])
    right = expr.args[1]
    if left is None:
        return None
    value = left.value
    if ops[0] in ("==", "!="):
        literal = right.str_value
        if literal is None:
            return None
        result = value == literal
        return Flag(result if ops[0] == "==" else not result, left.source, Confidence.LOW)
    if ops[0] in ("in", "not in") and right.kind in ("tuple", "list", "set"):
        options = {e.text for e in right.args if e.kind == "str"}
        result = value in options
        return Flag(result if ops[0] == "in" else not result, left.source, Confidence.LOW)
    return None


def _setting(index: ProjectIndex, mod: ModuleSummary, expr: Expr, depth: int) -> Flag | None:
    """`settings.VERIFY_SSL`, `get_settings().VERIFY_SSL`, `app.config["VERIFY_SSL"]`, `Config.VERIFY_SSL`."""
    if expr.kind == "subscript":
        key = index.const_str(mod, expr.args[1]) if len(expr.args) == 2 else None
        return _project_setting(index, key, depth) if key else None
    name = expr.text
    owner = expr.args[0]
    cls_symbol = _settings_class(index, mod, owner)
    if cls_symbol is not None and cls_symbol.cls is not None:
        value = cls_symbol.cls.attribute(name)
        if value is not None and value.kind == "call":  # Field(False), Field(default=False)
            value = value.arg(0, "default")
        found = flag_value(index, cls_symbol.module, None, value, depth + 1) if value is not None else None
        if found is None:
            return None
        pydantic = any(base.rsplit(".", 1)[-1] == "BaseSettings" for base in index.base_names(cls_symbol))
        confidence = Confidence.LOW if pydantic or found.confidence is Confidence.LOW else Confidence.MEDIUM
        return Flag(found.value, found.source or f"the default of the setting `{name}`", confidence)
    if (owner.dotted or "").rsplit(".", 1)[-1] in ("settings", "config", "conf"):
        return _project_setting(index, name, depth)
    return None


def _settings_class(index: ProjectIndex, mod: ModuleSummary, owner: Expr) -> Symbol | None:
    """The class whose attributes `owner.X` reads: a class, an instance of it, or a factory's result."""
    symbol = index.resolve(mod, owner.func if owner.kind == "call" else owner)
    return symbol if symbol is not None and symbol.cls is not None else index.instance_class(symbol)


def _project_setting(index: ProjectIndex, name: str, depth: int) -> Flag | None:
    """A setting by name in production settings: module constants, config classes, `app.config[...] = ...`.

    False only when every production assignment found says False; any True (or unreadable)
    assignment means the deployment chooses.
    """
    found: list[Flag] = []
    for mod in index:
        if local_file(mod.path) or (mod.words and not mod.mentions(name.lower())):
            continue
        # Constants at module level and in config classes; `app.config["X"] = ...` anywhere.
        scopes = [stmt for stmt in mod.top_level()]
        scopes += [stmt for cls in mod.classes() for stmt in cls.body]
        scopes += [stmt for fn in mod.functions() for stmt in walk_stmts(fn.body)
                   if any(t.kind == "subscript" for t in stmt.targets)]
        for stmt in scopes:
            if stmt.kind not in ("assign", "annassign") or stmt.value is None:
                continue
            if not any(_names_setting(index, mod, t, name) for t in stmt.targets):
                continue
            if local_class(enclosing_classes(index, mod.path, stmt.line)):
                continue
            value = flag_value(index, mod, None, stmt.value, depth + 1)
            if value is None:
                return None
            found.append(value)
    if not found or any(f.value for f in found):
        return None
    low = any(f.confidence is Confidence.LOW for f in found)
    source = next((f.source for f in found if f.source), f"the setting `{name}`")
    return Flag(False, source, Confidence.LOW if low else Confidence.MEDIUM)


def _names_setting(index: ProjectIndex, mod: ModuleSummary, target: Expr, name: str) -> bool:
    if target.kind == "name":
        return target.text == name
    if target.kind == "subscript" and len(target.args) == 2 and target.args[0].kind == "attr":
        return target.args[0].text == "config" and index.const_str(mod, target.args[1]) == name
    return False


__all__ = ["Flag", "flag_value"]
