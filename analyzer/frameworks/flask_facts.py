"""Flask app-level facts: DEBUG, MAX_CONTENT_LENGTH, flask-cors policies and flask-limiter.

flask-cors precedence (as the library applies it): a resource's own options, then the
keyword arguments of `CORS(...)`/`init_app(...)`, then `CORS_*` app config, then defaults
(origins `*`, no credentials).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apilint.frameworks.base import LinkOutput
from apilint.model import AuthStatus, CorsPolicy, Evidence, Location, SettingFact
from apilint.project import ProjectIndex
from apilint.summary import Expr, ModuleSummary, Stmt, walk_stmts

AppOf = Callable[[Expr], "str | None"]
COOKIE_KEYS = ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "REMEMBER_COOKIE_SECURE",
               "REMEMBER_COOKIE_HTTPONLY")
"""Cookie flags published as settings facts wherever they are assigned (app config, config classes)."""
CONFIG_KEYS = ("MAX_CONTENT_LENGTH", "CORS_ORIGINS", "CORS_SUPPORTS_CREDENTIALS", *COOKIE_KEYS)
_REGEX_CHARS = set("*\\]?$^[]()")


@dataclass
class _PendingCors:
    mod: ModuleSummary
    kwargs: dict[str, Expr]
    location: Location


class FlaskFacts:
    """Collects facts while the linker scans, and project-wide ones at the end."""

    def __init__(self, index: ProjectIndex, out: LinkOutput) -> None:
        self.index = index
        self.out = out
        self._cors: list[_PendingCors] = []
        self._config: dict[str, tuple[ModuleSummary, Expr, Location]] = {}

    # --- while scanning ----------------------------------------------------------------
    def assignment(self, mod: ModuleSummary, stmt: Stmt, app_of: AppOf) -> None:
        """`app.config["DEBUG"] = True`, `app.debug = True`."""
        target, value = stmt.targets[0], stmt.value
        if value is None:
            return
        loc = Location(mod.path, stmt.line)
        if target.kind == "attr" and target.text == "debug" and app_of(target.args[0]) is not None:
            self._setting("DEBUG", mod, value, loc)
        elif target.kind == "subscript" and len(target.args) == 2 and target.args[0].kind == "attr" \
                and target.args[0].text == "config":
            key = self.index.const_str(mod, target.args[1])
            if key == "DEBUG" and app_of(target.args[0].args[0]) is not None:
                self._setting(key, mod, value, loc)
            elif key in CONFIG_KEYS:
                self._config_value(key, mod, value, loc)

    def call(self, mod: ModuleSummary, call: Expr, line: int, app_of: AppOf) -> None:
        """`app.run(debug=True)`, `app.config.update(...)`, `CORS(app)`, `Limiter(...)`."""
        loc = Location(mod.path, line)
        func = call.func
        callee = self.index.qualify_expr(mod, func) or ""
        if callee in ("flask_cors.CORS", "flask_cors.extension.CORS"):
            if call.positional or call.kwarg("app") is not None:
                self._cors.append(_PendingCors(mod, _kwargs(call), loc))
            return
        if callee in ("flask_limiter.Limiter", "flask_limiter.extension.Limiter"):
            limits = call.kwarg("default_limits") or call.kwarg("application_limits")
            detail = f"default_limits={limits.render(60)}" if limits is not None else "no default limits"
            self.out.rate_limiters.append(Evidence("rate_limiter", "flask_limiter.Limiter", AuthStatus.REQUIRED,
                                                   detail, loc))
            return
        if func.kind != "attr":
            return
        owner = func.args[0]
        if func.text == "init_app" and self._cors_instance(mod, owner) is not None:
            ctor = self._cors_instance(mod, owner)
            assert ctor is not None
            merged = _kwargs(ctor[1])
            merged.update(_kwargs(call))
            self._cors.append(_PendingCors(mod, merged, loc))
        elif func.text == "run" and app_of(owner) is not None:
            debug = call.kwarg("debug")
            if debug is not None:
                self._setting("DEBUG", mod, debug, loc)
        elif func.text in ("update", "from_mapping") and owner.kind == "attr" and owner.text == "config":
            items = list(_kwargs(call).items())
            if call.positional and call.positional[0].kind == "dict":
                pairs = call.positional[0].args
                items += [(self.index.const_str(mod, k) or "", v) for k, v in zip(pairs[::2], pairs[1::2],
                                                                                  strict=False)]
            is_app = app_of(owner.args[0]) is not None
            for key, value in items:
                if key == "DEBUG" and is_app:
                    self._setting(key, mod, value, loc)
                elif key in CONFIG_KEYS:
                    self._config_value(key, mod, value, loc)

    def _cors_instance(self, mod: ModuleSummary, expr: Expr) -> tuple[ModuleSummary, Expr] | None:
        symbol = self.index.resolve(mod, expr) if expr.kind in ("name", "attr") else None
        if symbol is None or symbol.value is None or symbol.value.kind != "call":
            return None
        callee = self.index.qualify_expr(symbol.module, symbol.value.func) or ""
        return (symbol.module, symbol.value) if callee.startswith("flask_cors.") else None

    def _setting(self, name: str, mod: ModuleSummary, value: Expr, loc: Location) -> None:
        text, from_env = self._render(mod, value)
        self.out.settings.append(SettingFact(name, text, loc, "flask", from_env))

    def _config_value(self, key: str, mod: ModuleSummary, value: Expr, loc: Location) -> None:
        self._config[key] = (mod, value, loc)
        if key == "MAX_CONTENT_LENGTH" or key in COOKIE_KEYS:
            self._setting(key, mod, value, loc)

    def _render(self, mod: ModuleSummary, value: Expr) -> tuple[str, bool]:
        if value.kind == "call":
            callee = self.index.qualify_expr(mod, value.func) or ""
            if callee in ("os.getenv", "os.environ.get") and len(value.positional) >= 2:
                return self._render(mod, value.positional[1])[0], True
            if callee in ("os.getenv", "os.environ.get"):
                return "None", True
            return "<unknown>", False
        resolved = self._value(mod, value)
        if resolved is None:
            return "<unknown>", False
        if resolved.kind in ("name", "attr", "call"):
            return "<unknown>", False
        return resolved.render(60), False

    def _value(self, mod: ModuleSummary, expr: Expr | None) -> Expr | None:
        """`const_value`, also through `settings.FIELD` where `settings = Settings()`."""
        value = self.index.const_value(mod, expr)
        if value is not None or expr is None or expr.kind != "attr":
            return value
        owner = self.index.resolve(mod, expr.args[0])
        if owner is not None and owner.value is not None and owner.value.kind == "call":
            owner = self.index.resolve(owner.module, owner.value.func)
        if owner is None or owner.cls is None:
            return None
        field = owner.cls.attribute(expr.text)
        return self.index.const_value(owner.module, field) if field is not None else None

    # --- at the end ------------------------------------------------------------------
    def project_wide(self) -> None:
        """Config classes/modules that set MAX_CONTENT_LENGTH or CORS_*, `@cross_origin`, pending CORS."""
        for mod in self.index:
            for stmt in walk_stmts(mod.body, into_defs=True):
                if stmt.kind in ("assign", "annassign") and stmt.value is not None:
                    for target in stmt.targets:
                        if target.kind == "name" and target.text in CONFIG_KEYS:
                            self._config_value(target.text, mod, stmt.value, Location(mod.path, stmt.line))
                if stmt.func is not None:
                    for dec in stmt.func.decorators:
                        call = dec.expr
                        target = call.func if call.kind == "call" else call
                        if self.index.qualify_expr(mod, target) in ("flask_cors.cross_origin",
                                                                   "flask_cors.decorator.cross_origin"):
                            kwargs = _kwargs(call) if call.kind == "call" else {}
                            self._policies(mod, kwargs, Location(mod.path, dec.line))
        for pending in self._cors:
            self._policies(pending.mod, pending.kwargs, pending.location)

    def app(self, key: str, location: Location) -> None:
        """Per Flask app: MAX_CONTENT_LENGTH is unlimited when the project never sets it."""
        del key
        if "MAX_CONTENT_LENGTH" not in self._config:
            self.out.settings.append(SettingFact("MAX_CONTENT_LENGTH", "None", location, "flask"))

    def _policies(self, mod: ModuleSummary, kwargs: dict[str, Expr], loc: Location) -> None:
        resources = self._value(mod, kwargs.get("resources"))
        if resources is not None and resources.kind == "dict":
            for value in resources.args[1::2]:
                options = self._value(mod, value)
                own: dict[str, Expr] = {}
                if options is not None and options.kind == "dict":
                    own = {self.index.const_str(mod, k) or "": v for k, v in zip(options.args[::2],
                                                                                 options.args[1::2], strict=False)}
                merged = dict(kwargs)
                merged.update(own)
                self.out.cors.append(self._policy(mod, merged, loc))
            return
        self.out.cors.append(self._policy(mod, kwargs, loc))

    def _policy(self, mod: ModuleSummary, options: dict[str, Expr], loc: Location) -> CorsPolicy:
        origins_expr: Expr | None = options.get("origins")
        origins_mod = mod
        if origins_expr is None and "CORS_ORIGINS" in self._config:
            origins_mod, origins_expr, _ = self._config["CORS_ORIGINS"]
        resolved = True
        origins: list[str] = []
        if origins_expr is None:
            origins = ["*"]
        else:
            value = self._value(origins_mod, origins_expr)
            items = value.args if value is not None and value.kind in ("list", "tuple", "set") else (
                (value,) if value is not None else ())
            if not items:
                resolved = False
            for item in items:
                text = self.index.const_str(origins_mod, item)
                if text is None:
                    resolved = False
                else:
                    origins.append(text)
        literal = [o for o in origins if o == "*" or not set(o) & _REGEX_CHARS]
        regexes = [o for o in origins if o not in literal]
        creds_expr = options.get("supports_credentials")
        creds_mod = mod
        if creds_expr is None and "CORS_SUPPORTS_CREDENTIALS" in self._config:
            creds_mod, creds_expr, _ = self._config["CORS_SUPPORTS_CREDENTIALS"]
        creds: bool | None = False
        if creds_expr is not None:
            value = self._value(creds_mod, creds_expr)
            creds = None if value is None or value.kind != "const" else value.is_true
        return CorsPolicy("flask-cors", loc, tuple(literal), "|".join(regexes) or None, False, creds, resolved)


def _kwargs(call: Expr) -> dict[str, Expr]:
    return {kw.name: kw.value for kw in call.keywords if kw.name is not None}


__all__ = ["FlaskFacts"]
