"""Evaluate Django settings expressions to Python literals, environment defaults included.

Settings are often read from the environment (`os.getenv("DEBUG", "False") == "True"`,
django-environ `env.bool("DEBUG", default=False)`, python-decouple
`config("DEBUG", default=False, cast=bool)`). apilint never runs code: such a lookup counts
as its literal default, and the result says so (`from_env`).
"""

from __future__ import annotations

import itertools
import json
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from apilint.project import ProjectIndex
from apilint.summary import Expr, ModuleSummary


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""The value of an expression apilint cannot read."""

_ENV_FUNCS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "getenv",
                        "environ.get", "decouple.config", "config", "env", "get_env", "getenv_bool"})
_ENV_CASTS = frozenset({"bool", "int", "str", "list", "float", "tuple", "json", "dict", "get_value",
                        "url", "db", "path"})
_TRUE_WORDS = frozenset({"true", "1", "yes", "on", "y", "t"})


@dataclass(frozen=True, slots=True)
class Lit:
    """An evaluated value; `from_env` when an environment default took part."""

    value: Any
    from_env: bool = False

    @property
    def known(self) -> bool:
        """False when the value could not be read."""
        return self.value is not UNKNOWN


NameLookup = Callable[[str], "Lit | None"]


class LiteralEvaluator:
    """Evaluates settings expressions of one project."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    def eval(self, mod: ModuleSummary, expr: Expr | None, names: NameLookup | None = None,
             depth: int = 0) -> Lit:
        """The literal value of `expr` written in `mod`; `names` resolves other settings."""
        if expr is None or depth > 12:
            return Lit(UNKNOWN)
        def ev(e: Expr) -> Lit:
            return self.eval(mod, e, names, depth + 1)

        kind = expr.kind
        if kind == "const":
            return Lit({"True": True, "False": False, "None": None}.get(expr.text, UNKNOWN))
        if kind == "num":
            try:
                return Lit(int(expr.text.replace("_", ""), 0))
            except ValueError:
                try:
                    return Lit(float(expr.text))
                except ValueError:
                    return Lit(UNKNOWN)
        if kind == "str":
            return Lit(expr.text)
        if kind in ("list", "tuple", "set"):
            items = [ev(e) for e in expr.args if e.kind != "starred"]
            if len(items) != len(expr.args) or not all(i.known for i in items):
                return Lit(UNKNOWN, any(i.from_env for i in items))
            return Lit([i.value for i in items], any(i.from_env for i in items))
        if kind == "dict":
            return self._dict(expr, ev)
        if kind in ("name", "attr"):
            return self._name(mod, expr, names, depth)
        if kind == "unary":
            inner = ev(expr.args[0])
            if not inner.known:
                return inner
            if expr.text == "not":
                return Lit(not inner.value, inner.from_env)
            if expr.text == "-" and isinstance(inner.value, int | float):
                return Lit(-inner.value, inner.from_env)
            return Lit(UNKNOWN)
        if kind == "binop":
            return self._binop(expr, ev)
        if kind == "boolop":
            return self._boolop(expr, ev)
        if kind == "compare":
            return self._compare(expr, ev)
        if kind == "call":
            return self._call(mod, expr, ev)
        if kind == "ifexp":
            test = ev(expr.args[0])
            if not test.known:
                return Lit(UNKNOWN, test.from_env)
            chosen = ev(expr.args[1] if test.value else expr.args[2])
            return Lit(chosen.value, chosen.from_env or test.from_env)
        return Lit(UNKNOWN)

    # --- pieces -------------------------------------------------------------------
    def _dict(self, expr: Expr, ev: Callable[[Expr], Lit]) -> Lit:
        out: dict[str, Any] = {}
        env = False
        for key, value in zip(expr.args[::2], expr.args[1::2], strict=False):
            if key.kind != "str":
                return Lit(UNKNOWN)
            item = ev(value)
            env = env or item.from_env
            out[key.text] = item.value
        return Lit(out, env)

    def _name(self, mod: ModuleSummary, expr: Expr, names: NameLookup | None, depth: int) -> Lit:
        if expr.kind == "name" and names is not None:
            found = names(expr.text)
            if found is not None:
                return found
        symbol = self.index.resolve(mod, expr)
        if symbol is not None and symbol.value is not None:
            return self.eval(symbol.module, symbol.value, None, depth + 1)
        return Lit(UNKNOWN)

    def _binop(self, expr: Expr, ev: Callable[[Expr], Lit]) -> Lit:
        left, right = ev(expr.args[0]), ev(expr.args[1])
        env = left.from_env or right.from_env
        if not (left.known and right.known):
            return Lit(UNKNOWN, env)
        a, b = left.value, right.value
        try:
            if expr.text == "+":
                if isinstance(a, list) and isinstance(b, list):
                    return Lit(a + b, env)
                if isinstance(a, str) and isinstance(b, str):
                    return Lit(a + b, env)
                if isinstance(a, int) and isinstance(b, int):
                    return Lit(a + b, env)
            if expr.text in ("*", "-", "//", "**") and isinstance(a, int) and isinstance(b, int):
                ops: dict[str, Callable[[int, int], int]] = {
                    "*": lambda x, y: x * y, "-": lambda x, y: x - y,
                    "//": lambda x, y: x // y, "**": lambda x, y: x**y if y < 64 else 0}
                return Lit(ops[expr.text](a, b), env)
        except (TypeError, ValueError):
            pass
        return Lit(UNKNOWN, env)

    def _boolop(self, expr: Expr, ev: Callable[[Expr], Lit]) -> Lit:
        env = False
        result: Lit = Lit(UNKNOWN)
        for operand in expr.args:
            result = ev(operand)
            env = env or result.from_env
            if not result.known:
                return Lit(UNKNOWN, env)
            if (expr.text == "or") == bool(result.value):
                return Lit(result.value, env)
        return Lit(result.value, env)

    def _compare(self, expr: Expr, ev: Callable[[Expr], Lit]) -> Lit:
        values = [ev(e) for e in expr.args]
        env = any(v.from_env for v in values)
        if not all(v.known for v in values):
            return Lit(UNKNOWN, env)
        try:
            for op, (a, b) in zip(expr.text.split(","), itertools.pairwise(values), strict=False):
                if not compare_values(op, a.value, b.value):
                    return Lit(False, env)
        except (KeyError, TypeError):
            return Lit(UNKNOWN, env)
        return Lit(True, env)

    def _call(self, mod: ModuleSummary, call: Expr, ev: Callable[[Expr], Lit]) -> Lit:
        func = call.func
        if func.kind == "attr" and func.text in ("lower", "upper", "strip", "split", "casefold"):
            target = ev(func.args[0])
            if not target.known or not isinstance(target.value, str):
                return Lit(UNKNOWN, target.from_env)
            text: str = target.value
            if func.text == "split":
                sep = call.positional[0].text if call.positional and call.positional[0].kind == "str" else None
                return Lit([p for p in text.split(sep) if p], target.from_env)
            return Lit({"lower": text.lower, "upper": text.upper, "strip": text.strip,
                        "casefold": text.casefold}[func.text](), target.from_env)
        dotted = func.dotted or ""
        if dotted in ("bool", "int", "str", "list", "tuple", "float") and len(call.positional) == 1:
            inner = ev(call.positional[0])
            return Lit(_cast(inner.value, dotted), inner.from_env) if inner.known else inner
        env_call = self._env_call(mod, call)
        if env_call is not None:
            return env_call
        return Lit(UNKNOWN)

    def _env_call(self, mod: ModuleSummary, call: Expr) -> Lit | None:
        """`os.getenv("X", d)`, `env.bool("X", default=d)`, `config("X", default=d, cast=bool)`."""
        func = call.func
        dotted = func.dotted or ""
        qualified = self.index.qualify_expr(mod, func) or dotted
        cast = ""
        env_instance: Expr | None = None
        if func.kind == "attr" and func.text in _ENV_CASTS and func.args[0].kind == "name":
            owner = self._env_instance(mod, func.args[0])
            if owner is None and func.args[0].text not in ("env", "environ"):
                return None
            env_instance = owner
            cast = func.text
        elif qualified in _ENV_FUNCS or dotted in _ENV_FUNCS:
            env_instance = self._env_instance(mod, func) if func.kind == "name" else None
        elif func.kind == "name":
            env_instance = self._env_instance(mod, func)
            if env_instance is None:
                return None
        else:
            return None
        default = call.kwarg("default")
        if default is None and len(call.positional) >= 2:
            default = call.positional[1]
        key = call.positional[0].text if call.positional and call.positional[0].kind == "str" else ""
        if default is None and env_instance is not None and key:
            scheme = env_instance.kwarg(key)  # environ.Env(DEBUG=(bool, False))
            if scheme is not None and scheme.kind == "tuple" and len(scheme.args) == 2:
                cast = cast or (scheme.args[0].dotted or "")
                default = scheme.args[1]
        if default is None:
            return Lit(UNKNOWN, True)
        value = self.eval(mod, default)
        if not value.known:
            return Lit(UNKNOWN, True)
        cast_expr = call.kwarg("cast")
        if cast_expr is not None:
            cast = cast_expr.dotted or ("list" if cast_expr.kind == "call" and
                                        (cast_expr.func.dotted or "").endswith("Csv") else "")
        return Lit(_cast(value.value, cast), True)

    def _env_instance(self, mod: ModuleSummary, name: Expr) -> Expr | None:
        """The `environ.Env(...)` call a name is bound to, if it is one."""
        symbol = self.index.resolve(mod, name)
        if symbol is None or symbol.value is None or symbol.value.kind != "call":
            return None
        callee = self.index.qualify_expr(symbol.module, symbol.value.func) or ""
        if callee in ("environ.Env", "environ.environ.Env") or callee.endswith(".Env"):
            return symbol.value
        return None


_COMPARE: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq, "!=": operator.ne, "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
    "is": operator.is_, "is not": operator.is_not,
}


def compare_values(op: str, left: Any, right: Any) -> bool:
    """Apply a comparison operator by its source text; KeyError for unsupported operators."""
    return bool(_COMPARE[op.strip()](left, right))


def _cast(value: Any, cast: str) -> Any:
    if cast == "bool" and isinstance(value, str):
        return value.strip().lower() in _TRUE_WORDS
    if cast == "bool":
        return bool(value)
    if cast == "int" and isinstance(value, str | float | bool):
        try:
            return int(value)
        except ValueError:
            return UNKNOWN
    if cast in ("list", "tuple") and isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    if cast in ("list", "tuple") and isinstance(value, list | tuple):
        return list(value)
    if cast == "str":
        return value if isinstance(value, str) else UNKNOWN
    return value


def render_value(value: Any) -> str:
    """Source-like text of an evaluated value (`True`, `5242880`, `["a", "b"]`)."""
    if value is UNKNOWN:
        return "<unknown>"
    if value is None or isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {render_value(v)}" for k, v in value.items()) + "}"
    return "<unknown>"


__all__ = ["UNKNOWN", "Lit", "LiteralEvaluator", "compare_values", "render_value"]
