"""Cells from readings and findings: failed, possible problems, app-level findings, n/a,
declarations, rules that did not run, attribution by symbol, risk order and the summary."""

from __future__ import annotations

from apilint.checklist import STEPS, Status, Step
from apilint.checklist.assemble import build
from apilint.checklist.cells import Reading, met, not_applicable, unknown
from apilint.checklist.declared import Declaration
from apilint.model import (
    AppFact,
    AuthEvidence,
    AuthStatus,
    Confidence,
    Evidence,
    Finding,
    Location,
    ProjectFacts,
    Route,
    Severity,
)
from apilint.registry import all_rules

RULES = all_rules()
ALL = [r.code for r in RULES]
APP = AppFact("fastapi", "app.main.app", Location("app/main.py", 3))
FACTS = ProjectFacts(apps=(APP,), frameworks=("fastapi",))


def route(method: str, path: str, handler: str = "", **extra: object) -> Route:
    return Route("fastapi", method, path, path, handler or f"app.api.{method.lower()}_{path.strip('/')}",
                 Location("app/api.py", 10), auth=AuthEvidence(AuthStatus.REQUIRED), app="app.main.app",
                 **extra)  # type: ignore[arg-type]


def readings(**by_step: Reading) -> tuple[Reading, ...]:
    base = met(Evidence("dependency", "app.deps.current_user"))
    return tuple(by_step.get(step.value, base) for step in STEPS)


def finding(code: str, r: Route | None, confidence: Confidence = Confidence.HIGH, symbol: str = "",
            file: str = "app/api.py") -> Finding:
    return Finding(code, f"{code} message", Severity.HIGH, confidence, Location(file, 12),
                   route=r.display if r is not None else None, symbol=symbol)


def test_a_finding_on_the_route_fails_its_step() -> None:
    r = route("POST", "/items")
    checklist = build([r], [readings()], [finding("AUTH001", r)], FACTS, RULES, ALL)
    cell = checklist.rows[0].cell(Step.AUTHENTICATION)
    assert cell.status is Status.FAILED and [f.code for f in cell.findings] == ["AUTH001"]
    assert checklist.rows[0].cell(Step.CORS).status is Status.MET


def test_low_confidence_alone_is_a_possible_problem_never_met() -> None:
    r = route("POST", "/items")
    checklist = build([r], [readings()], [finding("INPUT002", r, Confidence.LOW)], FACTS, RULES, ALL)
    cell = checklist.rows[0].cell(Step.INPUT_VALIDATION)
    assert cell.status is Status.UNKNOWN
    assert cell.reason.startswith("possible problem (low confidence): INPUT002")
    assert cell.findings and cell.findings[0].confidence is Confidence.LOW


def test_app_level_findings_count_against_every_route_but_not_na() -> None:
    get, post = route("GET", "/items"), route("POST", "/items")
    idem_na = readings(idempotency=not_applicable("GET is idempotent"))
    app_level = [finding("CORS001", None, file="app/main.py"), finding("IDEM001", None, file="app/main.py")]
    checklist = build([get, post], [idem_na, readings()], app_level, FACTS, RULES, ALL)
    rows = {row.route.method: row for row in checklist.rows}
    assert rows["GET"].cell(Step.CORS).status is Status.FAILED
    assert rows["POST"].cell(Step.CORS).status is Status.FAILED
    assert rows["GET"].cell(Step.IDEMPOTENCY).status is Status.NA
    assert rows["POST"].cell(Step.IDEMPOTENCY).status is Status.FAILED


def test_a_finding_on_the_route_overrides_na() -> None:
    r = route("GET", "/search")
    na = readings(input_validation=not_applicable("takes no request body"))
    checklist = build([r], [na], [finding("INJ001", r)], FACTS, RULES, ALL)
    assert checklist.rows[0].cell(Step.INPUT_VALIDATION).status is Status.FAILED


