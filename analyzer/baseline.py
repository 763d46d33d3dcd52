"""Baselines: accept today's findings, report only what is added later.

A baseline file is a versioned JSON document listing fingerprints with counts:

```
{"version": 1, "tool": "apilint",
 "findings": [{"fingerprint": "...", "code": "AUTH001", "file": "app/api.py",
               "subject": "DELETE /items/{id}", "count": 1}, ...]}
```

Entries are sorted by (file, code, fingerprint), so the file is deterministic and diffs well.
Matching uses only the fingerprint (rule, file, route or symbol, normalized statement; never
the line number) and honours counts: when the baseline holds one copy of a problem and the
code now has two, the second is still reported.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apilint.model import Finding

if TYPE_CHECKING:
    from apilint.engine import RunResult

BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read; the message is one line fit for the user."""


def build(findings: Iterable[Finding]) -> dict[str, Any]:
    """The baseline document for a set of findings."""
    counts: Counter[str] = Counter()
    first: dict[str, Finding] = {}
    for finding in findings:
        counts[finding.fingerprint] += 1
        first.setdefault(finding.fingerprint, finding)
    entries = [
        {
            "fingerprint": fp,
            "code": first[fp].code,
            "file": first[fp].location.file,
            "subject": first[fp].route or first[fp].symbol,
            "count": counts[fp],
        }
        for fp in counts
    ]
    entries.sort(key=lambda e: (e["file"], e["code"], e["fingerprint"]))
    return {"version": BASELINE_VERSION, "tool": "apilint", "findings": entries}


def dumps(findings: Iterable[Finding]) -> str:
    """The baseline file's text."""
    return json.dumps(build(findings), indent=2, sort_keys=True) + "\n"


def write(path: Path, findings: Iterable[Finding]) -> None:
    """Write a baseline file (creating its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(findings), encoding="utf-8")


def counts_of(findings: Iterable[Finding]) -> Counter[str]:
    """Fingerprint -> how many findings carry it."""
    return Counter(f.fingerprint for f in findings)


def load(path: Path) -> Counter[str]:
    """Fingerprint counts from a baseline file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline file not found: {path} (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: baseline is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not an apilint baseline (expected an object with a 'findings' list)")
    version = data.get("version")
    if version != BASELINE_VERSION:
        raise BaselineError(f"{path}: unsupported baseline version {version!r} (expected {BASELINE_VERSION})")
    counts: Counter[str] = Counter()
    for number, entry in enumerate(data["findings"], start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{path}: finding #{number} has no fingerprint")
        count = entry.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise BaselineError(f"{path}: finding #{number} has an invalid count {count!r}")
        counts[entry["fingerprint"]] += count
    return counts


def subtract(findings: Iterable[Finding], known: Counter[str]) -> tuple[list[Finding], int]:
    """Findings not covered by `known` fingerprint counts, and how many were covered.

    Findings are matched in the order given (canonical order), each consuming one count.
    """
    remaining = Counter(known)
    kept: list[Finding] = []
    matched = 0
    for finding in findings:
        if remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
            matched += 1
        else:
            kept.append(finding)
    return kept, matched


def apply(result: RunResult, known: Counter[str]) -> RunResult:
    """Drop the result's baselined findings in place; the count goes to `extra["baselined"]`."""
    kept, matched = subtract(result.findings, known)
    result.findings = kept
    result.extra["baselined"] = matched
    return result
