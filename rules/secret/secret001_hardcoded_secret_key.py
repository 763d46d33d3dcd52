"""SECRET001: signing keys (SECRET_KEY, JWT secrets) written into the code."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from apilint.model import Location
from apilint.project import ProjectIndex, Symbol
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.jwt._calls import JwtCall, is_test_path, jwt_calls
from apilint.rules.secret._values import (
    KEY_NAMES,
    KEY_WORDS,
    Value,
    Where,
    is_non_prod_class,
    is_non_prod_file,
    is_placeholder,
    judge,
    walk,
)
from apilint.summary import ClassDef, Expr, ModuleSummary, Stmt, walk_exprs

_LOADERS = ("from_pyfile", "from_envvar", "from_object", "from_prefixed_env", "from_file")
_FIX = ("Read the key from the environment or a secret store with no fallback (`os.environ[\"SECRET_KEY\"]`), so "
        "that a missing key stops the app from starting, and rotate the key that was committed")
Hit = tuple[Location, str, Value, Confidence, str]


class HardcodedSecretKey(Rule):
    """
    ## What it finds
    Signing keys written into the code: Django `SECRET_KEY = "..."`, Flask
    `app.config["SECRET_KEY"] = "..."`, `app.secret_key = "..."`, `JWT_SECRET_KEY` and similar
    names in config classes, `config.update(...)` / `from_mapping(...)` and settings dicts
    (`SIMPLE_JWT = {"SIGNING_KEY": ...}`), `secret_key="..."` passed to a call
    (`SessionMiddleware`), and the key argument of PyJWT / python-jose / authlib
    `jwt.encode` / `jwt.decode` when it is a literal or a constant holding one (reported where
    the literal is).

    Confidence: a literal that is the only value is high; one inside an `if` is medium, inside
    an `if DEBUG:` branch low. A literal that is only the fallback of an environment lookup
    (`os.environ.get("SECRET_KEY", "dev")`, `env("SECRET_KEY", default=...)`, a pydantic
    `BaseSettings` default, a Flask default that a config file loaded later may replace) is
    low, and not reported at all when it is a placeholder that asks to be replaced
    (`"change-me"`). A Django base-settings key that a settings module star-importing it sets
    again is low. Development, test, build, example and template files (`settings/dev.py`,
    `local_settings.py`, `_build_settings.py`, `project_template/`) and classes named for
    development or testing (`DevelopmentConfig`) are skipped.

    ## Why it matters
    Whoever knows the signing key can forge session cookies, password-reset links and JWTs
    for any user, and the key is in every clone of the repository, every package and every
    container image (CWE-798 Use of Hard-coded Credentials, CWE-321 Use of Hard-coded
    Cryptographic Key, OWASP API2:2023 Broken Authentication and API8:2023 Security
    Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Which settings module production uses is judged by file name only. Keys assembled at run
    time, read from files, or passed through several function calls are not followed. Other
    credentials (database passwords, API tokens of third-party services) are SECRET002's, keys
    in committed `.env` and config files SECRET003's, and weak generated keys SECRET005's and
    JWT004's. The key is never shown in the message.

    ## References
    - https://cwe.mitre.org/data/definitions/798.html
    - https://cwe.mitre.org/data/definitions/321.html
    - https://docs.djangoproject.com/en/stable/ref/settings/#secret-key
    - https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY
    """

    code = "SECRET001"
    name = "hardcoded-secret-key"
    summary = "Signing key (SECRET_KEY, JWT secret) hard-coded in the source"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (798, 321)
    owasp = ("API2:2023", "API8:2023")

    bad = Example("""
        import jwt

        JWT_SECRET = "s3cr3t-signing-key-2024-prod-7f3a9c41"  # expect: SECRET001


        def issue_token(user_id: int) -> str:
            return jwt.encode({"sub": str(user_id), "exp": 1700000000}, JWT_SECRET, algorithm="HS256")
    """)

    good = Example("""
        import os

        import jwt

        JWT_SECRET = os.environ["JWT_SECRET"]


        def issue_token(user_id: int) -> str:
            return jwt.encode({"sub": str(user_id), "exp": 1700000000}, JWT_SECRET, algorithm="HS256")
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Settings and config assignments first, then the keys of JWT calls."""
        index = ctx.index
        hits: list[Hit] = []
        modules = [m for m in index if not is_test_path(m.path) and not is_non_prod_file(m.path)]
        overridden = _overridden(index, [m for m in modules if not m.words.isdisjoint(KEY_WORDS)])
        by_module: dict[str, list[tuple[str, str, str]]] = {}
        for entry in overridden:
            by_module.setdefault(entry[0], []).append(entry)
        for mod in modules:
            if not mod.words.isdisjoint(KEY_WORDS):
                here = sorted(by_module.get(mod.path, ()))
                hits += ctx.per_module(self.code, mod, repr(here),
                                       partial(_module_setting_hits, index, mod, set(here)))
        for mod in modules:
            for jc in jwt_calls(index, mod):
                hit = _jwt_key_hit(index, jc)
                if hit is not None:
                    hits.append(hit)
        seen: set[tuple[str, int]] = set()
        for where, label, value, confidence, note in hits:
            if (where.file, where.line) in seen:
                continue
            seen.add((where.file, where.line))
            if value.env:
                message = (f"{label} falls back to a hard-coded key when it is not configured{note}: a deployment "
                           "that forgets to set it runs with a key anyone who can read the code knows, and can "
                           "use to forge sessions and tokens")
            else:
                message = (f"{label} is a hard-coded string{note}: anyone who can read the code (repository, "
                           "package, container image) can sign session cookies and tokens with it and pass as "
                           "any user")
            yield self.finding(where, message, _FIX, confidence=confidence, symbol=f"{where.file}:{label}")


def _grade(value: Value, where: Where, overridden: bool) -> tuple[Value, Confidence] | None:
    """The confidence of a hard-coded key, or None for a placeholder fallback."""
    if value.env or where.fallback:
        if is_placeholder(value.text):
            return None
        return value._replace(env=True), Confidence.LOW
    return value, Confidence.LOW if overridden else where.confidence


def _module_setting_hits(index: ProjectIndex, mod: ModuleSummary,
                         overridden: set[tuple[str, str, str]]) -> tuple[Hit, ...]:
    return tuple(_setting_hits(index, mod, overridden))


def _setting_hits(index: ProjectIndex, mod: ModuleSummary, overridden: set[tuple[str, str, str]]) -> Iterator[Hit]:
    top = Where(None, (), Confidence.HIGH, False)
    for stmt, where in walk(mod.body, top):
        if any(is_non_prod_class(c) for c in where.classes):
            continue
        for label, expr, env_default in _key_settings(index, mod, stmt, where):
            value = judge(index, mod, expr)
            if value is None or value.text.upper() == label.strip("`").rsplit(".", 1)[-1].upper():
                continue  # `SECRET_KEY = "SECRET_KEY"`: a constant naming the config key
            owner = where.classes[-1].name if where.classes and where.func is None else ""
            is_overridden = where.func is None and (mod.path, owner, label.strip("`")) in overridden
            graded = _grade(value._replace(env=value.env or env_default), where, is_overridden)
            if graded is not None:
                note = " (unless the settings module or config subclass that extends this one sets it again)" \
                    if is_overridden else ""
                if graded[1] is Confidence.LOW and not graded[0].env and not is_overridden:
                    note = " (in a development-only branch)"
                yield Location(mod.path, stmt.line), label, graded[0], graded[1], note


def _key_settings(index: ProjectIndex, mod: ModuleSummary, stmt: Stmt,
                  where: Where) -> Iterator[tuple[str, Expr, bool]]:
    """(label, value expression, env-default semantics) of every key setting in one statement."""
    settings_class = bool(where.classes) and where.func is None and _is_settings_class(index, mod, where.classes[-1])
    if stmt.kind in ("assign", "annassign") and stmt.value is not None:
        value = stmt.value
        if settings_class and value.kind == "call" and (value.func.dotted or "").endswith("Field"):
            value = value.arg(0, "default") or value
        for target in stmt.targets:
            text = target.text
            if target.kind == "name" and where.func is None and (
                    text in KEY_NAMES or (settings_class and text.upper() in KEY_NAMES)):
                yield f"`{text}`", value, settings_class
            elif (target.kind == "attr" and text in ("secret_key", "SECRET_KEY", "jwt_secret_key")) or (
                    target.kind == "subscript" and len(target.args) == 2 and target.args[1].kind == "str"
                    and target.args[1].text in KEY_NAMES):
                yield f"`{target.render(60)}`", value, _loads_config_later(where, stmt)
    for expr in stmt.own_exprs():
        for sub in expr.walk():
            if sub.kind == "call":
                callee = sub.func.render(40)
                for kw in sub.keywords:
                    if kw.name is not None and kw.name.upper() in KEY_NAMES:
                        yield f"`{kw.name}=` of `{callee}(...)`", kw.value, _loads_config_later(where, stmt)
                first = sub.arg(0)
                if sub.func.kind == "attr" and sub.func.text == "setdefault" and first is not None \
                        and first.kind == "str" and first.text in KEY_NAMES and len(sub.positional) > 1:
                    yield f"`{callee}({first.text!r}, ...)`", sub.positional[1], True
            elif sub.kind == "dict":
                for key, value in zip(sub.args[::2], sub.args[1::2], strict=False):
                    if key.kind == "str" and key.text in KEY_NAMES:
                        owner = stmt.targets[0].render(40) if stmt.targets and stmt.value is sub else ""
                        label = f"The `{key.text}` entry" + (f" of `{owner}`" if owner else "")
                        yield label, value, _loads_config_later(where, stmt)


def _loads_config_later(where: Where, stmt: Stmt) -> bool:
    """Flask's `from_mapping(SECRET_KEY="dev")` followed by `from_pyfile(...)`: the literal is a default."""
    if where.func is None:
        return False
    return any(e.kind == "call" and e.func.kind == "attr" and e.func.text in _LOADERS and s.line > stmt.line
               for s, e in walk_exprs(where.func.body))


def _is_settings_class(index: ProjectIndex, mod: ModuleSummary, cls: ClassDef) -> bool:
    """A pydantic `BaseSettings` subclass: every field is overridden by the environment."""
    bases = index.base_names(Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls))
    return any(b.rsplit(".", 1)[-1] == "BaseSettings" for b in bases)


