"""What a credential looks like: setting names, values, connection URLs and known token formats.

Shared by the Python rules (SECRET002, SECRET004) and the text-file rule (SECRET003), so that a
`DB_PASSWORD` is judged the same way in `settings.py`, in `app.config[...]` and in `.env`.
"""

from __future__ import annotations

import re
from math import log2
from typing import Final, NamedTuple

from apilint.lazy_regex import lazy_compile

_SPLIT = lazy_compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_LAST_WORDS: Final = frozenset({"password", "passwd", "passwrd", "pwd", "pass", "passphrase", "secret", "token",
                                "credentials", "creds", "apikey", "secretkey", "accesskey", "privatekey"})
_LAST_PAIRS: Final = frozenset({("api", "key"), ("access", "key"), ("private", "key"), ("auth", "key"),
                                ("master", "key"), ("encryption", "key"), ("secret", "key"), ("app", "key"),
                                ("license", "key"), ("signing", "secret"), ("account", "key")})
_SERVICES: Final = frozenset({
    "stripe", "sendgrid", "openai", "anthropic", "mailgun", "mailchimp", "mandrill", "twilio", "aws", "google",
    "gcp", "github", "gitlab", "slack", "discord", "telegram", "paypal", "braintree", "razorpay", "paystack",
    "algolia", "pusher", "mapbox", "firebase", "recaptcha", "hcaptcha", "postmark", "sparkpost", "nexmo",
    "vonage", "plaid", "square", "shopify", "cloudinary", "azure", "heroku", "datadog", "newrelic", "mollie",
    "adyen", "checkout", "coinbase", "binance", "openweather", "gemini", "cohere", "huggingface", "hf",
})
_NOT_A_SECRET: Final = frozenset({
    "name", "names", "field", "fields", "header", "headers", "param", "params", "parameter", "prefix", "suffix",
    "length", "len", "min", "max", "expire", "expires", "expiry", "expiration", "ttl", "timeout", "lifetime",
    "age", "path", "file", "filename", "dir", "env", "var", "type", "algorithm", "algorithms", "alg", "regex",
    "pattern", "policy", "hasher", "hashers", "validator", "validators", "reset", "required", "enabled",
    "rounds", "iterations", "id", "ids", "label", "placeholder", "hint", "help", "message", "msg", "error",
    "format", "template", "location", "scheme", "schemes", "query", "form", "input", "column", "attr",
    "attribute", "chars", "charset", "count", "size", "mode", "backend", "backends", "class", "module",
    "route", "endpoint", "url", "uri", "csrf", "xsrf", "cookie", "regexp", "lookup", "strength", "complexity",
    "hash", "hashed", "digest", "salt", "change", "changed", "forgot", "confirm", "confirmation", "min_length",
    "key_id", "audience", "issuer", "storage", "cache", "store", "table", "model", "serializer", "schema",
    "example", "examples", "sample", "description", "title", "doc", "docs", "widget", "flow", "grant", "kind",
    "source", "sources", "provider", "providers", "generator", "getter", "loader", "bearer",
    "in", "use", "uses", "usage", "version", "event", "events", "claim", "claims", "manager", "context",
    "service", "handler", "class_name", "setting", "settings", "option", "options", "config", "level",
    "cost", "per", "price", "limit", "limits", "tokens", "budget", "rate", "total", "used", "remaining",
})
_CREDENTIAL_WORDS: Final = frozenset({
    "password", "passwords", "secret", "secrets", "token", "tokens", "apikey", "apikeys", "key", "keys",
    "credential", "credentials", "pass", "pwd", "passwd", "passphrase", "accesstoken", "refreshtoken",
    "privatekey", "secretkey", "clientsecret", "apitoken", "authtoken", "accesskey", "bearer", "basic",
})
_PUBLIC_KEY_PREFIXES: Final = ("phc_", "pk_live_", "pk_test_", "pub-", "pk.", "pk_", "AAAAB3NzaC1", "AAAAC3NzaC1",
                                "AAAAE2VjZHNh", "ssh-rsa", "ssh-ed25519", "ecdsa-sha2")
