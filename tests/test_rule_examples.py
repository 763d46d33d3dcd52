"""Every rule's bad example yields exactly its markers; every good example yields nothing at all."""

from __future__ import annotations

import pytest
from apilint.registry import all_rules
from apilint.testing import run_example

RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_bad_example_matches_markers(rule):
    found, expected = run_example(rule.bad)
    assert any(code == rule.code for _, _, code in expected.expect), "bad example must mark its own code"
    assert found == expected.expect


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_good_example_is_silent_for_every_rule(rule):
    found, expected = run_example(rule.good)
    assert not expected.expect, "good examples carry no markers"
    assert found == set()
