"""The scorecard's component statuses: open, restricted, missing, not determinable."""

from __future__ import annotations

from app.report.scorecard import scorecard
from tests.conftest import APACHE_HEAD, scan_files


def statuses(files: dict[str, str], extra: tuple[str, ...] = ()) -> dict[str, str]:
    return {c["key"]: c["status"] for c in scorecard(scan_files(files, extra))["components"]}


def test_open_weights_under_an_osi_licence_without_training_code():
    found = statuses({"README.md": "# Tiny\n\nWeights under Apache-2.0.\n", "LICENSE": APACHE_HEAD},
                     ("model.safetensors",))
    assert found["parameters"] == "open" and found["code"] == "missing"


def test_weights_under_terms_seen_to_fail_are_restricted_even_when_the_licence_is_unknown():
    files = {"README.md": "# Tiny\n", "LICENSE": "TINY MODEL LICENSE\n\nFor non-commercial use only.\n"}
    assert statuses(files, ("model.safetensors",))["parameters"] == "restricted"


def test_weights_without_any_stated_licence_are_not_determinable():
    assert statuses({"README.md": "# Tiny\n"}, ("model.safetensors",))["parameters"] == "undetermined"


def test_the_scorecard_names_the_weights_licence_and_its_failing_clauses():
    files = {"README.md": "# Tiny\n", "LICENSE": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n\n700 million monthly "
                                                 "active users must ask.\n"}
    card = scorecard(scan_files(files, ("model.safetensors",)))
    assert card["verdict"] == "restricted" and card["weights_license"]["id"] == "Llama-2"
    assert "monthly-active-user cap" in card["weights_license"]["failing"]
