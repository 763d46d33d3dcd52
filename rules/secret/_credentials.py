"""Credentials written into Python code: settings, config entries, call arguments and literals.

`credential_hits(index, mod)` reads one module's scan and yields every place a password, API key,
token or service secret is written as a literal (or is the fallback of an environment lookup),
with the confidence its context gives it. Signing keys (`SECRET_KEY` and the other
`KEY_NAMES`) are SECRET001's and skipped here; account passwords given to seed code are
SECRET004's.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Final, NamedTuple

from apilint.model import Confidence, Location
from apilint.project import ProjectIndex, Symbol
from apilint.rules._scan import AUTH, COMPARE, CRED, DEFAULT, LITERAL, LOGIN, module_scan
from apilint.rules.secret._names import (
    credential_value,
    is_credential_name,
    is_key_shaped,
    is_password_name,
    is_placeholder,
    is_public_by_design,
    is_weak_password,
    name_words,
    token_format,
    url_credential,
)
from apilint.rules.secret._values import KEY_NAMES, Value, Where, is_non_prod_class, judge
from apilint.summary import ClassDef, Expr, ModuleSummary, Stmt

_COMPARING: Final = ("authenticate", "login_user", "check_password", "verify_password", "verify", "check",
                     "compare_digest", "checkpw", "validate", "assert")
_ACCOUNT_WORDS: Final = ("user", "account", "admin", "member", "customer", "staff", "employee", "superuser",
                         "register", "signup", "sign_up", "profile", "person", "owner", "operator")
_NOT_CREDENTIAL_CALLS: Final = frozenset({"Field", "Column", "PasswordField", "StringField", "CharField", "Body",
                                          "Query", "Form", "Header", "Cookie", "Security", "Depends", "Path"})
_EXAMPLE_WORDS: Final = ("example", "sample", "schema", "fixture", "demo", "doc")
_DEFAULT_WORDS: Final = frozenset({"default", "demo", "example", "sample", "test", "testing", "dev", "local",
                                   "dummy", "fake", "mock"})
_CONTEXT_WORDS: Final = ("example", "sample", "placeholder", "doc", "help", "description", "hint", "metadata",
                         "template", "demo", "tutorial")
_SEED_WORDS: Final = ("seed", "init", "setup", "populate", "bootstrap", "fixture", "initial", "demo", "sample",
                      "fake", "mock", "create_admin", "create_superuser", "load_users", "pump", "default_user",
                      "dummy")


_FLAGS: Final = CRED | AUTH | LOGIN | DEFAULT | COMPARE | LITERAL
"""The scan flags of the statements `credential_hits` can report on (`rules._scan`)."""


class Hit(NamedTuple):
    """One hard-coded credential."""

    location: Location
    label: str
    """What holds it, for messages: `` `DB_PASSWORD` ``, `` `password=` of `psycopg2.connect(...)` ``."""
    name: str
    """The credential's own name (for the service hint), or the token format's label."""
    confidence: Confidence
    env: bool
    """Only the fallback of an environment lookup."""
    note: str = ""


def is_seed_context(mod: ModuleSummary, where: Where) -> bool:
    """Seed, set-up and fixture code: `init_db()`, `seed.py`, a `createsuperuser`-like command."""
    return _seed_name(mod.path) or (where.func is not None and _seed_word(where.func.name))


@lru_cache(maxsize=4096)
def _seed_name(path: str) -> bool:
    return _seed_word(path.rsplit("/", 1)[-1]) or "/management/commands/" in path


@lru_cache(maxsize=16384)
def _seed_word(name: str) -> bool:
    lowered = name.lower()
    return any(w in lowered for w in _SEED_WORDS)


def is_account_call(callee: str) -> bool:
    """`create_user`, `User(...)`, `register_user`, `Account.objects.create`: a call that makes an account."""
    short = callee.rsplit(".", 1)[-1]
    lowered = callee.lower()
    if short[:1].isupper():
        return any(short.lower().endswith(w) for w in _ACCOUNT_WORDS)
    return any(w in lowered for w in _ACCOUNT_WORDS) and any(
        v in short.lower() for v in ("create", "add", "register", "new", "insert", "signup", "sign_up", "make"))


def credential_hits(index: ProjectIndex, mod: ModuleSummary, non_prod: bool) -> Iterator[Hit]:
    """Every hard-coded credential in one module (`non_prod`: only service key formats).

    Reads the module's scan (`rules._scan`): each check runs only on the statements whose flags
    say it can match there, in the order `walk` visits them, outside the `__main__` block.
    """
    wanted = LITERAL if non_prod else _FLAGS
    for stmt, context, flags, main in module_scan(index, mod).spots:
        if main or not flags & wanted:
            continue
        where = context.where()
        if not non_prod:
            if flags & CRED:
                yield from _assignment_hits(index, mod, stmt, where)
                yield from _response_hits(mod, stmt, where)
            if flags & (CRED | AUTH | LOGIN):
                yield from _call_hits(index, mod, stmt, where)
            if flags & DEFAULT:
                yield from _default_hits(mod, stmt, where)
            if flags & COMPARE:
                yield from _compare_hits(mod, stmt, where)
        if flags & LITERAL:
            yield from _literal_hits(mod, stmt, where, non_prod)


def _compared_name(expr: Expr) -> str | None:
    """The credential name of `password`, `form.password`, `data["password"]`, `data.get("password")`."""
    if expr.kind in ("name", "attr"):
        return expr.text
    if expr.kind == "subscript" and len(expr.args) == 2 and expr.args[1].kind == "str":
        return expr.args[1].text
    if expr.kind == "call" and expr.func.kind == "attr" and expr.func.text == "get" and expr.positional \
            and expr.positional[0].kind == "str":
        return expr.positional[0].text
    return None


def _compare_hits(mod: ModuleSummary, stmt: Stmt, where: Where) -> Iterator[Hit]:
    """`if password == "letmein":`: a credential checked against a literal (a built-in backdoor)."""
    if stmt.kind not in ("if", "assert", "return", "assign", "while") or stmt.value is None:
        return
    for expr in stmt.value.walk():
        if expr.kind != "compare" or expr.text not in ("==", "!=") or len(expr.args) != 2:
            continue
        left, right = expr.args
        if left.kind == "str":
            left, right = right, left
        name = _compared_name(left)
        if right.kind != "str" or name is None or not is_password_name(name):
            continue
        yield from _literal_arg(mod, stmt, where, name, right.text,
                                f"`{left.render(40)}` compared with a literal")


def _default_hits(mod: ModuleSummary, stmt: Stmt, where: Where) -> Iterator[Hit]:
    """`def connect(host, password="hunter2")`: a credential parameter's literal default."""
    assert stmt.func is not None
    for param in stmt.func.params:
        if param.default is None or param.default.kind != "str" or param.name.upper() in KEY_NAMES \
                or not is_credential_name(param.name):
            continue
        yield from _literal_arg(mod, stmt, where, param.name, param.default.text,
                                f"The default of parameter `{param.name}` of `{stmt.func.name}()`")


