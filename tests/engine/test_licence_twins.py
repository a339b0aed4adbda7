"""Near twins are never confused: a licence text is identified as itself and no other licence,
and a sentence that names one twin names that twin only (GPL / AGPL / LGPL 3.0, CC BY / BY-NC /
BY-SA 4.0, OpenRAIL-M / OpenRAIL++-M). The texts are ScanCode LicenseDB's (tests/fixtures/licensedb)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import licenses as lic
from app.engine.license_sources import from_license_file

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "licensedb"
TWINS = {
    "gpl-3.0": "GPL-3.0", "agpl-3.0": "AGPL-3.0", "lgpl-3.0": "LGPL-3.0",
    "cc-by-4.0": "CC-BY-4.0", "cc-by-nc-4.0": "CC-BY-NC-4.0", "cc-by-sa-4.0": "CC-BY-SA-4.0",
    "bigscience-open-rail-m": "BigScience-OpenRAIL-M", "bigscience-open-rail-m2": "CreativeML-OpenRAIL++-M",
}


@pytest.mark.parametrize(("key", "expected"), TWINS.items())
def test_each_twin_text_is_itself_and_no_other(ruleset, key, expected):
    matches = from_license_file("LICENSE", (TEXTS / f"{key}.LICENSE").read_text(encoding="utf-8"), ruleset)
    assert [m.id for m in matches] == [expected]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("The weights are released under the GNU Affero General Public License v3.0.", ["AGPL-3.0"]),
    ("The weights are released under the GNU Lesser General Public License v3.0.", ["LGPL-3.0"]),
    ("The weights are released under the GNU General Public License v3.0.", ["GPL-3.0"]),
    ("The weights are released under CC BY-NC 4.0.", ["CC-BY-NC-4.0"]),
    ("The weights are released under CC BY-SA 4.0.", ["CC-BY-SA-4.0"]),
    ("The weights are released under CC BY 4.0.", ["CC-BY-4.0"]),
    ("The weights are released under the CreativeML OpenRAIL++-M license.", ["CreativeML-OpenRAIL++-M"]),
    ("The weights are released under the CreativeML OpenRAIL-M license.", ["CreativeML-OpenRAIL-M"]),
])
def test_a_sentence_naming_one_twin_names_only_it(ruleset, sentence, expected):
    assert [(f.spdx or f.id) for f in lic.names_in(sentence, ruleset)] == expected
