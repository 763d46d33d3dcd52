"""SECRET003: credentials in committed `.env`, INI, `credentials` and key files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from apilint.lazy_regex import lazy_compile
from apilint.model import Location
from apilint.rule import Confidence, Example, Finding, Rule, RuleContext, Severity
from apilint.rules.secret._names import (
    credential_value,
    is_credential_name,
    is_placeholder,
    is_weak_password,
    token_format,
    url_credential,
)
from apilint.textfiles import TextFile, is_example_file

_ASSIGNMENT: Final = lazy_compile(r"""^\s*(?:export\s+)?["']?([A-Za-z_][\w.\-]*)["']?\s*[:=]\s*(.*?)\s*$""")
_INLINE_COMMENT: Final = lazy_compile(r"\s+[#;].*$")
_NETRC: Final = lazy_compile(r"\bpassword\s+(\S+)")
_NON_PROD: Final = lazy_compile(r"(^|[/._-])(tests?|testing|unit_?tests?|dev|development|local|ci|docs?|examples?|"
                              r"samples?|demo|fixtures?)([/._-]|$)")
_KEY_MATERIAL: Final = lazy_compile(r"^[A-Za-z0-9+/=]{40,}$")
_FIX = ("Remove the file from the repository (and its history), add it to `.gitignore`, keep only an example "
        "with placeholders, and rotate every credential it held")
Hit = tuple[int, str, Confidence]


class CommittedCredentialsFile(Rule):
    """
    ## What it finds
    Credentials in non-Python files inside the analyzed tree: `.env` and `*.env` files,
    `.envrc`, `.flaskenv`, INI-style configuration (`*.ini`, `*.cfg`, `*.conf`,
    `*.properties`), `credentials` / `secrets` files of any format (`secrets.yaml`,
    `credentials.json`), `.netrc`, `.pgpass`, `.git-credentials` and private key files
    (`*.pem`, `*.key`, `id_rsa`). Each line `NAME=value`, `name = value` or `"name": "value"`
    whose name is a credential (`DB_PASSWORD`, `STRIPE_SECRET_KEY`, `smtp_pass`) and whose value
    looks like one is reported, as are connection URLs with an inline password, strings in the
    format of a service key (AWS, GitHub, Slack, Stripe, Google, SendGrid, OpenAI...) and
    private key blocks.

    The files are found like Python files (`.gitignore`, `exclude` and the test-folder rule
    apply: an ignored `.env` is not committed and not reported), read as text only and never
    executed; only the first 256 KiB of a file is read. Example files (`.env.example`,
    `config.sample.ini`, `*.template`) hold placeholders, and test, development, documentation
    and sample files (`unit_tests.cfg`, `.env.dev`, `docs/`) hold throw-away values: they are only
    searched for service key formats (low confidence). YAML, JSON and TOML files are read only
    when their name says they hold secrets.

    Confidence: high for a credential; medium for a well-known default password (`postgres`,
    `admin`, `password123`); low for a placeholder (`changeme`), a development database's
    default URL (`postgres:postgres@localhost`), a sandbox key or a real-format key in an
    example file. The value is never shown. Suppress a line with `# apilint: ignore[SECRET003]`
    at its end, or the whole file with `per-file-ignores`.

    ## Why it matters
    A committed `.env` or config file puts the database password, API keys and signing keys
    in every clone, fork and container image, and in the repository's history after it is
    deleted; scanners harvest public repositories for them within minutes (CWE-798 Use of
    Hard-coded Credentials, CWE-538 Insertion of Sensitive Information into Externally-Accessible
    File or Directory, OWASP API8:2023 Security Misconfiguration).

    ## Options
    None (exclude files with `exclude` or `per-file-ignores`).

    ## Known limitations
    Values are judged by the line's key name, so credentials under names that do not say what
    they are (`DB_CONFIG=...`) are missed unless they are URLs or service keys. Multi-line
    values and YAML nesting are read line by line. Whether a credential is still valid cannot
    be known.

    ## References
    - https://cwe.mitre.org/data/definitions/798.html
    - https://cwe.mitre.org/data/definitions/538.html
    - https://12factor.net/config
    """

    code = "SECRET003"
    name = "committed-credentials-file"
    summary = "Credentials in a committed .env, INI, credentials or key file"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (798, 538)
    owasp = ("API8:2023",)

    bad = Example(
        """
        import os

        DATABASE_URL = os.environ["DATABASE_URL"]
        """,
        files=((".env", """
            DATABASE_URL=postgresql://shop:Xk29fLq0pe@db.internal:5432/shop  # expect: SECRET003
            STRIPE_WEBHOOK_SECRET=whsec_4eC39HqLyjWDarjtT1zdp7dc  # expect: SECRET003
            DEBUG=false
        """),),
        main="settings.py")

    good = Example(
        """
        import os

        DATABASE_URL = os.environ["DATABASE_URL"]
        """,
        files=((".env.example", """
            DATABASE_URL=postgresql://user:password@localhost:5432/shop
            STRIPE_WEBHOOK_SECRET=your-webhook-secret
            DEBUG=false
        """),),
        main="settings.py")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        """Every credential text file, line by line."""
        for text_file in ctx.texts:
            example = is_example_file(text_file.name) or bool(_NON_PROD.search(text_file.path.lower()))
            note = " (only the file's first 256 KiB was read)" if text_file.truncated else ""
            seen: set[int] = set()
            for line, what, confidence in _hits(text_file, example):
                if line in seen:
                    continue
                seen.add(line)
                yield self.finding(
                    Location(text_file.path, line),
                    f"{what} is committed in `{text_file.name}`{note}: anyone who can read the repository (every "
                    "clone, fork and image, and its history) can use it",
                    _FIX, confidence=confidence, symbol=f"{text_file.path}:{what}")


def _hits(text_file: TextFile, example: bool) -> Iterator[Hit]:
    in_key = False
    lines = text_file.lines()
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if "PRIVATE KEY-----" in line and line.startswith("-----BEGIN"):
            in_key = True
            following = lines[number].strip() if number < len(lines) else ""
            if _KEY_MATERIAL.match(following) or following.startswith(("Proc-Type", "Comment")):
                yield number, "A private key", Confidence.LOW if example else Confidence.HIGH
            continue
        if in_key:
            in_key = "-----END" not in line
            continue
        if not line or line.startswith(("#", ";", "[", "//")):
            continue
        fmt = token_format(line)
        if fmt is not None:
            low = example or fmt.test_key
            yield number, f"A string holding {fmt.label}", Confidence.LOW if low else Confidence.HIGH
            continue
        if example:
            continue
        found = _assignment(line) or _other_formats(text_file.name, line)
        if found is not None:
            yield number, found[0], found[1]


def _assignment(line: str) -> tuple[str, Confidence] | None:
    match = _ASSIGNMENT.match(line)
    if match is None:
        return None
    key, value = match.group(1), _INLINE_COMMENT.sub("", match.group(2)).rstrip(",").strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    name = key.rsplit(".", 1)[-1]
    url = url_credential(value) if "://" in value else None
    if url is not None:
        if url.placeholder:
            return None
        return (f"A connection URL with an inline password (`{key}`)",
                Confidence.LOW if url.local_default else Confidence.HIGH)
    if not is_credential_name(name) or not credential_value(name, value):
        return None
    if is_placeholder(value):
        return f"`{key}`", Confidence.LOW
    return f"`{key}`", Confidence.MEDIUM if is_weak_password(value) else Confidence.HIGH


def _other_formats(name: str, line: str) -> tuple[str, Confidence] | None:
    """`.netrc` (`machine h login u password p`) and `.pgpass` (`host:port:db:user:password`)."""
    lowered = name.lower()
    if lowered in (".netrc", "_netrc"):
        match = _NETRC.search(line)
        if match is not None and not is_placeholder(match.group(1)):
            return "A `.netrc` password", Confidence.HIGH
    if lowered == ".pgpass":
        parts = line.split(":")
        if len(parts) == 5 and parts[4] and not is_placeholder(parts[4]):
            return "A `.pgpass` password", Confidence.HIGH
    if lowered == ".git-credentials":
        url = url_credential(line)
        if url is not None and not url.placeholder:
            return "A Git credential", Confidence.HIGH
    return None
