"""Pure functions' results: computed once, preloaded from a previous run, bounded."""

from __future__ import annotations

import re

from app.engine import memo, prefilter, trie


def _name(function) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def test_a_result_is_computed_once_and_preloaded_results_are_used(monkeypatch):
    calls: list[str] = []

    def doubled(text: str) -> str:
        calls.append(text)
        return text * 2

    monkeypatch.setattr(memo, "PRELOADED", {_name(doubled): {("kept",): "from an earlier run"}})
    doubled = memo.pure(doubled)
    try:
        assert doubled("ab") == doubled("ab") == "abab" and calls == ["ab"]
        assert doubled("kept") == "from an earlier run" and calls == ["ab"]
    finally:
        memo.TABLES.pop(_name(doubled))


def test_a_full_table_starts_again(monkeypatch):
    monkeypatch.setattr(memo, "MAX_ENTRIES", 3)

    @memo.pure
    def square(n: int) -> int:
        return n * n

    try:
        assert [square(n) for n in range(5)] == [0, 1, 4, 9, 16]
        assert len(memo.TABLES[_name(square)]) <= 3
    finally:
        memo.TABLES.pop(_name(square))


def test_the_kept_derivations_are_the_computed_ones():
    """The tables hold exactly what the functions compute (what a later run will be given)."""
    pattern = re.compile(r"\b(?:released|published) under (?:the )?(?:apache|mit)\b", re.I)
    assert prefilter.literal_choices(pattern) == prefilter._literal_choices.__wrapped__(pattern.pattern, pattern.flags)
    assert trie.alternation(["mit", "apache-2.0", "mit", "apache"]) == trie.alternation(["apache", "apache-2.0", "mit"])
    assert re.fullmatch(trie.alternation(["apache", "apache-2.0"]), "apache-2.0")
