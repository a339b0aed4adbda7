"""The licence matcher on ScanCode LicenseDB's texts (tests/fixtures/licensedb, CC-BY-4.0): each
is named as expected, with the restrictions its terms carry."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.engine.license_sources import from_license_file
from app.engine.ruleset import default_ruleset

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "licensedb"
EXPECTED = yaml.safe_load((FIXTURES / "expected.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_licensedb_text_is_identified(key):
    text = (FIXTURES / f"{key}.LICENSE").read_text(encoding="utf-8")
    match = from_license_file("LICENSE", text, default_ruleset())[0]
    expected = EXPECTED[key]
    if expected["id"] is not None:
        assert match.id == expected["id"] and match.recognised
    found = {r.id for r in match.restrictions} - {"not-osi-approved"}
    assert found == set(expected["restrictions"])


def test_every_text_has_an_expectation():
    assert {p.stem for p in FIXTURES.glob("*.LICENSE")} == set(EXPECTED)


def test_open_and_closed_terms_follow_the_facts():
    ruleset = default_ruleset()
    for key, expected in EXPECTED.items():
        if expected["id"] and not expected["id"].startswith("LicenseRef"):
            facts = ruleset.license(expected["id"])
            assert facts.open_terms == (not expected["restrictions"]) or facts.kind == "software", key