def _grade(value: Value, where: Where, name: str, env_default: bool, path: str) -> tuple[Confidence, bool] | None:
    """Confidence of a credential value in its context; None when it is not a credential."""
    env = value.env or env_default or where.fallback
    url = url_credential(value.text)
    if url is not None and "://" in value.text:
        if url.placeholder or (env and is_placeholder(url.password)):
            return None
        return (Confidence.LOW if env or url.local_default else where.confidence), env
    if not credential_value(name, value.text):
        return None
    if is_placeholder(value.text):
        return (None if env else (Confidence.LOW, env))
    if env or any(is_non_prod_class(c) for c in where.classes) or dev_default(name, value.text, path, where) \
            or is_public_by_design(name):
        return Confidence.LOW, env
    return where.confidence, env


def dev_default(name: str, text: str, path: str, where: Where | None = None) -> bool:
    """A shipped default for local use: `DEFAULT_ADMIN_PASSWORD = "admin"`, `password="airflow"` in
    airflow's code, a well-known weak password, a value set in `create_default_connections()`."""
    lowered = text.lower()
    words = name_words(name)
    return (bool(words) and words[0] in _DEFAULT_WORDS) or is_weak_password(text) or (
        lowered.isalpha() and lowered in path.lower()) or (
        where is not None and where.func is not None and any(w in where.func.name.lower() for w in _DEFAULT_WORDS))


