"""Refusing rule patterns that can take super-linear time.

Python's `re` backtracks: a pattern in which two quantifiers can share the same text — one nested
in another (`(a+)+`), or two side by side over classes that overlap, with nothing required
between them (`\\s*,?\\s+`) — tries every way of splitting a long run between them, and one
README of 80,000 spaces holds a worker for minutes. Such patterns are refused when the rules load,
with the rule file and key that hold them; a possessive quantifier (`\\s*+`) or an atomic group
(`(?>…)`), which never give back what they took, is the way to write them.

The check reads the parsed pattern (re's own parser) and the first characters each part can
match, sampled from an alphabet of the characters repository text is made of.
"""

from __future__ import annotations

import re
from re import _constants as c  # re's own parse tree: the ground truth of what a pattern is
from re import _parser as parser

LARGE = 16  # a repetition allowed more times than this is treated as unbounded
_SAMPLE = (" \t\n\r\x0b\x0c" + "".join(chr(i) for i in range(33, 127)) + "éÉßİıſK中文。，开源ーオ\u00a0\u3000")
_ALPHABET = frozenset(_SAMPLE)
_CATEGORIES = {
    c.CATEGORY_DIGIT: lambda ch: ch.isdigit(), c.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdigit(),
    c.CATEGORY_SPACE: lambda ch: ch.isspace(), c.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
    c.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
    c.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_"),
}
_REPEATS = (c.MAX_REPEAT, c.MIN_REPEAT)


def problem(pattern: str, flags: int = re.IGNORECASE) -> str | None:
    """Why a pattern can take super-linear time, or None when its quantifiers cannot share text."""
    try:
        tree = parser.parse(pattern, flags)
    except re.error:
        return None  # the compile check reports it
    ignore_case = bool(flags & re.IGNORECASE) or bool(tree.state.flags & re.IGNORECASE)
    return _sequence(list(tree), ignore_case, inside_unbounded=False)


def _sequence(items: list, ic: bool, inside_unbounded: bool) -> str | None:
    pending: set[str] | None = None  # what an unbounded repeat before us may still take
    for op, av in items:
        found = _node(op, av, ic, inside_unbounded)
        if found:
            return found
        if op in _REPEATS and _unbounded(av):
            first = _chars_of(av[2], ic)
            if pending is not None and pending & first:
                return (f"two quantifiers side by side can take the same characters ({_shown(pending & first)}); "
                        "make the first possessive (*+, ++) or put what separates them in between")
            pending = first
        elif not _nullable(op, av):
            pending = None  # something required stands between: the repeats cannot share a run
    return None


def _node(op, av, ic: bool, inside_unbounded: bool) -> str | None:
    if op in _REPEATS:
        unbounded = _unbounded(av)
        if unbounded and inside_unbounded:
            return "a quantifier nested in another can split the same run many ways; make the inner one possessive"
        return _sequence(list(av[2]), ic, inside_unbounded or unbounded)
    if op == c.SUBPATTERN:
        return _sequence(list(av[3]), ic, inside_unbounded)
    if op == c.BRANCH:
        return next((p for branch in av[1] if (p := _sequence(list(branch), ic, inside_unbounded))), None)
    if op in (c.ASSERT, c.ASSERT_NOT):
        return _sequence(list(av[1]), ic, False)
    return None  # possessive repeats and atomic groups never give back: nothing inside can blow up


def _unbounded(av) -> bool:
    return av[1] == c.MAXREPEAT or av[1] > LARGE


def _nullable(op, av) -> bool:
    if op in _REPEATS or op == c.POSSESSIVE_REPEAT:
        return av[0] == 0
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return True
    if op == c.SUBPATTERN:
        return all(_nullable(o, a) for o, a in av[3])
    if op == c.BRANCH:
        return any(all(_nullable(o, a) for o, a in branch) for branch in av[1])
    return False


def _chars_of(sub, ic: bool) -> set[str]:
    """Every character of the alphabet the subpattern can start with (a repeated item: any of its)."""
    chars: set[str] = set()
    for op, av in sub:
        chars |= _node_chars(op, av, ic)
        if not _nullable(op, av):
            break
    return chars


def _node_chars(op, av, ic: bool) -> set[str]:
    if op == c.LITERAL:
        return _cased({chr(av)}, ic)
    if op == c.NOT_LITERAL:
        return set(_ALPHABET) - _cased({chr(av)}, ic)
    if op == c.ANY:
        return set(_ALPHABET) - {"\n"}
    if op == c.IN:
        return _class(av, ic)
    if op in _REPEATS or op == c.POSSESSIVE_REPEAT:
        return _chars_of(av[2], ic)
    if op == c.SUBPATTERN:
        return _chars_of(av[3], ic)
    if op == c.ATOMIC_GROUP:
        return _chars_of(av, ic)
    if op == c.BRANCH:
        return set().union(*(_chars_of(branch, ic) for branch in av[1]))
    return set()


def _class(items, ic: bool) -> set[str]:
    negate = bool(items) and items[0][0] == c.NEGATE
    chars: set[str] = set()
    for op, av in items[1:] if negate else items:
        if op == c.LITERAL:
            chars |= _cased({chr(av)}, ic)
        elif op == c.RANGE:
            chars |= _cased({ch for ch in _ALPHABET if av[0] <= ord(ch) <= av[1]}, ic)
        elif op == c.CATEGORY:
            chars |= {ch for ch in _ALPHABET if _CATEGORIES.get(av, lambda _: False)(ch)}
    return set(_ALPHABET) - chars if negate else chars


def _cased(chars: set[str], ic: bool) -> set[str]:
    return chars | {x.swapcase() for x in chars} if ic else chars


def _shown(chars: set[str]) -> str:
    if all(ch.isspace() for ch in chars):
        return "white space"
    sample = sorted(chars)[:6]
    return " ".join(repr(ch) for ch in sample) + (" …" if len(chars) > 6 else "")


_PREFERRED = " a1-,.\t_/:'\"()[]*#|>\\@中é。，ー"  # a repository's commonest characters first


def run_characters(patterns) -> list[str]:
    """One character for each class that a pattern repeats without bound: the characters from which
    runs are built to try every pattern on the text it could backtrack over (see the tests)."""
    classes: set[frozenset[str]] = set()
    for pattern in patterns:
        try:
            tree = parser.parse(pattern, re.IGNORECASE)
        except re.error:
            continue
        _collect(list(tree), classes)
    order = {ch: i for i, ch in enumerate(_PREFERRED)}
    chosen = {min(chars, key=lambda ch: (order.get(ch, len(order)), ch)) for chars in classes if chars}
    return sorted(chosen, key=lambda ch: (order.get(ch, len(order)), ch))


def _collect(items: list, classes: set[frozenset[str]]) -> None:
    for op, av in items:
        if op in (*_REPEATS, c.POSSESSIVE_REPEAT):
            if _unbounded(av):
                classes.add(frozenset(_chars_of(av[2], True)))
            _collect(list(av[2]), classes)
        elif op == c.SUBPATTERN:
            _collect(list(av[3]), classes)
        elif op == c.BRANCH:
            for branch in av[1]:
                _collect(list(branch), classes)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            _collect(list(av[1]), classes)
        elif op == c.ATOMIC_GROUP:
            _collect(list(av), classes)


def rule_patterns(root) -> list[str]:
    """Every regular expression in the rule files (any string value that compiles and repeats)."""
    from pathlib import Path

    import yaml

    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str) and any(ch in value for ch in "*+{"):
            try:
                re.compile(value)
            except re.error:
                return
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted(Path(root).rglob("*.yml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found
