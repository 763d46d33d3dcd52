"""Rule documentation generated from the rule classes: docs/rules/*.md, `explain`, SARIF help.

`python -m apilint.docgen --write DIR` regenerates the pages; `--check DIR` exits 1 when
they are stale.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import textwrap
from pathlib import Path

from apilint.lazy_regex import lazy_compile
from apilint.model import Applicability
from apilint.registry import all_rules
from apilint.rule import FAMILIES, FixAvailability, Rule, fix_label

PROJECT_URL = "https://github.com/apilint/apilint"
"""The project's home, as `[project.urls] Homepage` in pyproject.toml declares it (a test keeps
the two equal). Rule pages are the committed docs/rules/*.md under it."""
DOCS_BASE_URL = f"{PROJECT_URL}/blob/main/docs/rules/"

FAMILY_TITLES = {
    "AUTH": "Authentication", "AUTHZ": "Authorization", "EXPO": "Data exposure", "MASS": "Mass assignment",
    "CORS": "CORS", "ERR": "Error handling", "LIMIT": "Limits", "INPUT": "Input validation", "TLS": "Transport",
    "JWT": "JSON Web Tokens", "SECRET": "Secrets", "LOG": "Security logging", "IDEM": "Idempotency",
    "VER": "Versioning", "GQL": "GraphQL", "INJ": "Injection", "PARSE": "Analysis problems",
}


def rule_doc_sections(rule: type[Rule]) -> dict[str, str]:
    """The docstring's `## Section` bodies by title."""
    doc = inspect.cleandoc(rule.__doc__ or "")
    sections: dict[str, str] = {}
    current = None
    lines: list[str] = []
    for line in doc.splitlines():
        if line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(lines).strip()
            current = line[3:].strip()
            lines = []
        else:
            lines.append(line)
    if current is not None:
        sections[current] = "\n".join(lines).strip()
    return sections


def help_uri(rule: type[Rule]) -> str:
    """Where the rule's page lives: docs/rules/CODE.md of the project's declared home."""
    return f"{DOCS_BASE_URL}{rule.code}.md"


def fix_section(rule: type[Rule]) -> str:
    """The rule page's "Automatic fix" section: whether a fix exists, how safe it is, what it does."""
    if rule.fix_availability is FixAvailability.NONE:
        return "None: findings of this rule are fixed by hand."
    when = "Sometimes available" if rule.fix_availability is FixAvailability.SOMETIMES else "Always available"
    if rule.fix_applicability == frozenset({Applicability.SAFE}):
        how = "a safe fix: `apilint check --fix` applies it"
    elif rule.fix_applicability == frozenset({Applicability.UNSAFE}):
        how = ("an unsafe fix (it changes behaviour a person must review): "
               "`apilint check --fix --unsafe-fixes` applies it")
    else:
        how = ("a safe or an unsafe fix depending on the finding: `apilint check --fix` applies the safe ones, "
               "`--unsafe-fixes` the others")
    return f"{when}; {how}. `--fix --dry-run` shows the diff first.\n\n{rule.fix_note}"


def _example_block(example_source: str) -> str:
    return f"```python\n{example_source.rstrip()}\n```"


_OPTION_ITEM = lazy_compile(r"^(\s*-\s*)`([a-z][a-z.-]*)`", re.MULTILINE)


def config_anchor(key: str) -> str:
    """The GitHub anchor of a key's heading in docs/configuration.md (`auth.public-paths` -> `authpublic-paths`)."""
    return re.sub(r"[^a-z0-9 _-]", "", key.lower()).replace(" ", "-")


def _link_options(text: str) -> str:
    """Link each `- `key`` bullet to the key's section of docs/configuration.md."""
    return _OPTION_ITEM.sub(lambda m: f"{m.group(1)}[`{m.group(2)}`](../configuration.md#{config_anchor(m.group(2))})",
                            text)


def render_rule(rule: type[Rule]) -> str:
    """The Markdown page of one rule."""
    sections = rule_doc_sections(rule)
    module_file = "rules/" + rule.__module__.split("apilint.rules.", 1)[-1].replace(".", "/") + ".py"
    cwe = ", ".join(f"[CWE-{n}](https://cwe.mitre.org/data/definitions/{n}.html)" for n in rule.cwe) or "none"
    owasp = ", ".join(rule.owasp) or "none"
    frameworks = ", ".join(sorted(rule.frameworks)) or "all"
    out = [
        f"# {rule.code} · {rule.name}",
        "",
        f"**{rule.summary}**",
        "",
        f"Severity: {rule.severity.value} · Confidence: {rule.confidence.value} · "
        f"Default: {'on' if rule.enabled_by_default else 'off'} · Fix: {fix_label(rule) or 'none'} · "
        f"Frameworks: {frameworks} · CWE: {cwe} · OWASP API Top 10 2023: {owasp}",
        "",
        "## What it finds",
        "",
        sections.get("What it finds", ""),
        "",
        "## Why it matters",
        "",
        sections.get("Why it matters", ""),
        "",
        "## Example",
        "",
        _example_block(rule.bad.source),
        "",
        "## Use instead",
        "",
        _example_block(rule.good.source),
        "",
        "## Automatic fix",
        "",
        fix_section(rule),
        "",
        "## Options",
        "",
        _link_options(sections.get("Options", "")) or "None.",
        "",
        "## Known limitations",
        "",
        sections.get("Known limitations", ""),
        "",
        "## Suppress it",
        "",
        f"Add `# apilint: ignore[{rule.code}]` at the end of the reported line.",
        "",
        "## References",
        "",
        sections.get("References", ""),
        "",
        "---",
        f"*Generated from `{module_file}`; do not edit by hand.*",
        "",
    ]
    return "\n".join(out)


def render_index(rules: tuple[type[Rule], ...]) -> str:
    """The table of every rule, grouped by family."""
    out = ["# Rules", "", "Generated from the rule classes; do not edit by hand.", ""]
    for family in FAMILIES:
        members = [r for r in rules if r.code[:-3] == family]
        if not members:
            continue
        out += [f"## {family} · {FAMILY_TITLES.get(family, family)}", "",
                "| code | name | summary | severity | default | fix |", "|---|---|---|---|---|---|"]
        for rule in members:
            out.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.summary} | "
                       f"{rule.severity.value} | {'on' if rule.enabled_by_default else 'off'} | "
                       f"{fix_label(rule) or ''} |")
        out.append("")
    return "\n".join(out)


def expected_pages() -> dict[str, str]:
    """File name -> content of every generated page."""
    rules = all_rules()
    pages = {f"{rule.code}.md": render_rule(rule) for rule in rules}
    pages["index.md"] = render_index(rules)
    return pages


def main(argv: list[str] | None = None) -> int:
    """Write or check the generated rule pages."""
    parser = argparse.ArgumentParser(prog="python -m apilint.docgen", description=textwrap.dedent(__doc__ or ""))
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")
    parser.add_argument("directory", nargs="?", default="docs/rules")
    args = parser.parse_args(argv)
    target = Path(args.directory)
    pages = expected_pages()
    if args.write:
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.glob("*.md"):
            if stale.name not in pages:
                stale.unlink()
        for name, content in pages.items():
            (target / name).write_text(content, encoding="utf-8")
        return 0
    problems = [name for name, content in pages.items()
                if not (target / name).is_file() or (target / name).read_text(encoding="utf-8") != content]
    problems += [p.name for p in target.glob("*.md") if p.name not in pages]
    if problems:
        sys.stderr.write(f"stale rule docs: {', '.join(sorted(problems))}; run: python -m apilint.docgen --write\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