def test_declarations_turn_unknown_into_met_declared_for_the_routes_they_cover() -> None:
    api, admin = route("POST", "/api/items"), route("POST", "/admin/items")
    unknown_https = readings(https=unknown("no HTTPS redirect"), rate_limiting=unknown("no limiter"))
    declared = (Declaration(Step.HTTPS, "TLS at the load balancer"),
                Declaration(Step.RATE_LIMITING, "Kong rate limiting", paths=("/api/*",), where="declare #1"))
    checklist = build([api, admin], [unknown_https, unknown_https], [], FACTS, RULES, ALL, declared)
    rows = {row.route.path: row for row in checklist.rows}
    https = rows["/admin/items"].cell(Step.HTTPS)
    assert https.status is Status.MET and https.declared and https.label == "met (declared)"
    assert https.evidence[0].kind == "declared" and https.evidence[0].name == "TLS at the load balancer"
    assert rows["/api/items"].cell(Step.RATE_LIMITING).declared
    assert rows["/admin/items"].cell(Step.RATE_LIMITING).status is Status.UNKNOWN


def test_declarations_never_override_a_finding() -> None:
    r = route("POST", "/api/items")
    unknown_rate = readings(rate_limiting=unknown("no limiter"))
    declared = (Declaration(Step.RATE_LIMITING, "gateway"),)
    low = finding("LIMIT001", None, Confidence.LOW, file="app/main.py")
    checklist = build([r], [unknown_rate], [low], FACTS, RULES, ALL, declared)
    cell = checklist.rows[0].cell(Step.RATE_LIMITING)
    assert cell.status is Status.UNKNOWN and not cell.declared


def test_met_that_rests_on_rules_is_unknown_when_they_did_not_run() -> None:
    r = route("POST", "/items")
    errors = readings(error_handling=met(Evidence("default", "debug off"), needs_rules=True))
    ran = [c for c in ALL if not c.startswith("ERR")]
    checklist = build([r], [errors], [], FACTS, RULES, ran)
    cell = checklist.rows[0].cell(Step.ERROR_HANDLING)
    assert cell.status is Status.UNKNOWN and "ERR001" in cell.reason
    assert "ERR001" in checklist.rules_not_run
    assert build([r], [errors], [], FACTS, RULES, ALL).rows[0].cell(Step.ERROR_HANDLING).status is Status.MET


def test_findings_without_a_route_reach_routes_through_their_symbol() -> None:
    users = route("GET", "/users", handler="app.views.UserViewSet.list", response_model="app.ser.UserSerializer")
    items = route("GET", "/items", handler="app.views.items", dependencies=("app.deps.current_user",))
    other = route("GET", "/other", handler="app.views.other")
    found = [finding("EXPO003", None, symbol="app.ser.UserSerializer", file="app/ser.py"),
             finding("ERR001", None, symbol="app.views.UserViewSet", file="app/views.py"),
             finding("JWT001", None, symbol="app.deps.current_user", file="app/deps.py")]
    checklist = build([users, items, other], [readings()] * 3, found, FACTS, RULES, ALL)
    rows = {row.route.path: row for row in checklist.rows}
    assert rows["/users"].cell(Step.AUTHORIZATION).status is Status.FAILED
    assert rows["/users"].cell(Step.ERROR_HANDLING).status is Status.FAILED
    assert rows["/items"].cell(Step.AUTHENTICATION).status is Status.FAILED
    assert rows["/other"].cell(Step.AUTHORIZATION).status is Status.MET
    assert rows["/other"].cell(Step.AUTHENTICATION).status is Status.MET


def test_routes_are_ordered_by_risk_and_summarized() -> None:
    cors, auth, clean = route("GET", "/a"), route("GET", "/b"), route("GET", "/c")
    found = [finding("CORS001", cors), finding("AUTH001", auth)]
    checklist = build([cors, auth, clean], [readings()] * 3, found, FACTS, RULES, ALL)
    assert [row.route.path for row in checklist.rows] == ["/b", "/a", "/c"]
    summary = {s.step: s for s in checklist.summary}
    auth_counts = dict(summary[Step.AUTHENTICATION].counts)
    assert auth_counts == {"met": 2, "failed": 1, "unknown": 0, "n/a": 0}
    assert summary[Step.AUTHENTICATION].share(summary[Step.AUTHENTICATION].counts) == round(2 / 3, 4)
