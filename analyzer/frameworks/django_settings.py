"""Django settings: find the settings module, follow split settings, read values literally.

The settings module is the one `DJANGO_SETTINGS_MODULE` names in wsgi.py, asgi.py or
manage.py (production entry points first), else the likeliest `settings` module. Star
imports (`from .base import *`) are followed in statement order, so later assignments win
as they do at run time; `X += [...]`, `X.append(...)` and `X["key"] = ...` are kept too.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, Final

from apilint.frameworks.django_settings_read import ConditionalItem, SettingsReader, SettingValue
from apilint.model import AppFact, AuthStatus, CorsPolicy, Evidence, HandlerRef, Location, SettingFact
from apilint.project import ProjectIndex
from apilint.summary import Expr, ModuleSummary, walk_exprs, walk_stmts
from apilint.values import Scope, Value, is_plain, render_value


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""The value of a setting apilint cannot read."""


@dataclass(frozen=True, slots=True)
class Lit:
    """A setting's evaluated value; `from_env` when an environment default took part."""

    value: Any
    from_env: bool = False

    @property
    def known(self) -> bool:
        """False when the value could not be read."""
        return self.value is not UNKNOWN

SECURITY_SETTINGS = (
    "DEBUG", "ALLOWED_HOSTS", "SECRET_KEY", "CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL",
    "CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST", "CORS_ALLOWED_ORIGIN_REGEXES",
    "CORS_ALLOW_CREDENTIALS", "DATA_UPLOAD_MAX_MEMORY_SIZE", "FILE_UPLOAD_MAX_MEMORY_SIZE",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "MIDDLEWARE", "SESSION_COOKIE_HTTPONLY", "LOGGING",
)
REST_FRAMEWORK_KEYS = (
    "DEFAULT_PERMISSION_CLASSES", "DEFAULT_AUTHENTICATION_CLASSES", "DEFAULT_THROTTLE_CLASSES",
    "DEFAULT_THROTTLE_RATES", "DEFAULT_PAGINATION_CLASS", "PAGE_SIZE", "EXCEPTION_HANDLER",
    "DEFAULT_VERSIONING_CLASS",
)
_ENTRY_FILES = ("wsgi.py", "asgi.py", "manage.py")


