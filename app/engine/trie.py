"""One regular expression for many literal words, factored by their shared prefixes.

A plain alternation of a few hundred licence names takes sre tens of milliseconds to compile
and tries every name at every position; the factored form compiles in a fraction of that and
follows one branch per character. Matches are the same: at each position the longest word that
matches wins, as with an alternation sorted longest first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.engine.memo import pure

_END = ""


def alternation(words: Iterable[str]) -> str:
    """A pattern (no group of its own) matching any of the words, preferring the longest."""
    return _factored(tuple(sorted({word for word in words if word})))  # order and repeats change nothing


@pure
def _factored(words: tuple[str, ...]) -> str:
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {}
    return _pattern(trie) or "(?!)"


def _pattern(node: dict) -> str:
    branches = [re.escape(char) + _pattern(child) for char, child in sorted(node.items()) if char != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # Greedy: the longer continuation is tried first, the word ending here only if it fails.
    return f"(?:{body})?" if _END in node else body