def _overridden(index: ProjectIndex, mods: list[ModuleSummary]) -> set[tuple[str, str, str]]:
    """(module path, class name or "", key name) of keys set again by a star-importing module or a subclass."""
    out: set[tuple[str, str, str]] = set()
    for mod in mods:
        stars = [found.path for imp in mod.imports if imp.star
                 for found in (index.module(imp.module),) if found is not None and found.path != mod.path]
        for stmt in mod.body:
            if stmt.kind in ("assign", "annassign"):
                out.update((path, "", t.text) for path in stars for t in stmt.targets
                           if t.kind == "name" and t.text in KEY_NAMES)
            if stmt.cls is not None and not is_non_prod_class(stmt.cls):
                names = {t.text for s in stmt.cls.body if s.kind in ("assign", "annassign") for t in s.targets
                         if t.kind == "name" and t.text in KEY_NAMES}
                for base in stmt.cls.bases:
                    out.update((mod.path, (base.dotted or "").rsplit(".", 1)[-1], n) for n in names)
    return out


def _jwt_key_hit(index: ProjectIndex, jc: JwtCall) -> Hit | None:
    if jc.op not in ("encode", "decode"):
        return None
    key = jc.key()
    if key is None:
        return None
    anchor = jc.location
    if key.kind == "name" and jc.func is not None:
        for stmt, _ in walk(jc.func.body, Where(jc.func, (), Confidence.HIGH, False)):
            if stmt.kind == "assign" and stmt.value is not None and any(
                    t.kind == "name" and t.text == key.text for t in stmt.targets):
                key, anchor = stmt.value, Location(jc.mod.path, stmt.line)
                break
    value = judge(index, jc.mod, key)
    if value is None:
        return None
    graded = _grade(value, Where(jc.func, (), Confidence.HIGH, False), False)
    if graded is None:
        return None
    label = f"The key passed to `{jc.call.func.render(40)}(...)` {jc.where}"
    return value.location or anchor, label, graded[0], graded[1], ""