class DjangoSettings(SettingsReader):
    """The settings of one Django project, read without running them."""

    def __init__(self, index: ProjectIndex, module: ModuleSummary | None) -> None:
        self.index = index
        self.module = module
        self.values: dict[str, SettingValue] = {}
        self.conditional: dict[str, list[ConditionalItem]] = {}
        """List items (`MIDDLEWARE`, `INSTALLED_APPS`...) added only under a condition, by setting."""
        self._busy: dict[str, SettingValue] = {}
        self._evaluated: dict[str, Value] = {}
        if module is not None:
            self._read(module, set())

    # --- values -----------------------------------------------------------------------
    def value(self, name: str) -> Value | None:
        """A setting's possible values (the shared evaluator's `Value`), or None when the settings
        never assign it."""
        setting = self.values.get(name)
        if setting is None:
            return None
        busy = self._busy.get(name)
        if busy is not None:
            # `X = {**X, "key": ...}`, `X = [*X, "item"]`: while its new value is computed, X is the
            # value it replaces (older assignments each time, so this ends).
            setting = busy.previous
            if setting is None:
                return None
        elif name in self._evaluated:
            return self._evaluated[name]
        self._busy[name] = setting
        try:
            result = self._combine(setting)
        finally:
            if busy is None:
                del self._busy[name]
            else:
                self._busy[name] = busy
        if busy is None:
            self._evaluated[name] = result
        return result

    def _combine(self, setting: SettingValue) -> Value:
        if len(setting.parts) == 1 and not setting.keys:
            expr, mod = setting.parts[0]
            return self._eval(mod, expr)  # every possible value, for `if SETTING:` switches
        result: Any = None
        env = False
        for i, (expr, mod) in enumerate(setting.parts):
            part = self._eval(mod, expr)
            env = env or part.from_env
            if not part.known:
                return Value(part.options[:1], env) if i == 0 else Value((UNKNOWN,), env)
            if i == 0:
                result = part.first
            elif isinstance(result, list | tuple) and isinstance(part.first, list | tuple):
                result = list(result) + list(part.first)
            else:
                return Value((UNKNOWN,), env)
        if isinstance(result, dict) and setting.keys:
            result = dict(result)
            for key, (expr, mod) in setting.keys.items():
                part = self._eval(mod, expr)
                env = env or part.from_env
                result[key] = part.first if part.known else UNKNOWN
        return Value((result,), env)

    def evaluate(self, mod: ModuleSummary, expr: Expr) -> Value:
        """An expression written in a settings module, other settings' names read as the settings say."""
        return self._eval(mod, expr)

    def _eval(self, mod: ModuleSummary, expr: Expr) -> Value:
        return self.index.values.value(mod, expr, Scope(mod, lookup=self._lookup))

    def _lookup(self, name: str) -> Value | None:
        return self.value(name) if name in self.values else None

    def lit(self, name: str) -> Lit | None:
        """The evaluated value of a setting, or None when the settings never assign it."""
        value = self.value(name)
        if value is None:
            return None if name not in self.values else Lit(UNKNOWN)
        return Lit(_literal(value.first), value.from_env)

    def location(self, name: str, key: str = "") -> Location:
        """Where a setting is (last) assigned; with `key`, where `NAME["key"] = ...` sets that key, if so."""
        value = self.values.get(name)
        if value is None:
            return Location(self.module.path if self.module else ".", 1)
        if key in value.keys:
            return Location(value.keys[key][1].path, value.key_lines[key])
        return Location(value.mod.path, value.line)

    def strings(self, name: str) -> list[str]:
        """The string items of a list setting (unreadable items skipped)."""
        lit = self.lit(name)
        if lit is not None and isinstance(lit.value, list | tuple):
            return [v for v in lit.value if isinstance(v, str)]
        value = self.values.get(name)
        out: list[str] = []
        if value is not None:
            for expr, mod in value.parts:
                for sub in expr.args if expr.kind in ("list", "tuple") else ():
                    item = self._eval(mod, sub)
                    if isinstance(item.first, str):
                        out.append(item.first)
        return out

    def listed(self, name: str) -> list[str]:
        """The string items written literally in any assignment of a list setting, for when its value
        is computed in a way apilint cannot read (`X = [a for a in X if ...]`, `X, Y = f(X, Y)`)."""
        value = self.values.get(name)
        out: list[str] = []
        while value is not None:
            for expr, _mod in value.parts:
                out += [e.text for e in expr.args if e.kind == "str"] if expr.kind in ("list", "tuple") else []
            value = value.previous
        return list(dict.fromkeys(out))

    def rest_framework(self, key: str) -> Any:
        """A `REST_FRAMEWORK` entry's value (UNKNOWN when unreadable, None when absent)."""
        value = self.value("REST_FRAMEWORK")
        if value is None:
            return None
        # One key is read on its own: other keys computed at run time do not hide a literal default.
        found = value.first
        if not isinstance(found, dict):
            return UNKNOWN
        item = found.get(key)
        return item if is_plain(item) and not _holds_unknown(item) else UNKNOWN

    @property
    def root_urlconf(self) -> str | None:
        """The ROOT_URLCONF module name, when literal."""
        lit = self.lit("ROOT_URLCONF")
        return lit.value if lit is not None and isinstance(lit.value, str) else None

    @property
    def installed_apps(self) -> list[str]:
        """INSTALLED_APPS entries that could be read."""
        return self.strings("INSTALLED_APPS")

    @property
    def middleware(self) -> list[str]:
        """MIDDLEWARE entries that could be read."""
        return self.strings("MIDDLEWARE")

    # --- facts ------------------------------------------------------------------------
    def emit(self, apps: list[AppFact], cors: list[CorsPolicy], settings: list[SettingFact],
             rate_limiters: list[Evidence], handlers: list[HandlerRef]) -> None:
        """Add the settings' facts (security settings, CORS, app, throttles, handlers)."""
        if self.module is None:
            return
        for name in SECURITY_SETTINGS:
            lit = self.lit(name)
            if lit is None:
                continue
            text = render_value(lit.value)
            if name == "SECRET_KEY":
                text = "<set>" if lit.known and lit.value else "<unknown>"
            settings.append(SettingFact(name, text, self.location(name), "django", lit.from_env))
        rest = self.lit("REST_FRAMEWORK")
        if rest is not None:
            loc = self.location("REST_FRAMEWORK")
            values = rest.value if isinstance(rest.value, dict) else {}
            for key in REST_FRAMEWORK_KEYS:
                if key in values:
                    settings.append(SettingFact(f"REST_FRAMEWORK.{key}", render_value(values[key]), loc, "drf",
                                                rest.from_env))
            throttles = values.get("DEFAULT_THROTTLE_CLASSES")
            if isinstance(throttles, list | tuple):
                for item in throttles:
                    if isinstance(item, str):
                        rate_limiters.append(Evidence("throttle", item, AuthStatus.REQUIRED,
                                                      "REST_FRAMEWORK.DEFAULT_THROTTLE_CLASSES", loc))
            handler = values.get("EXCEPTION_HANDLER")
            if isinstance(handler, str):
                symbol = self.index.lookup(handler)
                if symbol is not None and symbol.func is not None:
                    handlers.append(HandlerRef(symbol.module.path, symbol.func.qualname))
        policy = self._cors()
        if policy is not None:
            cors.append(policy)
        middleware = self.middleware
        where = self.location("MIDDLEWARE") if "MIDDLEWARE" in self.values else Location(self.module.path, 1)
        apps.append(AppFact("django", self.module.module, where, tuple(middleware)))

    def _cors(self) -> CorsPolicy | None:
        apps = self.installed_apps
        if "corsheaders" not in apps and not any(m.startswith("corsheaders.") for m in self.middleware):
            return None
        origins: tuple[str, ...] = ()
        resolved = True
        anchor = "INSTALLED_APPS"
        for name in ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"):
            lit = self.lit(name)
            if lit is not None:
                if lit.value is True:
                    origins, anchor = ("*",), name
                elif not lit.known:
                    resolved, anchor = False, name
        if origins != ("*",):
            for name in ("CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST"):
                lit = self.lit(name)
                if lit is None:
                    continue
                anchor = name
                if isinstance(lit.value, list | tuple):
                    origins = tuple(str(v) for v in lit.value)
                else:
                    resolved = False
        regex: str | None = None
        regexes = self.lit("CORS_ALLOWED_ORIGIN_REGEXES")
        if regexes is not None:
            if isinstance(regexes.value, list | tuple) and regexes.value:
                regex = "|".join(str(v) for v in regexes.value)
                anchor = anchor if origins else "CORS_ALLOWED_ORIGIN_REGEXES"
            elif not regexes.known:
                resolved = False
        creds_lit = self.lit("CORS_ALLOW_CREDENTIALS")
        creds: bool | None = False
        if creds_lit is not None:
            creds = creds_lit.value if isinstance(creds_lit.value, bool) else None
        return CorsPolicy("django-cors-headers", self.location(anchor), origins, regex, False, creds, resolved)