"""Keys that are public by design: publishable payment keys, analytics ingestion keys, SSH public keys."""
_PUBLIC_SERVICES: Final = frozenset({"amplitude", "mixpanel", "segment", "posthog", "sentry", "bugsnag", "rollbar",
                                     "heap", "hotjar", "intercom", "plausible", "recaptcha", "hcaptcha",
                                     "turnstile", "publishable", "public", "site", "analytics", "telemetry"})
_MODULE_ATTR: Final = lazy_compile(r"^[a-z_]\w*(\.[a-z_]\w*)+:[A-Za-z_]\w*$")
_TRIVIAL: Final = lazy_compile(r"^(\.+|x+|X+|\*+|-+|_+|<[^>]*>|\[[^\]]*\])$")
_PASSWORD_WORDS: Final = frozenset({"password", "passwd", "passwrd", "pwd", "pass", "passphrase"})
_IDENTIFIER: Final = lazy_compile(r"^_*[A-Za-z][A-Za-z0-9]*([_\-.:/][A-Za-z][A-Za-z0-9]*)+_*$|^([A-Z][a-z0-9]+){2,}$")
"""`github_copilot_host`, `x-goog-api-key`, `ui-token`, `LiteLLM_VerificationToken`: a name, not a secret."""
_SNAKE_CASE: Final = lazy_compile(r"^_*[a-z]+(_[a-z]+)+_*$")
"""`mail_settings`: a Python name even where a password is expected."""
_PLACEHOLDER: Final = lazy_compile(
    r"change|replace|your[-_ ]?|placeholder|example|fixme|todo|generate|set[-_ ]?me|dummy|fake|mock|redacted|insert|"
    r"^<.*>$|^\[.*\]$|^x{3,}$|^\*+$|^\.+$|^-+$|^none$|^null$|^undefined$|^n/?a$|^tbd$",
    re.IGNORECASE)
_TEMPLATE: Final = lazy_compile(r"\{\{|\{%|\$\{|%\(|%s|\{[a-z_]*\}|^\$[A-Z_]+$")
_ENV_NAME: Final = lazy_compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")
_DOTTED: Final = lazy_compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
_HEADER: Final = lazy_compile(r"^X-[A-Za-z0-9-]+$")
_HIGH_ENTROPY_PART: Final = lazy_compile(r"[A-Za-z0-9+/=_-]{16,}")

URL_CREDENTIALS: Final = lazy_compile(
    r"\b([a-z][a-z0-9+.-]{1,20})://([^\s:/@'\"{}$]*):([^\s@/'\"]+)@([^\s/:'\"?]+)", re.IGNORECASE)
"""`scheme://user:password@host`: group 2 the user, 3 the password, 4 the host."""
_URL_PLACEHOLDER_USERS: Final = frozenset({"user", "username", "usr", "login", "name", "<user>", "myuser"})
_URL_PLACEHOLDER_PASSWORDS: Final = frozenset({"pass", "password", "passwd", "pwd", "secret", "<password>",
                                               "mypassword", "yourpassword", "changeme", "xxx", "xxxx", "****"})
_LOCAL_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "db", "database", "postgres", "postgresql",
                                 "mysql", "mariadb", "redis", "mongo", "mongodb", "rabbitmq", "host.docker.internal",
                                 "[::1]", "::1", "example.com", "host", "hostname", "server"})
_DEV_PASSWORDS: Final = frozenset({"postgres", "password", "root", "admin", "example", "secret", "test", "dev",
                                   "mysql", "guest", "pass", "changeme", "development", "local", "user", "rabbitmq",
                                   "redis", "mongo", "app", "sa", "123456", "1234", "toor"})


class TokenFormat(NamedTuple):
    """A credential format a service prints on its keys."""

    label: str
    pattern: re.Pattern[str]
    test_key: bool = False
    """A sandbox key (`sk_test_...`): still a secret, but not money-moving."""


