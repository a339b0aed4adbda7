"""Licence facts: each licence is recognised from its phrases and names, and nothing else is."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import licenses as lic
from app.engine.models import Evidence
from app.engine.ruleset import default_ruleset
from tests.conftest import APACHE_HEAD, MIT_TEXT, shared_file

LICENSES = default_ruleset().licenses
EVIDENCE = Evidence("test", "test", "LICENSE", 1)


def _synthetic_text(facts) -> str:
    # A licence file as it comes: hard-wrapped, with Markdown emphasis and straight quotes.
    body = "\n\n".join(f"**{p}**" if i == 0 else p for i, p in enumerate(facts.phrases))
    return body.replace("“", '"').replace("”", '"').replace(" ", "\n", 3)


@pytest.mark.parametrize("facts", [f for f in LICENSES if f.phrases], ids=lambda f: f.id)
def test_recognised_from_its_own_phrases(ruleset, facts):
    found = lic.identify_text(_synthetic_text(facts), ruleset)
    assert found is not None and found.id == facts.id


@pytest.mark.parametrize("facts", [f for f in LICENSES if f.aliases], ids=lambda f: f.id)
def test_named_in_prose(ruleset, facts):
    sentence = f"The model weights are released under the {facts.aliases[0]}, see LICENSE."
    assert facts in lic.names_in(sentence, ruleset)


@pytest.mark.parametrize("facts", LICENSES, ids=lambda f: f.id)
def test_facts_are_consistent(ruleset, facts):
    assert facts.source, "every licence names its source"
    if facts.osi_approved:
        assert facts.open_terms and not facts.restrictions
    else:
        assert facts.restrictions or facts.open_terms
    for hf_id in facts.hf_ids:
        assert lic.by_hf_id(hf_id, ruleset) is not None


def test_unrelated_text_is_not_a_licence(ruleset):
    assert lic.identify_text("Aurora is a chat model. It answers questions politely.", ruleset) is None


def test_one_borrowed_clause_is_not_enough(ruleset):
    text = "ACME MODEL LICENSE\n\nIf you have more than greater than 700 million monthly active users, ask us."
    assert lic.identify_text(text, ruleset) is None


def test_modified_mit_is_not_mit(ruleset):
    text = MIT_TEXT + ("\nYou must prominently display \"Acme\" if you have more than 100 million "
                       "monthly active users.\n")
    match = lic.match_text(text, "all", EVIDENCE, ruleset)
    assert match.id == "LicenseRef-unrecognised"
    assert not match.open_terms
    assert {"mau-cap", "attribution-naming"} <= {r.id for r in match.restrictions}
    assert "modified MIT License" in match.name


def test_curly_quotes_and_wrapping_are_normalised(ruleset):
    text = "LLAMA 3.1 COMMUNITY\nLICENSE AGREEMENT\n\nYou must prominently display \u201cBuilt with\n Llama\u201d"
    assert lic.identify_text(text, ruleset).id == "Llama-3.1"


def test_spdx_expressions(ruleset):
    assert [f.id for f in lic.by_spdx_expression("MIT OR Apache-2.0", ruleset)] == ["MIT"]
    assert {f.id for f in lic.by_spdx_expression("MIT AND CC-BY-NC-4.0", ruleset)} == {"MIT", "CC-BY-NC-4.0"}
    assert lic.by_spdx_expression("((", ruleset) is None


def test_apache_head_is_apache(ruleset):
    assert lic.identify_text(APACHE_HEAD, ruleset).id == "Apache-2.0"


COMMON = Path("/usr/share/common-licenses")
REAL_TEXTS = {
    COMMON / "Apache-2.0": "Apache-2.0", COMMON / "GPL-2": "GPL-2.0", COMMON / "GPL-3": "GPL-3.0",
    COMMON / "LGPL-2.1": "LGPL-2.1", COMMON / "LGPL-3": "LGPL-3.0", COMMON / "MPL-2.0": "MPL-2.0",
    COMMON / "BSD": "BSD-3-Clause", COMMON / "CC0-1.0": "CC0-1.0",
    "docs/license-texts/apple__corenet/LICENSE": "Apple-Sample-Code",
    "docs/license-texts/deepseek-ai__DeepSeek-V3/LICENSE-MODEL": "DeepSeek-License-1.0",
    "docs/license-texts/deepseek-ai__DeepSeek-V3/LICENSE-CODE": "MIT",
    "docs/license-texts/meta-llama__llama-models/models/llama2/LICENSE": "Llama-2",
    "docs/license-texts/meta-llama__llama-models/models/llama3/LICENSE": "Llama-3",
    "docs/license-texts/meta-llama__llama-models/models/llama3_1/LICENSE": "Llama-3.1",
    "docs/license-texts/meta-llama__llama-models/models/llama3_2/LICENSE": "Llama-3.2",
    "docs/license-texts/meta-llama__llama-models/models/llama3_3/LICENSE": "Llama-3.3",
    "docs/license-texts/meta-llama__llama-models/models/llama4/LICENSE": "Llama-4",
}


@pytest.mark.parametrize(("path", "expected"), REAL_TEXTS.items(), ids=lambda v: str(v)[-40:])
def test_real_licence_texts(ruleset, path, expected):
    path = shared_file(path) if isinstance(path, str) else path
    if not path.is_file():
        pytest.skip(f"{path} is not on this machine")
    match = lic.match_text(path.read_text(errors="replace"), "all", EVIDENCE, ruleset)
    facts = ruleset.license(expected)
    assert match.id == (facts.spdx or facts.id)
    assert match.open_terms == facts.open_terms


def test_restriction_clauses_are_quoted_from_the_text(ruleset):
    path = shared_file("docs/license-texts/meta-llama__llama-models/models/llama3_1/LICENSE")
    match = lic.match_text(path.read_text(), "weights", EVIDENCE, ruleset)
    mau = next(r for r in match.restrictions if r.id == "mau-cap")
    assert "700 million monthly active users" in mau.clause


def test_the_factored_name_pattern_finds_what_a_longest_first_alternation_finds():
    import random
    import re

    from app.engine import licenses as lic
    from app.engine.ruleset import default_ruleset
    from app.engine.trie import alternation

    ruleset = default_ruleset()
    names = {lic._alias_form(a) for f in ruleset.licenses for a in [*f.aliases, f.name, *([f.spdx] if f.spdx else [])]}
    plain = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                       + r")(?![\w]|\.\d)")
    factored = re.compile(r"(?<![\w.])(?:" + alternation(names) + r")(?![\w]|\.\d)")
    pieces = [*names, "the", "model", "under", "v2", ".", "1", "-", "license", "llama 3", "2.0", "cc by", "(", ","]
    rng = random.Random(7)
    for _ in range(2000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        assert [m.span() for m in plain.finditer(text)] == [m.span() for m in factored.finditer(text)], text
