"""What GitHub code scanning requires of a SARIF log beyond the OASIS schema, as plain checks.

The project's own copy of the checks the shared validator (`shared/tools/validate_sarif.py`)
performs, so that a fresh clone runs them; the shared script stays a second opinion where it
is present. The sources are GitHub's "SARIF support for code scanning" page (required
properties must not be empty strings, the limits table, how `security-severity` is read) and
codeql-action's upload step (the `results` array, the run category, fingerprints). On top:
apilint's policy (every rule is a security rule with a score; URIs are repository-relative),
and `fixes`, which code scanning and VS Code's SARIF viewer offer to apply.

`problems(doc)` returns one line per problem; an empty list means the log passes.
"""

from __future__ import annotations

import math
import re
from typing import Any

MAX_RUNS = 20
MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_TAGS = 20
MAX_LOCATIONS = 1_000
MAX_TEXT = 1024
PRECISIONS = frozenset({"very-high", "high", "medium", "low"})
LEVELS = frozenset({"note", "warning", "error"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def problems(doc: Any) -> list[str]:
    """Every way `doc` falls short of what code scanning (and apilint's policy) needs."""
    out: list[str] = []
    if not isinstance(doc, dict):
        return ["the log is not a JSON object"]
    if doc.get("version") != "2.1.0":
        out.append("version must be 2.1.0")
    if not _text(doc.get("$schema")):
        out.append("$schema is required")
    runs = doc.get("runs")
    if not isinstance(runs, list) or not 0 < len(runs) <= MAX_RUNS:
        return [*out, "runs must hold 1 to 20 runs"]
    categories: set[tuple[Any, ...]] = set()
    for r, run in enumerate(runs):
        out += [f"runs[{r}]: {p}" for p in _run(run, categories)]
    return out


def _run(run: Any, categories: set[tuple[Any, ...]]) -> list[str]:
    out: list[str] = []
    driver = _get(run, "tool", "driver")
    if not isinstance(driver, dict) or not _text(driver.get("name")):
        return ["tool.driver.name is required"]
    category = (driver.get("name"), driver.get("fullName"), driver.get("version"), driver.get("semanticVersion"),
                _get(run, "automationDetails", "id"))
    if category in categories:
        out.append("another run has the same tool and automationDetails.id (one category per run)")
    categories.add(category)
    rules = driver.get("rules")
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        return [*out, "tool.driver.rules must be an array (empty is fine)"]
    ids: list[str] = []
    for i, rule in enumerate(rules):
        out += [f"rules[{i}]: {p}" for p in _rule(rule)]
        ids.append(rule.get("id") if isinstance(rule, dict) else None)
    if len(set(ids)) != len(ids):
        out.append("rule ids must be unique")
    results = run.get("results")
    if not isinstance(results, list) or len(results) > MAX_RESULTS:
        return [*out, "results must be an array (empty when nothing was found)"]
    for i, result in enumerate(results):
        out += [f"results[{i}]: {p}" for p in _result(result, ids)]
    return out


def _rule(rule: Any) -> list[str]:
    out: list[str] = []
    if not isinstance(rule, dict):
        return ["not an object"]
    if not _text(rule.get("id")):
        out.append("id is required")
    for key in ("shortDescription", "fullDescription", "help"):
        text = _get(rule, key, "text")
        if not _text(text):
            out.append(f"{key}.text is required")
        elif key != "help" and len(text) > MAX_TEXT:
            out.append(f"{key}.text is longer than {MAX_TEXT} characters")
    if "markdown" in (rule.get("help") or {}) and not _text(_get(rule, "help", "markdown")):
        out.append("help.markdown is empty")
    props = rule.get("properties") if isinstance(rule.get("properties"), dict) else {}
    tags = props.get("tags") or []
    if not isinstance(tags, list) or len(tags) > MAX_TAGS or "security" not in tags:
        out.append('tags must list "security" (at most 20 tags)')
    score = props.get("security-severity")
    try:
        number = float(score) if isinstance(score, str) else math.nan
    except ValueError:
        number = math.nan
    if not isinstance(score, str) or not 0.0 < number <= 10.0:
        out.append(f"security-severity must be a string holding a number in (0, 10], got {score!r}")
    if props.get("precision") not in (None, *PRECISIONS):
        out.append(f"precision {props.get('precision')!r} is not one GitHub knows")
    level = _get(rule, "defaultConfiguration", "level")
    if level not in (None, *LEVELS):
        out.append(f"defaultConfiguration.level {level!r} is not note, warning or error")
    return out


def _uri(uri: Any) -> list[str]:
    if not _text(uri):
        return ["artifactLocation.uri is required"]
    if _SCHEME.match(uri) or uri.startswith(("/", "\\")) or "\\" in uri or ".." in uri.split("/"):
        return [f"uri {uri!r} must be relative to the repository root, with / and no .."]
    return []


def _region(region: Any, what: str) -> list[str]:
    if not isinstance(region, dict):
        return [f"{what} is required"]
    start, end = region.get("startLine"), region.get("endLine", region.get("startLine"))
    if not isinstance(start, int) or start < 1 or not isinstance(end, int) or end < start:
        return [f"{what} lines must run forwards from 1, got {start!r}..{end!r}"]
    first, last = region.get("startColumn", 1), region.get("endColumn")
    if not isinstance(first, int) or first < 1 or (last is not None and (
            not isinstance(last, int) or last < 1 or (end == start and last < first))):
        return [f"{what} columns must be 1-based and run forwards, got {first!r}..{last!r}"]
    return []


def _result(result: Any, rule_ids: list[str | None]) -> list[str]:
    if not isinstance(result, dict):
        return ["not an object"]
    out: list[str] = []
    rule_id, index = result.get("ruleId"), result.get("ruleIndex")
    if not _text(rule_id) or rule_id not in rule_ids:
        out.append(f"ruleId {rule_id!r} names no rule of the driver")
    if index is not None and (not isinstance(index, int) or not 0 <= index < len(rule_ids)
                              or rule_ids[index] != rule_id):
        out.append(f"ruleIndex {index!r} does not point at rule {rule_id!r}")
    if not _text(_get(result, "message", "text")):
        out.append("message.text is required")
    locations = result.get("locations")
    if not isinstance(locations, list) or not 0 < len(locations) <= MAX_LOCATIONS:
        out.append("at least one location is required")
    else:
        for location in locations:
            physical = _get(location, "physicalLocation")
            out += _uri(_get(physical, "artifactLocation", "uri"))
            out += _region(_get(physical, "region"), "region")
    fingerprints = result.get("partialFingerprints")
    if not isinstance(fingerprints, dict) or not fingerprints or not all(_text(v) for v in fingerprints.values()):
        out.append("partialFingerprints must hold non-empty values")
    for i, fix in enumerate(result.get("fixes") or []):
        out += [f"fixes[{i}]: {p}" for p in _fix(fix)]
    return out


def _fix(fix: Any) -> list[str]:
    """A fix a viewer can apply: a description, and per artifact non-overlapping replacements."""
    out: list[str] = []
    if not _text(_get(fix, "description", "text")):
        out.append("description.text is required")
    changes = fix.get("artifactChanges") if isinstance(fix, dict) else None
    if not isinstance(changes, list) or not changes:
        return [*out, "artifactChanges must not be empty"]
    for change in changes:
        out += _uri(_get(change, "artifactLocation", "uri"))
        replacements = change.get("replacements") if isinstance(change, dict) else None
        if not isinstance(replacements, list) or not replacements:
            out.append("replacements must not be empty")
            continue
        previous: tuple[int, int] | None = None
        for replacement in replacements:
            region = _get(replacement, "deletedRegion")
            out += _region(region, "deletedRegion")
            if not isinstance(_get(replacement, "insertedContent", "text"), str):
                out.append("insertedContent.text is required (empty to delete)")
            if isinstance(region, dict) and isinstance(region.get("startLine"), int):
                start = (region["startLine"], region.get("startColumn", 1))
                if previous is not None and start < previous:
                    out.append("replacements overlap or are out of order")
                previous = (region.get("endLine", region["startLine"]), region.get("endColumn", 1))
    return out
