"""No rule pattern can take super-linear time: ambiguous quantifiers are refused when the rules
load, and every class a rule pattern repeats, as a 100 KB run inside a claim or a licence
sentence, scans within 3x ordinary prose of the same size (a quadratic pattern is hundreds of
times slower: the bound is far from noise)."""

from __future__ import annotations

import gc
import shutil
import time

import pytest

from app.engine import redos
from app.engine.ruleset import RuleFileError, load_ruleset
from app.engine.scan import scan
from app.engine.snapshot import Snapshot
from app.paths import rules_dir

SIZE = 100_000
CONTEXTS = {
    "a claim": ("# Acme\n\nThis open-source model", "is great.\n"),
    "a licence sentence": ("# Acme\n\nThe model weights are released under the", "license agreement.\n"),
    "a table cell": ("# Acme\n\n| Model | License |\n|---|---|\n| Acme open-source model |", "|\n"),
}
EXTRA = "\t\n-.*|<`[(:/"  # characters the engine's own readers (not the rules) repeat over


def seconds(text: str) -> float:
    """The best of two scans, the collector held off: what is measured is the engine's own work, not
    when the rest of the test session's objects happen to be collected."""
    snapshot = Snapshot.from_mapping({"README.md": text}, ["model.safetensors"])
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(2):
            started = time.perf_counter()
            scan(snapshot)
            best = min(best, time.perf_counter() - started)
    finally:
        gc.enable()
    return best


@pytest.fixture(scope="module")
def prose() -> float:
    text = ("Acme is a language model trained for chat in many languages. " * (SIZE // 60 + 1))[:SIZE]
    return seconds(f"# Acme\n\nThis open-source model {text} is great.\n")


@pytest.mark.parametrize("character", redos.run_characters(redos.rule_patterns(rules_dir())), ids=repr)
def test_a_run_of_any_class_a_rule_repeats_scans_within_3x_prose(prose, character):
    for context, (before, after) in CONTEXTS.items():
        took = seconds(before + character * SIZE + after)
        assert took <= 3 * max(prose, 0.02), (context, took, prose)


@pytest.mark.parametrize("character", list(EXTRA), ids=repr)
def test_runs_the_readers_themselves_repeat_over_grow_linearly(character):
    """A run of pipes in a table is 100,000 cells: more work than prose, but 4x the run costs about
    4x the time, give or take what caches and the collector add (a quadratic pass costs 16x)."""
    for context, (before, after) in CONTEXTS.items():
        small, large = (seconds(before + character * (SIZE // 4) + after),
                        seconds(before + character * SIZE + after))
        assert large <= 10 * max(small, 0.005), (context, small, large)


@pytest.mark.parametrize(("pattern", "why"), [
    (r"open[\s-]?source\s*,?\s+(?:such as|like)", "side by side"),
    (r"(?:\w+\s*)*open source", "nested"),
])
def test_ambiguous_quantifiers_are_refused_with_the_rule_named(tmp_path, pattern, why):
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    path = rules / "claims" / "OpenSourceClaim.yml"
    path.write_text(path.read_text().replace("exceptions:\n", f"exceptions:\n  - '{pattern}'\n", 1))
    with pytest.raises(RuleFileError) as raised:
        load_ruleset(rules)
    assert "OpenSourceClaim.yml" in str(raised.value) and why in str(raised.value) and "exceptions" in str(raised.value)


@pytest.mark.parametrize("pattern", [r"\s*+,?\s+x", r"(?:\w++\s*+)*x", r"[\w-]+\s+x", r"(?:[\w-]+\s+){0,3}x",
                                     r"(?>\s*),?\s+x"])
def test_possessive_atomic_and_unambiguous_patterns_pass(pattern):
    assert redos.problem(pattern) is None