def _assignment_hits(index: ProjectIndex, mod: ModuleSummary, stmt: Stmt, where: Where) -> Iterator[Hit]:
    if stmt.kind not in ("assign", "annassign") or stmt.value is None:
        return
    settings_class = bool(where.classes) and where.func is None and _is_settings_class(index, mod, where.classes[-1])
    value_expr = stmt.value
    field = ""
    if settings_class and value_expr.kind == "call" and (value_expr.func.dotted or "").endswith("Field"):
        value_expr = value_expr.arg(0, "default") or value_expr
    elif where.classes and where.func is None and value_expr.kind == "call":
        start = _field_start(value_expr)
        if start is not None:
            value_expr, field = start
    for target in stmt.targets:
        name = _target_name(index, mod, target, where)
        if name is None or name.upper() in KEY_NAMES or not is_credential_name(name):
            continue
        value = judge(index, mod, value_expr)
        if value is None or (field and not _field_credential(name, value.text)):
            continue
        graded = _grade(value, where, name, settings_class, mod.path)
        if graded is not None:
            where_at = value.location or Location(mod.path, stmt.line)
            if field:
                yield Hit(where_at, f"`{target.render(60)}`", name, min(graded[0], Confidence.MEDIUM, key=_rank),
                          graded[1], note=field)
            else:
                yield Hit(where_at, f"`{target.render(60)}`", name, graded[0], graded[1])
    if where.func is None or _is_config_update(stmt.value):
        yield from _dict_hits(index, mod, stmt, where, stmt.value, (), settings_class)


_RESPONSES: Final = frozenset({"JsonResponse", "jsonify", "JSONResponse", "ORJSONResponse", "UJSONResponse",
                               "make_response"})


def _response_hits(mod: ModuleSummary, stmt: Stmt, where: Where) -> Iterator[Hit]:
    """`return JsonResponse({"token": "u4PHVX..."})`: a key-shaped literal handed out under a credential
    name (`token`, `api_key`) by a handler, so one fixed credential serves every caller who asks."""
    if stmt.kind != "return" or stmt.value is None or where.func is None:
        return
    body = stmt.value
    if body.kind == "call" and (body.func.dotted or "").rsplit(".", 1)[-1] in _RESPONSES and body.positional:
        body = body.positional[0]
    if body.kind != "dict":
        return
    for key, value in zip(body.args[::2], body.args[1::2], strict=False):
        if key.kind != "str" or value.kind != "str" or key.text.upper() in KEY_NAMES or \
                not is_credential_name(key.text) or not is_key_shaped(value.text):
            continue
        graded = _grade(Value(False, value.text), where, key.text, False, mod.path)
        if graded is not None:
            yield Hit(Location(mod.path, stmt.line), f"The `{key.text}` handed out by `{where.func.name}()`",
                      key.text, min(graded[0], Confidence.MEDIUM, key=_rank), graded[1])


def _field_start(call: Expr) -> tuple[Expr, str] | None:
    """The literal a form, serializer or model field starts with: `CharField(initial="...")`,
    `Field(default="...")`, pydantic's `Field("...")`, a widget's `attrs={"value": "..."}`
    (a hidden input that carries the value to the browser)."""
    short = (call.func.dotted or "").rsplit(".", 1)[-1]
    if not short.endswith("Field"):
        return None
    sent = " (the form field's initial value: every client that loads the form receives it)"
    found, note = call.kwarg("initial"), sent
    if found is None:
        found, note = call.kwarg("default"), " (the field's default value)"
    if found is None and short == "Field" and call.positional:
        found = call.positional[0]
    widget = call.kwarg("widget")
    if found is None and widget is not None and widget.kind == "call":
        attrs = widget.arg(0, "attrs")
        if attrs is not None and attrs.kind == "dict":
            found, note = next((v for k, v in zip(attrs.args[::2], attrs.args[1::2], strict=False)
                                if k.kind == "str" and k.text == "value"), None), sent
    return (found, note) if found is not None and found.kind == "str" else None