TOKEN_FORMATS: Final = (
    TokenFormat("an AWS access key id", lazy_compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    TokenFormat("a GitHub token", lazy_compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    TokenFormat("a Slack token", lazy_compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    TokenFormat("a Slack webhook URL", lazy_compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/\w{8,}")),
    TokenFormat("a Stripe live secret key", lazy_compile(r"\b[rs]k_live_[0-9a-zA-Z]{16,}")),
    TokenFormat("a Stripe test secret key", lazy_compile(r"\b[rs]k_test_[0-9a-zA-Z]{16,}"), test_key=True),
    TokenFormat("a Google API key", lazy_compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    TokenFormat("a SendGrid API key", lazy_compile(r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}")),
    TokenFormat("an OpenAI API key", lazy_compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}|"
                                                 r"\bsk-proj-[A-Za-z0-9_-]{40,}")),
    TokenFormat("an Anthropic API key", lazy_compile(r"\bsk-ant-[A-Za-z0-9_-]{40,}")),
    TokenFormat("a Mailgun API key", lazy_compile(r"\bkey-[0-9a-f]{32}\b")),
    TokenFormat("a private key", lazy_compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY-----"
                                            r"\s*[A-Za-z0-9+/=\s]{64,}")),
)


def name_words(name: str) -> list[str]:
    """`awsSecretAccessKey` / `AWS_SECRET_ACCESS_KEY` -> `['aws', 'secret', 'access', 'key']`."""
    return [w.lower() for w in _SPLIT.split(name) if w]


def is_credential_name(name: str) -> bool:
    """A setting, variable, key or keyword that names a password, API key, token or service secret.

    The name must *end* with the credential word (`DB_PASSWORD`, `stripe_api_key`, `SMTP_PASS`,
    `AWS_SECRET_ACCESS_KEY`), so `PASSWORD_RESET_TIMEOUT`, `TOKEN_URL` and `API_KEY_HEADER` are not
    credentials, and no word may say it is about the credential rather than the credential itself
    (`PASSWORD_FIELD_NAME`, `API_KEY_ENV_VAR`). `*_KEY` counts only after a service name
    (`SENDGRID_KEY`), never alone (`CACHE_KEY`, `SORT_KEY`).
    """
    words = name_words(name)
    if not words or " " in name.strip() or any(w in _NOT_A_SECRET for w in words) or words[-1] in ("id", "ids"):
        return False
    if words[-1] in _LAST_WORDS:
        return not (len(words) == 1 and words[0] == "pass")  # a bare `pass` is not a name anyone uses
    if len(words) >= 2 and (words[-2], words[-1]) in _LAST_PAIRS:
        return True
    return words[-1] == "key" and any(w in _SERVICES for w in words[:-1])


def is_public_by_design(name: str) -> bool:
    """`AMPLITUDE_API_KEY`, `RECAPTCHA_SITE_KEY`, `STRIPE_PUBLISHABLE_KEY`: keys shipped to browsers."""
    return any(w in _PUBLIC_SERVICES for w in name_words(name))


def is_password_name(name: str) -> bool:
    """`password`, `admin_password`, `raw_password`, `passwd`, `pwd`, `hashed_password`, `password_hash`."""
    words = name_words(name)
    return bool(words) and any(w in ("password", "passwd", "pwd", "passphrase") for w in words) and not any(
        w in ("confirm", "confirmation", "field", "name", "min", "max", "length", "reset", "expire", "old",
              "current", "verify", "check", "policy", "form", "input", "hint", "widget") for w in words)


def is_placeholder(text: str) -> bool:
    """`change-me`, `your-api-key`, `<password>`, `xxx`, `***`: a value that asks to be replaced.

    A random-looking token that merely ends in `EXAMPLE` (as AWS's documented keys do) is not a
    placeholder: it has the shape of a real key and is reported.
    """
    text = text.strip()
    if not _PLACEHOLDER.search(text):
        return False
    return not (_HIGH_ENTROPY_PART.search(text) and shannon_bits(text) >= 3.5)


def credential_value(name: str, text: str) -> bool:
    """True when a literal assigned to credential `name` has the shape of a credential.

    Not: empty or tiny values, messages (whitespace), templates (`{{ pw }}`, `${DB_PASSWORD}`),
    the name of an environment variable (`"DB_PASSWORD"`), a dotted import path, a URL or path
    without credentials, a header name (`X-API-Key`), or the setting's own name as a value
    (`PASSWORD = "password"`: a form field name).
    """
    value = text.strip()
    if len(value) < 3 or any(c.isspace() for c in value) or _TEMPLATE.search(value):
        return False
    if _ENV_NAME.match(value) or _DOTTED.match(value) or _HEADER.match(value):
        return False
    if value.lower() in ("true", "false", "yes", "no", "on", "off", "none", "null", "required", "optional"):
        return False
    if value.startswith(("/", "./", "../", "~/")) or ("://" in value and not URL_CREDENTIALS.search(value)):
        return False
    if _TRIVIAL.match(value) or _MODULE_ATTR.match(value) or value.startswith(_PUBLIC_KEY_PREFIXES):
        return False
    squash = re.sub(r"[^a-z0-9]", "", value.lower())
    words = name_words(name)
    password_name = bool(words) and words[-1] in _PASSWORD_WORDS
    if squash == re.sub(r"[^a-z0-9]", "", name.lower()):
        return False
    if squash in _CREDENTIAL_WORDS and not (password_name and value in ("password", "pass", "passwd", "secret")):
        return False  # `RESOURCE_PASSWORD = "Passwords"`, `{"access_token": "password"}`: names, not values
    if "://" in value:
        return True
    if _IDENTIFIER.match(value) and (not password_name or any(w in squash for w in _CREDENTIAL_WORDS)
                                     or _SNAKE_CASE.match(value)):
        return False  # `USERNAME_PASSWORD = "profile-username-password"`, `api_key="mlflow-gateway-auth"`
    return password_name or is_key_shaped(value)


def is_key_shaped(value: str) -> bool:
    """An API key, token or secret: at least 12 characters and not one plain word (`"ollama"`)."""
    classes = sum(1 for test in (str.islower, str.isupper, str.isdigit) if any(test(c) for c in value)) + (
        1 if any(not c.isalnum() for c in value) else 0)
    return len(value) >= 12 and (classes >= 2 or (len(value) >= 20 and shannon_bits(value) >= 3.5))


class UrlCredential(NamedTuple):
    """The password part of a connection URL."""

    user: str
    password: str
    host: str

    @property
    def placeholder(self) -> bool:
        """`driver://user:pass@localhost/dbname`: documentation, not a credential."""
        pw = self.password.lower()
        return (pw in _URL_PLACEHOLDER_PASSWORDS and self.user.lower() in _URL_PLACEHOLDER_USERS) or (
            is_placeholder(self.password) and pw not in _DEV_PASSWORDS) or bool(_TEMPLATE.search(self.password))

    @property
    def local_default(self) -> bool:
        """`postgres:postgres@localhost`: a development database's well-known default."""
        pw = self.password.lower()
        user = self.user.lower()
        return self.host.lower() in _LOCAL_HOSTS and (
            pw in _DEV_PASSWORDS or pw == user or (bool(user) and user in pw) or "pass" in pw)


def url_credential(text: str) -> UrlCredential | None:
    """The credentials inlined in a connection URL (`postgresql://app:s3cret@db.internal/app`)."""
    match = URL_CREDENTIALS.search(text)
    if match is None:
        return None
    user, password, host = match.group(2), match.group(3), match.group(4)
    if password.startswith(("$", "%")) or (password.startswith("{") and password.endswith("}")):
        return None
    return UrlCredential(user, password, host)


def token_format(text: str) -> TokenFormat | None:
    """The service key format a string contains, if any."""
    if len(text) < 16:
        return None
    for fmt in TOKEN_FORMATS:
        if fmt.pattern.search(text):
            return fmt
    return None


def is_weak_password(text: str) -> bool:
    """A value any password list starts with (`admin`, `password123`, `12345678`)."""
    lowered = text.lower()
    return lowered in _DEV_PASSWORDS or lowered.rstrip("0123456789!") in ("password", "admin", "pass", "secret",
                                                                          "letmein", "qwerty", "welcome") or (
        lowered.isdigit() and len(lowered) <= 10)


def shannon_bits(text: str) -> float:
    """Shannon entropy per character of a string."""
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(n / len(text) * log2(n / len(text)) for n in counts.values())


__all__ = ["TOKEN_FORMATS", "URL_CREDENTIALS", "TokenFormat", "UrlCredential", "credential_value",
           "is_credential_name", "is_key_shaped", "is_password_name", "is_placeholder", "is_public_by_design",
           "is_weak_password",
           "name_words",
           "shannon_bits", "token_format", "url_credential"]
