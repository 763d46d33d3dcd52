"""What the app reads from its environment when it starts: environment variables with a default
(`os.getenv`, `os.environ.get`, django-environ, python-decouple), configuration libraries read by
an environment-style key, settings a project registers with a default in its own registry
(`SETTING = namespace.add_setting(default=...)`, read as `SETTING.value`), and Django's
`settings.X`. A default counts as the value, marked `from_env`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from apilint.lazy_regex import lazy_compile
from apilint.summary import Expr, ModuleSummary
from apilint.values import classes, names
from apilint.values.ops import FAILED, cast_value
from apilint.values.scope import Scope, is_local
from apilint.values.types import Value, opaque

if TYPE_CHECKING:
    from apilint.values.evaluator import Evaluator

_ENV_FUNCS: Final = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "getenv", "environ.get",
                               "decouple.config", "config", "env", "get_env", "getenv_bool", "os.environ.pop"})
_ENV_CASTS: Final = frozenset({"bool", "int", "str", "list", "float", "tuple", "json", "dict", "get_value",
                               "url", "db", "path"})
_ENV_KEY: Final = lazy_compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")
"""An environment-variable-like key (`API_PREFIX`, `DATA_ROUTE`): at least one underscore."""


def env_call(ev: Evaluator, mod: ModuleSummary, call: Expr, scope: Scope | None, depth: int) -> Value | None:
    """`os.getenv("X", d)`, `env.bool("X", default=d)`, `config("X", default=d, cast=bool)`."""
    func = call.func
    dotted = func.dotted or ""
    if is_local(scope, dotted):
        return None
    qualified = names.qualify_name(ev, mod, dotted, scope) if dotted else dotted
    cast = ""
    env_instance: Expr | None = None
    if func.kind == "attr" and func.text in _ENV_CASTS and func.args[0].kind == "name":
        owner = _env_instance(ev, mod, func.args[0])
        if owner is None and func.args[0].text not in ("env", "environ") and \
                not _setting_lookup(ev, call, qualified):
            return None
        env_instance = owner
        cast = func.text
    elif qualified in _ENV_FUNCS or (dotted in _ENV_FUNCS and ev.index.lookup(qualified) is None):
        env_instance = _env_instance(ev, mod, func) if func.kind == "name" else None
    elif func.kind == "name":
        env_instance = _env_instance(ev, mod, func)
        if env_instance is None:
            return None
    elif not _setting_lookup(ev, call, qualified):
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
        # An unset variable reads as None, as the app sees it when nothing is configured.
        return Value((None,), True)
    value = ev.sub(mod, default, scope, depth)
    if not value.known:
        return Value(value.options, True)
    cast_expr = call.kwarg("cast")
    if cast_expr is not None:
        cast = cast_expr.dotted or ("list" if cast_expr.kind == "call" and
                                    (cast_expr.func.dotted or "").endswith("Csv") else "")
    casted = cast_value(value.first, cast)
    return Value((value.first if casted is FAILED else casted,), True)


def _setting_lookup(ev: Evaluator, call: Expr, qualified: str) -> bool:
    """`confi.str("DATA_ROUTE", "/data")`, `cfg.get("API_PREFIX", "/api")`: a configuration
    library outside the project read by an environment-style key with a default."""
    if call.func.kind != "attr" or ev.index.lookup(qualified) is not None:
        return False
    first = call.positional[0] if call.positional else None
    has_default = len(call.positional) >= 2 or call.kwarg("default") is not None
    return (first is not None and first.kind == "str" and has_default
            and _ENV_KEY.match(first.text) is not None)


def registry_setting(ev: Evaluator, mod: ModuleSummary, owner: Expr, scope: Scope | None, depth: int) -> Value | None:
    """`SETTING.value`, where `SETTING = namespace.add_setting(default=D, ...)` registers a setting in
    the project's own settings registry: its default D, marked `from_env` (an installation may
    configure another value)."""
    if owner.kind != "name" or (scope is not None and scope.binds(owner.text)):
        return None
    symbol = ev.index.resolve(mod, owner)
    value = symbol.value if symbol is not None else None
    if value is None or value.kind != "call" or symbol is None:
        return None
    callee = (value.func.dotted or "").rsplit(".", 1)[-1].lower()
    default = value.kwarg("default")
    if "setting" not in callee or default is None:
        return None
    found = ev.sub(symbol.module, default, None, depth)
    return Value(found.options, True)


def _env_instance(ev: Evaluator, mod: ModuleSummary, name: Expr) -> Expr | None:
    """The `environ.Env(...)` call a name is bound to, if it is one."""
    symbol = ev.index.resolve(mod, name)
    if symbol is None or symbol.value is None or symbol.value.kind != "call":
        return None
    callee = ev.index.qualify_expr(symbol.module, symbol.value.func) or ""
    if callee in ("environ.Env", "environ.environ.Env") or callee.endswith(".Env"):
        return symbol.value
    return None


def django_setting(ev: Evaluator, mod: ModuleSummary, expr: Expr, name: str, depth: int) -> Value:
    """`settings.X` of `django.conf`: the project's settings modules, read literally."""
    head, _, rest = name.partition(".")
    # Deferred import: the Django settings reader evaluates with this evaluator.
    from apilint.frameworks.django_settings import project_settings, settings_for

    settings = settings_for(ev.index, ev.django_project_name) if ev.django_project_name else \
        project_settings(ev.index)
    value = settings.value(head) if settings.module is not None else None
    if value is None:
        return opaque(mod, expr, f"setting {head} is not assigned in the project's settings")
    if rest:
        return classes.member_value(ev, value, rest, mod, expr, depth)
    return value