def _field_credential(name: str, text: str) -> bool:
    """A field's starting value that is a credential: key-shaped, or held by a field named a
    password (a pipeline's `on_pass = Field(default="allow")` is a choice, not a password)."""
    words = name_words(name)
    return is_key_shaped(text) or (bool(words) and words[-1] in ("password", "passwd", "passphrase"))


def _target_name(index: ProjectIndex, mod: ModuleSummary, target: Expr, where: Where) -> str | None:
    """The credential name an assignment target gives its value, when the target is a setting."""
    if target.kind == "name":
        return target.text if where.func is None else None
    if target.kind == "subscript" and len(target.args) == 2 and target.args[1].kind == "str":
        holder = (target.args[0].dotted or "").lower()
        if holder.endswith(("config", "environ", "settings", "conf", "options", "credentials", "secrets")):
            return target.args[1].text  # app.config["MAIL_PASSWORD"], os.environ["DB_PASSWORD"]
        return None  # response["X-Auth-Token"], a dict being built
    if target.kind == "attr":
        owner = target.args[0]
        if owner.kind == "name" and owner.text in index.import_table(mod):
            return target.text  # stripe.api_key = "..."
        if owner.kind == "name" and owner.text == "self" and where.func is not None and where.func.name == "__init__":
            return target.text
    return None


def _is_config_update(expr: Expr) -> bool:
    return expr.kind == "call" and expr.func.kind == "attr" and expr.func.text in ("update", "from_mapping")


def _dict_hits(index: ProjectIndex, mod: ModuleSummary, stmt: Stmt, where: Where, expr: Expr,
               path: tuple[str, ...], env_default: bool) -> Iterator[Hit]:
    """Credential entries of settings dicts (`DATABASES`, `CACHES`) and config updates."""
    if len(path) > 4:
        return
    if expr.kind == "call":
        for kw in expr.keywords:
            if kw.name is not None and _is_config_update(expr):
                yield from _entry(index, mod, stmt, where, kw.name, kw.value, path, env_default)
        for arg in expr.positional:
            yield from _dict_hits(index, mod, stmt, where, arg, path, env_default)
    elif expr.kind == "dict":
        for key, value in zip(expr.args[::2], expr.args[1::2], strict=False):
            if key.kind == "str":
                yield from _entry(index, mod, stmt, where, key.text, value, path, env_default)
    elif expr.kind in ("list", "tuple"):
        for item in expr.args:
            yield from _dict_hits(index, mod, stmt, where, item, path, env_default)


def _entry(index: ProjectIndex, mod: ModuleSummary, stmt: Stmt, where: Where, key: str, value: Expr,
           path: tuple[str, ...], env_default: bool) -> Iterator[Hit]:
    if any(w in key.lower() for w in _EXAMPLE_WORDS):
        return
    if value.kind in ("dict", "call", "list", "tuple") and not _is_env_call(index, mod, value):
        yield from _dict_hits(index, mod, stmt, where, value, (*path, key), env_default)
        return
    if key.upper() in KEY_NAMES or not is_credential_name(key):
        return
    found = judge(index, mod, value)
    if found is None:
        return
    graded = _grade(found, where, key, env_default, mod.path)
    if graded is not None:
        owner = stmt.targets[0].render(40) if stmt.targets else ""
        label = f"The `{key}` entry" + (f" of `{owner}`" if owner else "")
        yield Hit(found.location or Location(mod.path, stmt.line), label, key, graded[0], graded[1])


_ENV_FUNCTIONS: Final = frozenset({"env", "config", "get_env"})
"""Environment readers known by their own name (`env("X", default)`, decouple's `config`)."""
_ENV_CALLS: Final = frozenset({"getenv", "get", "setdefault"}) | _ENV_FUNCTIONS
"""Last names of every environment lookup `_is_env_call` accepts (`environ.get`, `os.getenv`...)."""
_BASIC_AUTH: Final = frozenset({"HTTPBasicAuth", "HTTPDigestAuth", "BasicAuth", "DigestAuth"})
_LOGIN_CALLS: Final = _BASIC_AUTH | {"login"}


