"""SECRET002: passwords, API keys and service credentials written into the code."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from apilint.project import ProjectIndex
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.jwt._calls import is_test_path
from apilint.rules.secret._credentials import Hit, credential_hits
from apilint.rules.secret._names import name_words
from apilint.rules.secret._values import is_non_prod_file
from apilint.summary import ModuleSummary

_SERVICES = (
    (("mail", "smtp", "email", "imap", "pop3", "sendgrid", "mailgun", "postmark", "ses"), "the mail account"),
    (("db", "database", "postgres", "postgresql", "pg", "mysql", "mariadb", "mongo", "mongodb", "sql", "mssql",
      "oracle", "redis", "rabbitmq", "amqp", "elastic", "elasticsearch", "url"), "the database or broker"),
    (("aws", "s3", "gcp", "google", "azure", "firebase"), "the cloud account"),
    (("stripe", "paypal", "braintree", "razorpay", "paystack", "adyen", "mollie", "square", "payment", "checkout"),
     "the payment account"),
    (("github", "gitlab", "slack", "discord", "telegram", "twilio"), "the connected service"),
)


def _unlocks(name: str) -> str:
    words = set(name_words(name))
    for keys, what in _SERVICES:
        if words.intersection(keys):
            return what
    return "whatever it unlocks"


class HardcodedCredential(Rule):
    """
    ## What it finds
    Passwords, API keys, tokens and other service credentials written into Python code:

    - settings and config classes: `DB_PASSWORD = "..."`, `STRIPE_SECRET_KEY = "..."`,
      `AWS_SECRET_ACCESS_KEY`, `SMTP_PASS`, `SENDGRID_KEY`, a pydantic `BaseSettings` default;
    - app config: `app.config["MAIL_PASSWORD"] = "..."`, `config.update(MAIL_PASSWORD=...)`,
      `os.environ["DB_PASSWORD"] = "..."`, `stripe.api_key = "..."`;
    - settings dicts: `DATABASES = {"default": {"PASSWORD": "..."}}`, `CACHES`, broker options;
    - parameter defaults: `def connect(host, password="...")`;
    - the value a field of a form, serializer, schema or model class starts with:
      `client_secret = forms.CharField(widget=forms.HiddenInput(attrs={"value": "..."}))`,
      `CharField(initial="...")`, `api_key: str = Field(default="...")`, `models.CharField(default="...")`
      (a form's initial value is sent to every client that loads the form);
    - passwords checked against a literal: `if form["password"] == "...":` (a built-in backdoor);
    - call arguments: `psycopg2.connect(password="...")`, `redis.Redis(password=...)`,
      `boto3.client(aws_secret_access_key=...)`, `smtp.login(user, "...")`,
      `requests.get(url, auth=("user", "..."))`, `HTTPBasicAuth("user", "...")`;
    - environment fallbacks: `os.getenv("SMTP_PASSWORD", "...")`, `env("DB_PASSWORD", default=...)`;
    - a key-shaped literal a handler hands out under a credential name
      (`return JsonResponse({"token": "..."})`, `return {"api_key": "..."}`): one fixed
      credential for every caller who asks, at medium confidence;
    - connection URLs with an inline password (`postgresql://app:s3cret@db.internal/app`);
    - strings in the format of a service key anywhere in the code: AWS access key ids, GitHub,
      Slack, Stripe, Google, SendGrid, OpenAI, Anthropic and Mailgun keys, private keys.

    A name counts when it *ends* with the credential word (`PASSWORD_RESET_TIMEOUT`,
    `TOKEN_URL`, `API_KEY_HEADER` do not). Values that are not credentials are skipped: empty
    or tiny strings, messages, templates (`${DB_PASSWORD}`), environment variable names, import
    paths, URLs without credentials, and a field name equal to the setting's name
    (`PASSWORD = "password"`). Signing keys (`SECRET_KEY`, JWT secrets) are SECRET001's; passwords
    given to accounts that seed code creates are SECRET004's.

    API keys, tokens and secrets must look like keys (12 characters or more, not one word or a
    `snake_case` / `kebab-case` name such as `"x-api-key"` or `"mlflow-gateway-auth"`);
    publishable and analytics keys (`pk_live_...`, PostHog, Amplitude), SSH public keys and
    strings inside documentation dicts (`metadata`, `example`, `description`) or prose are
    skipped.

    Confidence: a literal in a settings module is high, medium for call arguments, field starting
    values and inside an `if`; low for a placeholder (`changeme`, `<your-key>`), an environment fallback, a shipped
    default (`DEFAULT_ADMIN_PASSWORD`, a value set in `create_default_connections()`, a
    well-known weak password, the product's own name), a development database's default URL
    (`postgres:postgres@localhost`), a sandbox key (`sk_test_...`), a class named for
    development or testing, or a `DEBUG` branch. Development, test, example and template files
    and `if __name__ == "__main__":` blocks are skipped, except for strings in a service key
    format. The value is never shown.

    ## Why it matters
    A credential in the code is in every clone, fork, package, container image and CI log, and
    in the repository's history after it is removed. Whoever reads it can use the database,
    mailbox, cloud or payment account as the application does (CWE-798 Use of Hard-coded
    Credentials, CWE-259 Use of Hard-coded Password, OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Credentials assembled at run time, read from files, or held by names that do not say what
    they are (`DB_CONFIG = {"pw": ...}`) are not found. Whether the value is still valid cannot
    be known.

    ## References
    - https://cwe.mitre.org/data/definitions/798.html
    - https://cwe.mitre.org/data/definitions/259.html
    - https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/
    """

    code = "SECRET002"
    name = "hardcoded-credential"
    summary = "Password, API key or service credential hard-coded in the source"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (798, 259)
    owasp = ("API8:2023",)

    bad = Example("""
        import smtplib

        SMTP_HOST = "smtp.mailgun.org"
        SMTP_USER = "postmaster@mg.example.com"
        SMTP_PASSWORD = "9f3kD82mQz7"  # expect: SECRET002


        def send(to: str, body: str) -> None:
            with smtplib.SMTP(SMTP_HOST, 587) as server:
                server.starttls()
                server.login(SMTP_USER, SMTP_PASSWORD)
                server.sendmail(SMTP_USER, [to], body)
    """)

    good = Example("""
        import os
        import smtplib

        SMTP_HOST = "smtp.mailgun.org"
        SMTP_USER = "postmaster@mg.example.com"
        SMTP_PASSWORD = os.environ["SMTP_PASSWORD"]


        def send(to: str, body: str) -> None:
            with smtplib.SMTP(SMTP_HOST, 587) as server:
                server.starttls()
                server.login(SMTP_USER, SMTP_PASSWORD)
                server.sendmail(SMTP_USER, [to], body)
    """)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Every non-test module; development and example files only for service key formats."""
        seen: set[tuple[str, int]] = set()
        for mod in ctx.index:
            if is_test_path(mod.path):
                continue
            for hit in ctx.per_module(self.code, mod, "", partial(_module_hits, ctx.index, mod)):
                spot = (hit.location.file, hit.location.line)
                if spot in seen:
                    continue
                seen.add(spot)
                yield self._finding(hit)

    def _finding(self, hit: Hit) -> Finding:
        if hit.name == "url":
            what = "its database or broker"
        elif hit.name.startswith(("a ", "an ")):
            what = "the account the key belongs to"
        else:
            what = _unlocks(hit.name)
        if hit.env:
            message = (f"{hit.label} falls back to a hard-coded credential{hit.note} when the environment does not "
                       f"set it: a deployment that forgets the variable runs with a value anyone who can read the "
                       f"code knows, and can use to reach {what}")
        else:
            message = (f"{hit.label} is a hard-coded credential{hit.note}: anyone who can read the code (repository, "
                       f"package, container image) can use it to reach {what}")
        return self.finding(
            hit.location, message,
            "Read it from the environment or a secret store with no literal fallback, remove it from the code "
            "(and the repository's history), and rotate it",
            confidence=hit.confidence, symbol=f"{hit.location.file}:{hit.label}")


def _module_hits(index: ProjectIndex, mod: ModuleSummary) -> tuple[Hit, ...]:
    return tuple(credential_hits(index, mod, is_non_prod_file(mod.path)))
