"""Every rule code speaks for one checklist step: by family, with per-code overrides."""

from __future__ import annotations

import pytest
from apilint.checklist import STEPS, Step, step_of
from apilint.checklist.steps import CODE_STEP, FAMILY_STEP
from apilint.registry import all_rules
from apilint.rule import FAMILIES


def test_twelve_steps_with_the_issue_keys() -> None:
    assert [s.value for s in STEPS] == [
        "authentication", "authorization", "input_validation", "https", "rate_limiting", "error_handling",
        "content_type", "cors", "request_size", "versioning", "security_logging", "idempotency"]
    assert [s.number for s in STEPS] == list(range(1, 13))


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_every_rule_maps_to_a_step(rule: type) -> None:
    assert step_of(rule.code) is not None


def test_every_family_but_parse_has_a_step() -> None:
    assert set(FAMILY_STEP) == set(FAMILIES) - {"PARSE"}
    assert step_of("PARSE001") is None


@pytest.mark.parametrize(("code", "step"), [
    ("AUTH001", Step.AUTHENTICATION), ("JWT001", Step.AUTHENTICATION), ("GQL003", Step.AUTHENTICATION),
    ("SECRET001", Step.AUTHENTICATION), ("AUTHZ001", Step.AUTHORIZATION), ("EXPO001", Step.AUTHORIZATION),
    ("MASS001", Step.AUTHORIZATION), ("INJ001", Step.INPUT_VALIDATION), ("INPUT002", Step.INPUT_VALIDATION),
    ("INPUT001", Step.CONTENT_TYPE), ("TLS001", Step.HTTPS), ("LIMIT001", Step.RATE_LIMITING),
    ("LIMIT002", Step.REQUEST_SIZE), ("GQL002", Step.REQUEST_SIZE), ("ERR001", Step.ERROR_HANDLING),
    ("CORS002", Step.CORS), ("VER001", Step.VERSIONING), ("LOG001", Step.SECURITY_LOGGING),
    ("IDEM001", Step.IDEMPOTENCY),
])
def test_documented_mapping(code: str, step: Step) -> None:
    assert step_of(code) is step


@pytest.mark.parametrize(("code", "step"), [
    ("INJ008", Step.INPUT_VALIDATION), ("SECRET002", Step.AUTHENTICATION), ("JWT004", Step.AUTHENTICATION),
    ("EXPO004", Step.AUTHORIZATION), ("TLS003", Step.HTTPS), ("LOG002", Step.SECURITY_LOGGING),
])
def test_new_codes_land_on_their_family_step(code: str, step: Step) -> None:
    assert step_of(code) is step


def test_overrides_name_existing_families() -> None:
    for code in CODE_STEP:
        assert code.rstrip("0123456789") in FAMILY_STEP
