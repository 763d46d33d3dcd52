"""Flask app config as the app loads it, read back where registration code uses it.

`app.config.from_object(Config)` (a class, an instance, a module, or its dotted path as a
string), `app.config.update(KEY=...)`, `app.config.from_mapping({...})` and
`app.config["KEY"] = ...` are recorded per app in the order the code runs them; a later source
wins, as in Flask. Files and the environment (`from_pyfile`, `from_envvar`, `from_file`,
`from_prefixed_env`) and objects chosen at run time (`from_object(get_config(name))`) cannot be
read: the value is taken from the sources before them and marked `from_env` (a deployment may
override it), the way environment defaults are.

A path written with `app.config["API_PREFIX"]` or `app.config.get("API_PREFIX", "/api")` is
then evaluated with that value in place (`substitute`); what no readable source sets stays
`{?app.config['API_PREFIX']}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apilint.frameworks.common import dotted_expr
from apilint.project import ProjectIndex, Symbol
from apilint.summary import Expr, Keyword, ModuleSummary
from apilint.values import Instance, Ref, Scope, Value

AppOf = Callable[[Expr], "str | None"]
"""The key of the app an expression names (`app`, `self.app`), else None."""

_LOADERS = frozenset({"from_object", "update", "from_mapping"})
_UNREADABLE = frozenset({"from_pyfile", "from_envvar", "from_file", "from_prefixed_env"})


@dataclass(frozen=True)
class _Source:
    mod: ModuleSummary
    expr: Expr | None
    """The object loaded (`from_object`), or the value of `key`; None for a file or the environment."""
    scope: Scope | None
    key: str = ""
    """For one item (`app.config["KEY"] = value`, `update(KEY=value)`): its key."""


class AppConfig:
    """The config sources of every app, and their values for one key."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._sources: dict[str, list[_Source]] = {}

    # --- recording ---------------------------------------------------------------------
    def call(self, mod: ModuleSummary, call: Expr, scope: Scope | None, app_of: AppOf) -> bool:
        """Record `app.config.from_object(X)` and kin; True when the call loaded config."""
        func = call.func
        if func.kind != "attr" or func.text not in _LOADERS | _UNREADABLE:
            return False
        owner = func.args[0]
        if owner.kind != "attr" or owner.text != "config":
            return False
        app = app_of(owner.args[0])
        if app is None:
            return False
        sources = self._sources.setdefault(app, [])
        if func.text in _UNREADABLE:
            sources.append(_Source(mod, None, scope))
        elif func.text == "from_object":
            sources.append(_Source(mod, call.arg(0, "obj"), scope))
        else:
            first = call.positional[0] if call.positional else None
            if first is not None and first.kind == "dict":
                for key, value in zip(first.args[::2], first.args[1::2], strict=False):
                    name = self.index.values.string(mod, key, scope)
                    sources.append(_Source(mod, value, scope, name) if name else _Source(mod, None, scope))
            elif first is not None:
                sources.append(_Source(mod, None, scope))  # a mapping built elsewhere
            sources += [_Source(mod, kw.value, scope, kw.name) for kw in call.keywords if kw.name is not None]
        return True

    def item(self, mod: ModuleSummary, target: Expr, value: Expr, scope: Scope | None, app_of: AppOf) -> None:
        """Record `app.config["KEY"] = value`."""
        if target.kind != "subscript" or len(target.args) != 2 or target.args[0].kind != "attr" \
                or target.args[0].text != "config":
            return
        app = app_of(target.args[0].args[0])
        key = self.index.values.string(mod, target.args[1], scope)
        if app is not None and key:
            self._sources.setdefault(app, []).append(_Source(mod, value, scope, key))

    # --- reading -----------------------------------------------------------------------
    def value(self, app: str, key: str) -> Value | None:
        """The value the app's config holds for `key` once every recorded source is loaded, or
        None when no source that can be read sets it."""
        from_env = False
        for source in reversed(self._sources.get(app, [])):
            if source.expr is None:
                from_env = True
                continue
            if source.key:
                if source.key == key:
                    found = self.index.values.value(source.mod, source.expr, source.scope)
                    return Value(found.options, found.from_env or from_env)
                continue
            attribute = self._attribute(source, key)
            if attribute is False:  # an object chosen at run time (the deployment's config) may override it
                from_env = True
                continue
            if isinstance(attribute, Value):
                return Value(attribute.options, attribute.from_env or from_env)
        return None

    def _attribute(self, source: _Source, key: str) -> Value | bool | None:
        """The object's `key` attribute; None when it has none, False when the object is unreadable."""
        assert source.expr is not None
        loaded = self.index.values.value(source.mod, source.expr, source.scope).first
        symbol: Symbol | None = None
        if isinstance(loaded, str):
            symbol = self.index.lookup(loaded)
            module = self.index.module(loaded) if symbol is None else None
            if module is not None:
                if key not in self.index.definitions(module):
                    return None
                return self.index.values.value(module, Expr("name", key))
        elif isinstance(loaded, Ref):
            symbol = loaded.symbol
        elif isinstance(loaded, Instance):
            symbol = loaded.cls
        if symbol is None or symbol.cls is None:
            return False
        for owner in (symbol, *(self.index.lookup(b) for b in self.index.base_names(symbol))):
            if owner is None or owner.cls is None or owner.cls.attribute(key) is None:
                continue
            return self.index.values.value(owner.module, Expr("attr", key, (dotted_expr(owner.cls.qualname),)))
        return None

    def substitute(self, mod: ModuleSummary, expr: Expr, scope: Scope | None,
                   app_of: AppOf) -> tuple[Expr, Scope | None]:
        """`expr` with each `app.config["KEY"]` / `app.config.get("KEY", default)` whose value is
        known replaced by a name bound to that value in the returned scope."""
        if not self._sources:
            return expr, scope
        bound: dict[str, Value] = {}
        rewritten = self._rewrite(mod, expr, scope, app_of, bound, 0)
        if not bound:
            return expr, scope
        return rewritten, scope.child(bound) if scope is not None else Scope(mod, None, bound)

    def _rewrite(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, app_of: AppOf,
                 bound: dict[str, Value], depth: int) -> Expr:
        if depth > 12:
            return expr
        found = self._read(mod, expr, scope, app_of)
        if found is not None:
            name = f"__apilint_config_{len(bound)}"
            bound[name] = found
            return Expr("name", name, line=expr.line)
        if not expr.args and not expr.keywords:
            return expr
        args = tuple(self._rewrite(mod, a, scope, app_of, bound, depth + 1) for a in expr.args)
        keywords = tuple(Keyword(k.name, self._rewrite(mod, k.value, scope, app_of, bound, depth + 1))
                         for k in expr.keywords)
        return expr._replace(args=args, keywords=keywords)

    def _read(self, mod: ModuleSummary, expr: Expr, scope: Scope | None, app_of: AppOf) -> Value | None:
        """The known value of one `app.config[...]` / `app.config.get(...)` expression, else None."""
        if expr.kind == "subscript" and len(expr.args) == 2:
            config, key_expr, default = expr.args[0], expr.args[1], None
        elif expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "get" and expr.positional:
            config, key_expr = expr.func.args[0], expr.positional[0]
            default = expr.positional[1] if len(expr.positional) > 1 else Expr("const", "None")
        else:
            return None
        if config.kind != "attr" or config.text != "config":
            return None
        app = app_of(config.args[0])
        key = self.index.values.string(mod, key_expr, scope) if app is not None else None
        if app is None or not key:
            return None
        value = self.value(app, key)
        if value is None and default is not None:
            value = self.index.values.value(mod, default, scope)
            if self._overridable(app):
                value = Value(value.options, True)
        return value if value is not None and value.known else None

    def _overridable(self, app: str) -> bool:
        """True when the app also loads config apilint cannot read (a file, the environment, an
        object chosen at run time), which may set any key."""
        return any(s.expr is None or (not s.key and self._attribute(s, "\0") is False)
                   for s in self._sources.get(app, []))


__all__ = ["AppConfig"]
