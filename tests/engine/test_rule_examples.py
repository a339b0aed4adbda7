"""Every claim rule's own examples: what it must and must not flag (like Vale's rule tests)."""

from __future__ import annotations

import pytest

from app.engine.claims import find_claims
from app.engine.markdown import parse_document
from app.engine.ruleset import default_ruleset

RULES = default_ruleset().claims
CASES = [(rule.id, text, True) for rule in RULES for text in rule.examples.claims] + \
        [(rule.id, text, False) for rule in RULES for text in rule.examples.not_claims]


def test_every_rule_has_examples_both_ways():
    for rule in RULES:
        assert rule.examples.claims, f"{rule.id} has no examples of claims"
        assert rule.examples.not_claims, f"{rule.id} has no examples of non-claims"


@pytest.mark.parametrize(("rule_id", "text", "is_claim"), CASES, ids=[f"{c[0]}:{c[1][:40]}" for c in CASES])
def test_rule_example(ruleset, rule_id, text, is_claim):
    claims = [c for c in find_claims(parse_document("README.md", text), ruleset) if c.rule.id == rule_id]
    assert bool(claims) is is_claim, [(c.text, c.target) for c in claims]