def _literal(value: Any, depth: int = 0) -> Any:
    """A setting's value as plain data: a dict keeps its readable entries (an unreadable one becomes
    UNKNOWN), a list or tuple with an unreadable item is UNKNOWN as a whole."""
    if depth > 8 or value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _literal(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [_literal(v, depth + 1) for v in value]
        return UNKNOWN if any(i is UNKNOWN or _holds_unknown(i) for i in items) else type(value)(items)
    return value if is_plain(value) else UNKNOWN


def _holds_unknown(value: Any, depth: int = 0) -> bool:
    if value is UNKNOWN:
        return True
    if depth > 6:
        return False
    if isinstance(value, list | tuple):
        return any(_holds_unknown(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(_holds_unknown(v, depth + 1) for v in value.values())
    return False


def find_settings_module(index: ProjectIndex) -> ModuleSummary | None:
    """The main project's settings module: the one DJANGO_SETTINGS_MODULE names, else the likeliest
    settings module.

    With several projects in one tree, the main one is the project the shallowest `manage.py` runs;
    its production entry point (wsgi.py, asgi.py) names the module read when it names one of the
    same project (the same ROOT_URLCONF, or a sibling module of the same settings package), so
    `config.settings.production` is read rather than the `config.settings.local` that manage.py
    names for development.
    """
    entries = _entry_settings(index)
    manage = sorted((path.count("/"), path, mod) for _rank, path, mod in entries if path.endswith("manage.py"))
    if manage and len({mod.path for _rank, _path, mod in entries}) > 1:
        run = manage[0][2]
        root = DjangoSettings(index, run).root_urlconf
        package = run.module.rpartition(".")[0]
        for _rank, _path, mod in entries:
            if mod.path == run.path or (package and mod.module.rpartition(".")[0] == package) or (
                    root is not None and DjangoSettings(index, mod).root_urlconf == root):
                return mod
    if entries:
        return entries[0][2]
    candidates = []
    for mod in index:
        parts = mod.module.split(".")
        if "settings" not in parts[-2:] and not parts[-1].endswith("settings") and not parts[-1].startswith(
                "settings_"):
            continue
        assigned = {t.text for s in walk_stmts(mod.body) if s.kind == "assign" for t in s.targets if t.kind == "name"}
        stars = any(imp.star for imp in mod.imports)
        if not ({"ROOT_URLCONF", "INSTALLED_APPS", "MIDDLEWARE"} & assigned or stars):
            continue
        candidates.append((*_leaf_rank(mod), mod))
    if candidates:
        return min(candidates, key=lambda c: c[:3])[3]
    return None


def named_settings_modules(index: ProjectIndex) -> list[tuple[int, str, ModuleSummary]]:
    """The settings modules DJANGO_SETTINGS_MODULE names in wsgi.py, asgi.py or manage.py (production
    entry points first, then by path), each once, as (entry rank, entry file, module); only modules
    that (or whose star imports) assign a core setting."""
    seen: set[str] = set()
    out: list[tuple[int, str, ModuleSummary]] = []
    for rank, path, mod in _entry_settings(index):
        if mod.path not in seen:
            seen.add(mod.path)
            out.append((rank, path, mod))
    return out


def _entry_settings(index: ProjectIndex) -> list[tuple[int, str, ModuleSummary]]:
    """Every (entry rank, entry file, settings module) an entry file names, in that order."""
    named: list[tuple[int, str, str]] = []
    for mod in index:
        base = mod.path.rsplit("/", 1)[-1]
        if base not in _ENTRY_FILES:
            continue
        for _stmt, expr in walk_exprs(mod.body, into_defs=True):
            if expr.kind != "call" or len(expr.positional) < 2:
                continue
            key, value = expr.positional[0], expr.positional[1]
            if key.kind == "str" and key.text == "DJANGO_SETTINGS_MODULE" and value.kind == "str":
                named.append((_ENTRY_FILES.index(base), mod.path, value.text))
    out: list[tuple[int, str, ModuleSummary]] = []
    for rank, path, dotted in sorted(named):
        found = index.module(dotted)
        # wsgi.py may name a package whose __init__ is empty while manage.py names the real one
        if found is not None and _defines_settings(index, found, set()):
            out.append((rank, path, found))
    return out


def _leaf_rank(mod: ModuleSummary) -> tuple[int, int, str]:
    """How likely a settings module is the one served: production first, development and tests last."""
    leaf = mod.module.rsplit(".", 1)[-1]
    rank = {"production": 0, "prod": 0, "settings": 1, "__init__": 1, "base": 2, "common": 2}.get(leaf, 3)
    if any(word in leaf for word in ("test", "dev", "local", "ci")):
        rank = 4  # `settings_test.py`, `settings/dev.py`: the last resort
    if mod.is_package:
        rank = 1
    return rank, mod.path.count("/"), mod.path


_CORE_SETTINGS = frozenset({"ROOT_URLCONF", "INSTALLED_APPS", "MIDDLEWARE", "REST_FRAMEWORK", "DATABASES",
                            "SECRET_KEY"})


def _defines_settings(index: ProjectIndex, mod: ModuleSummary, seen: set[str]) -> bool:
    """True when the module (or what it star-imports) assigns a core Django setting."""
    if mod.path in seen or len(seen) > 20:
        return False
    seen.add(mod.path)
    for stmt in walk_stmts(mod.body):
        if stmt.kind in ("assign", "annassign") and any(t.kind == "name" and t.text in _CORE_SETTINGS
                                                        for t in stmt.targets):
            return True
    for imp in mod.imports:
        if imp.star:
            target = index.module(imp.module)
            if target is not None and _defines_settings(index, target, seen):
                return True
    return False


_CACHE: weakref.WeakKeyDictionary[ProjectIndex, DjangoSettings] = weakref.WeakKeyDictionary()


def project_settings(index: ProjectIndex) -> DjangoSettings:
    """The main Django project's settings (computed once per index)."""
    found = _CACHE.get(index)
    if found is None:
        found = DjangoSettings(index, find_settings_module(index))
        _CACHE[index] = found
    return found


def all_project_settings(index: ProjectIndex) -> tuple[DjangoSettings, ...]:
    """Every Django project in the tree: the main one first, then one per other ROOT_URLCONF that
    names a URLconf module of the tree (a back-office site, an example or demo project beside the
    main one), each read from the settings module an entry point names for it, else from its
    likeliest settings module."""
    found = _ALL.get(index)
    if found is not None:
        return found
    main = project_settings(index)
    projects = [main]
    urlconfs = {main.root_urlconf} if main.root_urlconf else set()
    candidates: list[tuple[tuple[int, int, int, str], ModuleSummary]] = [
        ((0, rank, 0, path), mod) for rank, path, mod in named_settings_modules(index)]
    for mod in index:
        if _assigns_name(mod, "ROOT_URLCONF"):
            rank, depth, path = _leaf_rank(mod)
            candidates.append(((1, 4 if rank == 4 else 1, depth, path), mod))
    by_root: dict[str, tuple[tuple[int, int, int, str], DjangoSettings]] = {}
    main_path = main.module.path if main.module is not None else None
    main_package = main.module.module.rpartition(".")[0] if main.module is not None else None
    for key, mod in candidates:
        if mod.path == main_path or (_leaf_rank(mod)[0] == 4 and mod.module.rpartition(".")[0] == main_package):
            continue  # the main project's own development or test settings (`urls_dev` with a debug toolbar)
        candidate = DjangoSettings(index, mod)
        root = candidate.root_urlconf
        if not root or root in urlconfs or index.module(root) is None:
            continue
        if root not in by_root or key < by_root[root][0]:
            by_root[root] = (key, candidate)
    projects += [by_root[root][1] for root in sorted(by_root)]
    found = tuple(p for p in projects if p.module is not None or p is main)
    _ALL[index] = found
    return found


def settings_for(index: ProjectIndex, project: str) -> DjangoSettings:
    """The settings of the project named by its settings module (the main project for "")."""
    for settings in all_project_settings(index):
        if settings.module is not None and settings.module.module == project:
            return settings
    return project_settings(index)


def _assigns_name(mod: ModuleSummary, name: str) -> bool:
    return any(s.kind in ("assign", "annassign") and any(t.kind == "name" and t.text == name for t in s.targets)
               for s in mod.body)


_ALL: weakref.WeakKeyDictionary[ProjectIndex, tuple[DjangoSettings, ...]] = weakref.WeakKeyDictionary()


__all__ = ["UNKNOWN", "ConditionalItem", "DjangoSettings", "Lit", "SettingValue", "all_project_settings",
           "find_settings_module", "named_settings_modules", "project_settings",
           "settings_for"]