def _is_env_call(index: ProjectIndex, mod: ModuleSummary, expr: Expr) -> bool:
    if expr.kind != "call":
        return False
    callee = index.qualify_expr(mod, expr.func) or ""
    return callee.endswith(("getenv", "environ.get", "environ.setdefault")) or \
        callee.rsplit(".", 1)[-1] in _ENV_FUNCTIONS


def _call_hits(index: ProjectIndex, mod: ModuleSummary, stmt: Stmt, where: Where) -> Iterator[Hit]:
    """`connect(password="...")`, `server.login(user, "...")`, `auth=("user", "...")`, env fallbacks."""
    seed: bool | None = None
    for expr in stmt.own_exprs():
        for call in expr.calls():
            if not _may_hit(index, mod, call):
                continue  # most calls: no need to resolve the callee
            callee = index.qualify_expr(mod, call.func) or call.func.render(40)
            short = callee.rsplit(".", 1)[-1]
            if short in _NOT_CREDENTIAL_CALLS or short.startswith(_COMPARING):
                continue
            account = is_account_call(callee) or short in ("set_password", "create_user", "create_superuser")
            if _is_env_call(index, mod, call):
                yield from _env_default_hit(mod, stmt, where, call)
                continue
            for kw in call.keywords:
                if kw.name is None or kw.name.upper() in KEY_NAMES or not is_credential_name(kw.name):
                    continue
                if seed is None:
                    seed = is_seed_context(mod, where)
                if is_password_name(kw.name) and (account or seed):
                    continue  # an account's password: SECRET004
                if kw.value.kind == "str":
                    yield from _literal_arg(mod, stmt, where, kw.name, kw.value.text,
                                            f"`{kw.name}=` of `{call.func.render(40)}(...)`")
            auth = call.kwarg("auth")
            if auth is not None and auth.kind == "tuple" and len(auth.args) == 2 and auth.args[1].kind == "str":
                yield from _literal_arg(mod, stmt, where, "password", auth.args[1].text,
                                        f"the password in `auth=` of `{call.func.render(40)}(...)`")
            if (short == "login" and call.func.kind == "attr" and len(call.positional) == 2
                    and call.positional[1].kind == "str") or (
                    short in _BASIC_AUTH
                    and len(call.positional) == 2 and call.positional[1].kind == "str"):
                yield from _literal_arg(mod, stmt, where, "password", call.positional[1].text,
                                        f"the password passed to `{call.func.render(40)}(...)`")


def _may_hit(index: ProjectIndex, mod: ModuleSummary, call: Expr) -> bool:
    """Whether `_call_hits` can report anything on `call`, read from its shape alone: a literal
    credential keyword, a literal `auth=` pair, a login-shaped call, or an environment lookup
    (by its last name, or a local alias of one)."""
    func = call.func
    last = func.last_name
    if last in _ENV_CALLS or last in _LOGIN_CALLS:
        return True
    if func.kind == "name" and index.import_table(mod).get(last, "").rsplit(".", 1)[-1] in _ENV_CALLS:
        return True  # `from os import getenv as env_or`
    for kw in call.keywords:
        if kw.name is not None and (kw.name == "auth" or (kw.value.kind == "str" and is_credential_name(kw.name))):
            return True
    return False


def _literal_arg(mod: ModuleSummary, stmt: Stmt, where: Where, name: str, text: str,
                 label: str) -> Iterator[Hit]:
    graded = _grade(Value(False, text), where, name, False, mod.path)
    if graded is not None:
        yield Hit(Location(mod.path, stmt.line), label, name, min(graded[0], Confidence.MEDIUM, key=_rank),
                  graded[1])


def _rank(conf: Confidence) -> int:
    return conf.rank


