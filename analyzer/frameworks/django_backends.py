"""Django authentication backends: which of a project's may grant permissions to anonymous users.

With Django's model backends alone `AnonymousUser.has_perm()` is always False, so a permission
check turns anonymous callers away. A project backend with its own `has_perm`, django-rules and
other object-permission backends (django-guardian) may say otherwise: the anonymous reader
(`apilint.frameworks.anonymous`) asks them.
"""

from __future__ import annotations

from apilint.frameworks.django_settings import DjangoSettings, SettingValue
from apilint.project import ProjectIndex


def _readable_items(settings: DjangoSettings, value: SettingValue) -> list[str]:
    """The string items of a list setting built with `+` from parts some of which cannot be read
    (`DEFAULT_BACKENDS + EXTRA_BACKENDS_FROM_CONFIG`): the readable parts' items."""
    out: list[str] = []
    pending = [(expr, mod) for expr, mod in value.parts]
    while pending and len(out) < 200:
        expr, mod = pending.pop(0)
        if expr.kind == "binop" and expr.text == "+":
            pending = [(expr.args[0], mod), (expr.args[1], mod), *pending]
            continue
        found = settings.evaluate(mod, expr).first
        if isinstance(found, list | tuple):
            out += [item for item in found if isinstance(item, str)]
    return out


_MODEL_BACKENDS = ("ModelBackend", "RemoteUserBackend", "AuthenticationBackend", "AllowAllUsersModelBackend",
                   "AllowAllUsersRemoteUserBackend")


def anonymous_permissions(index: ProjectIndex, settings: DjangoSettings) -> tuple[str, ...]:
    """The authentication backends that may grant permissions to anonymous users: project backends
    with their own `has_perm` (read by `apilint.frameworks.anonymous`), django-rules, django-guardian
    and other object-permission backends. With Django's model backends alone, `AnonymousUser.has_perm()`
    is always False."""
    if "AUTHENTICATION_BACKENDS" not in settings.values:
        return ()
    lit = settings.lit("AUTHENTICATION_BACKENDS")
    entries = list(lit.value) if lit is not None and isinstance(lit.value, list | tuple) else \
        _readable_items(settings, settings.values["AUTHENTICATION_BACKENDS"])
    if not entries:
        return ("AUTHENTICATION_BACKENDS (cannot be read)",)
    found: list[str] = []
    for entry in entries:
        if not isinstance(entry, str):
            continue
        symbol = index.lookup(entry)
        if symbol is not None and symbol.cls is not None:
            if any(f.name in ("has_perm", "get_all_permissions") for f in symbol.cls.methods()):
                found.append(entry)
            continue
        short = entry.rsplit(".", 1)[-1]
        if short in _MODEL_BACKENDS and "guardian" not in entry and "rules" not in entry.split("."):
            continue
        if any(word in entry.lower() for word in ("rules", "guardian", "object", "perm")):
            found.append(entry)
    return tuple(found)


__all__ = ["anonymous_permissions"]
