"""SARIF 2.1.0 for GitHub code scanning, GitLab, VS Code and other SARIF viewers.

Built with sarif-om and serialized with jschema_to_python. One `reportingDescriptor` per rule
that fired (help from `apilint.docgen`, the same text as docs/rules), repository-relative URIs
under `%SRCROOT%`, and apilint's line-independent fingerprint in `partialFingerprints` under
its own key (`apilint/v1`), leaving `primaryLocationLineHash` to GitHub's upload step.
PARSE001 findings and diagnostics are tool execution notifications, not results.

A fixable finding's result carries `fixes`: one fix, computed for that finding alone, whose
`artifactChanges` replace whole lines (`deletedRegion` from column 1 of its first line to the
end of its last, `insertedContent` the new lines in the file's line ending), the form VS Code's
SARIF viewer and code scanning offer to apply. `properties.autofix` says whether it is safe.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

import sarif_om as om
from apilint.docgen import PROJECT_URL, help_uri, render_rule, rule_doc_sections
from apilint.model import Diagnostic, Finding, Location, Severity
from apilint.reporters import Report
from apilint.rule import Rule
from jschema_to_python.to_json import to_json

if TYPE_CHECKING:
    from apilint.fixes.apply import FileChange

SCHEMA_URI: Final = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI: Final = PROJECT_URL
FINGERPRINT_KEY: Final = "apilint/v1"
SRCROOT: Final = "%SRCROOT%"
MAX_DESCRIPTION: Final = 1024
NOTIFICATION_CODES: Final = frozenset({"PARSE001"})
"""Finding codes that describe apilint's own trouble with a file; reported as notifications."""

SECURITY_SEVERITY: Final = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
LEVEL: Final = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _properties(values: dict[str, str], tags: list[str] | None = None) -> om.PropertyBag:
    bag = om.PropertyBag(tags=tags)
    for key, value in values.items():
        setattr(bag, key, value)
    return bag


def _descriptor(rule: type[Rule]) -> om.ReportingDescriptor:
    page = render_rule(rule)
    what = rule_doc_sections(rule).get("What it finds", "") or rule.summary
    family = rule.code[:-3].lower()
    tags = ["security", family, *(f"external/cwe/cwe-{n}" for n in rule.cwe), *rule.owasp]
    return om.ReportingDescriptor(
        id=rule.code,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=rule.summary),
        full_description=om.MultiformatMessageString(text=_clip(what)),
        help=om.MultiformatMessageString(text=page, markdown=page),
        help_uri=help_uri(rule),
        default_configuration=om.ReportingConfiguration(level=LEVEL[rule.severity]),
        properties=_properties(
            {"precision": rule.confidence.value, "security-severity": SECURITY_SEVERITY[rule.severity]},
            tags=tags,
        ),
    )


def _region(loc: Location) -> om.Region:
    end_line = loc.end_line if loc.end_line >= loc.line else None
    end_column = None
    if loc.end_column > 0 and (end_line is None or end_line > loc.line or loc.end_column >= loc.column):
        end_column = loc.end_column
    return om.Region(start_line=max(loc.line, 1), start_column=max(loc.column, 1), end_line=end_line,
                     end_column=end_column)


def _location(loc: Location) -> om.Location:
    physical = om.PhysicalLocation(artifact_location=om.ArtifactLocation(uri=loc.file, uri_base_id=SRCROOT))
    if loc.line > 0:
        physical.region = _region(loc)
    return om.Location(physical_location=physical)


def _fix(finding: Finding, change: FileChange) -> om.Fix:
    """One finding's change as a SARIF fix: whole-line replacements of one artifact."""
    assert finding.fix_plan is not None
    replacements = [
        om.Replacement(
            deleted_region=om.Region(start_line=hunk.start, start_column=1, end_line=hunk.end,
                                     end_column=hunk.end_column),
            inserted_content=om.ArtifactContent(text=change.newline.join(hunk.new)),
        )
        for hunk in change.hunks()
    ]
    return om.Fix(
        description=om.Message(text=finding.fix_plan.title),
        artifact_changes=[om.ArtifactChange(
            artifact_location=om.ArtifactLocation(uri=change.path, uri_base_id=SRCROOT), replacements=replacements)],
    )


def _result(finding: Finding, rule_index: int, change: FileChange | None = None) -> om.Result:
    properties = {"confidence": finding.confidence.value, "severity": finding.severity.value}
    if finding.route:
        properties["route"] = finding.route
    if finding.fix:
        properties["fix"] = finding.fix
    if finding.fix_plan is not None:
        properties["autofix"] = finding.fix_plan.applicability.value
    text = finding.message + (f" Fix: {finding.fix}" if finding.fix else "")
    return om.Result(
        rule_id=finding.code,
        rule_index=rule_index,
        level=LEVEL[finding.severity],
        message=om.Message(text=text),
        locations=[_location(finding.location)],
        partial_fingerprints={FINGERPRINT_KEY: finding.fingerprint or "unknown"},
        properties=_properties(properties),
        fixes=[_fix(finding, change)] if change is not None and finding.fix_plan is not None else None,
    )


def _notification(code: str, message: str, loc: Location, level: str) -> om.Notification:
    return om.Notification(
        message=om.Message(text=message),
        level=level,
        descriptor=om.ReportingDescriptorReference(id=code),
        locations=[_location(loc)] if loc.file and loc.file != "." else None,
    )


def _notifications(report: Report) -> list[om.Notification]:
    out = [_notification(f.code, f.message, f.location, "warning")
           for f in report.findings if f.code in NOTIFICATION_CODES]
    out += [_diagnostic(d) for d in report.diagnostics]
    return out


def _diagnostic(diag: Diagnostic) -> om.Notification:
    return _notification(diag.code, diag.message, diag.location, "error" if diag.internal else "note")


def build_log(report: Report) -> om.SarifLog:
    """The sarif-om object tree of a report."""
    results_findings = [f for f in report.findings if f.code not in NOTIFICATION_CODES]
    fired = sorted({f.code for f in results_findings})
    rules: list[type[Rule]] = []
    for code in fired:
        rule = report.rule(code)
        if rule is not None:
            rules.append(rule)
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = [_result(f, index[f.code], report.previews.get(f)) for f in results_findings if f.code in index]
    driver = om.ToolComponent(
        name="apilint",
        full_name=f"apilint {report.version}",
        version=report.version,
        semantic_version=report.version,
        information_uri=INFORMATION_URI,
        rules=[_descriptor(rule) for rule in rules],
    )
    invocation = om.Invocation(
        execution_successful=not any(d.internal for d in report.diagnostics),
        tool_execution_notifications=_notifications(report) or None,
    )
    run = om.Run(
        tool=om.Tool(driver=driver),
        invocations=[invocation],
        automation_details=om.RunAutomationDetails(id="apilint/"),
        original_uri_base_ids={
            SRCROOT: om.ArtifactLocation(
                description=om.Message(text="The project root apilint analyzed; every uri is relative to it."))
        },
        column_kind="unicodeCodePoints",
        results=results,
        properties=_properties({"filesAnalyzed": str(report.files_analyzed),
                                "suppressed": str(report.suppressed), "baselined": str(report.baselined)}),
    )
    return om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])


def render(report: Report) -> str:
    """The report as a SARIF 2.1.0 document (pretty-printed, keys sorted, deterministic)."""
    doc: Any = json.loads(to_json(build_log(report)))
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