def _env_default_hit(mod: ModuleSummary, stmt: Stmt, where: Where, call: Expr) -> Iterator[Hit]:
    """`os.getenv("SMTP_PASSWORD", "hunter2")`: a literal fallback for a credential variable."""
    name_expr = call.arg(0)
    default = call.arg(1, "default")
    if name_expr is None or name_expr.kind != "str" or default is None or default.kind != "str":
        return
    name = name_expr.text
    if name.upper().endswith(tuple(KEY_NAMES)) or not is_credential_name(name):
        return  # `os.getenv("APP_SECRET_KEY", ...)`: a signing key, SECRET001's
    graded = _grade(Value(True, default.text), where, name, True, mod.path)
    if graded is not None:
        yield Hit(Location(mod.path, stmt.line), f"The fallback of environment variable `{name}`", name,
                  Confidence.LOW, True)


def _literal_hits(mod: ModuleSummary, stmt: Stmt, where: Where, non_prod: bool) -> Iterator[Hit]:
    """Service key formats (`sk_live_...`, `AKIA...`, private keys) and connection URLs with a password."""
    if stmt.kind == "expr" and stmt.value is not None and stmt.value.kind == "str":
        return  # a docstring
    targets = tuple(t.render(40).lower() for t in stmt.targets)
    for expr in stmt.own_exprs():
        for sub, context in _strings(expr, targets):
            if len(sub.text) < 12:
                continue
            documented = any(w in c for c in context for w in _CONTEXT_WORDS)
            fmt = token_format(sub.text)
            if fmt is not None:
                if "example" in sub.text.lower():
                    continue  # AWS's documented `AKIAIOSFODNN7EXAMPLE`
                low = fmt.test_key or non_prod or documented or any(c.isspace() for c in sub.text.strip()[:200]) \
                    or where.confidence is not Confidence.HIGH
                yield Hit(Location(mod.path, stmt.line), f"A string holding {fmt.label}", fmt.label,
                          Confidence.LOW if low else Confidence.HIGH, False)
                continue
            prose = any(c.isspace() for c in sub.text.strip())  # a URL quoted in a message or help text
            url = url_credential(sub.text) if not (non_prod or documented or prose) and "://" in sub.text else None
            if url is not None and not url.placeholder:
                fallback = where.fallback or _in_env_default(stmt, sub)
                conf = Confidence.LOW if url.local_default or fallback else where.confidence
                yield Hit(Location(mod.path, stmt.line), "A connection URL with an inline password",
                          "url", conf, fallback, note=f" (user `{url.user}` on `{url.host}`)")


def _strings(expr: Expr, context: tuple[str, ...], depth: int = 0) -> Iterator[tuple[Expr, tuple[str, ...]]]:
    """Every string literal in `expr`, with the dict keys and keyword names on the way to it."""
    if depth > 30:
        return
    if expr.kind == "str":
        yield expr, context
        return
    if expr.kind == "dict":
        for key, value in zip(expr.args[::2], expr.args[1::2], strict=False):
            inner = (*context, key.text.lower()) if key.kind == "str" else context
            yield from _strings(value, inner, depth + 1)
        return
    for arg in expr.args:
        yield from _strings(arg, context, depth + 1)
    for kw in expr.keywords:
        yield from _strings(kw.value, (*context, (kw.name or "").lower()), depth + 1)


def _in_env_default(stmt: Stmt, literal: Expr) -> bool:
    for expr in stmt.own_exprs():
        for call in expr.calls():
            dotted = call.func.dotted or ""
            if dotted.endswith(("getenv", "environ.get", "env", "config")) and any(a is literal for a in call.args[1:]):
                return True
            if any(kw.value is literal for kw in call.keywords if kw.name == "default"):
                return True
    return False


def _is_settings_class(index: ProjectIndex, mod: ModuleSummary, cls: ClassDef) -> bool:
    bases = index.base_names(Symbol(f"{mod.module}.{cls.qualname}", mod, cls=cls))
    return any(b.rsplit(".", 1)[-1] == "BaseSettings" for b in bases)


__all__ = ["Hit", "credential_hits", "is_account_call", "is_seed_context"]
