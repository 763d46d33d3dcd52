"""GitLab code quality report (a Code Climate JSON array), for `artifacts:reports:codequality`.

Each issue carries `description`, `check_name`, `fingerprint`, `severity` and
`location.path` / `location.lines.begin`. GitLab uses the fingerprint to tell issues apart
between the source and target branch, so apilint's line-independent fingerprint is used; the
second and later copies of one fingerprint get an occurrence suffix to stay unique.
Paths are made relative to `CI_PROJECT_DIR` when the project root lies inside it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from typing import Any

from apilint.docgen import help_uri
from apilint.model import Severity
from apilint.reporters import Report
from apilint.reporters.github import workspace_prefix

SEVERITY = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}


def render(report: Report) -> str:
    """The findings as a GitLab code quality JSON array."""
    prefix = workspace_prefix(report.root, os.environ.get("CI_PROJECT_DIR"))
    seen: Counter[str] = Counter()
    issues: list[dict[str, Any]] = []
    for finding in report.findings:
        base = finding.fingerprint or hashlib.sha256(
            f"{finding.code}|{finding.location.file}|{finding.message}".encode()).hexdigest()[:32]
        seen[base] += 1
        fingerprint = base if seen[base] == 1 else hashlib.sha256(f"{base}#{seen[base]}".encode()).hexdigest()[:32]
        rule = report.rule(finding.code)
        body = [finding.message]
        if finding.fix:
            body.append(f"**Fix:** {finding.fix}")
        if rule is not None:
            body.append(f"[{finding.code} · {rule.name}]({help_uri(rule)})")
        loc = finding.location
        issues.append({
            "type": "issue",
            "engine_name": "apilint",
            "check_name": finding.code,
            "description": f"{finding.code}: {finding.message}",
            "content": {"body": "\n\n".join(body)},
            "categories": ["Security"] if finding.code != "PARSE001" else ["Bug Risk"],
            "severity": SEVERITY[finding.severity],
            "fingerprint": fingerprint,
            "location": {
                "path": prefix + loc.file,
                "lines": {"begin": max(loc.line, 1), "end": max(loc.end_line, loc.line, 1)},
            },
        })
    return json.dumps(issues, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
