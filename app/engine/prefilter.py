"""Which segments a pattern finds something in, without searching each segment with it.

Readers of a document ask the same question of every segment: does this pattern occur in it?
The rules' patterns are case-insensitive alternations that the regex engine must try at every
position; on a typical README they cost tens of times a plain search. Two cheaper passes find
the candidates, and each candidate is confirmed with the very search the reader would have made,
so the answer is always exact:

- Literals first. Most patterns cannot match without one of a few literal words ("licen",
  "based on", a dataset's name, "开源"). Those words are found in the segments' folded text
  (lower case, and the four non-ASCII letters the regex engine takes for ASCII ones made
  ASCII), many times faster than the pattern. A cased letter outside ASCII ("é", "Σ") is not
  used as a literal: its case variants are the regex engine's to decide.
- Otherwise one pass over the segments joined by NUL, the search resuming at the next segment
  after each hit. That is exact unless the pattern looks past a segment's edges: an anchor
  (`^`, `$`, `\\A`, `\\Z`) or a negative lookaround that could match the NUL (`.`, a negated
  class, `\\W`, `\\S`, `\\D`). Such patterns are searched segment by segment.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from re import _constants as c
from re import _parser

from app.engine.memo import pure

SEPARATOR = "\x00"
MIN_LITERAL = 2  # shorter required literals would make nearly every segment a candidate
_PASS_WORD = 4  # an alternation's words this long or longer are looked for when a document is prepared
SAMPLE = 65_536  # characters in which the required words are counted to choose the rarest
_EDGES = {c.AT_BEGINNING, c.AT_BEGINNING_STRING, c.AT_END, c.AT_END_STRING}
_NO_SEPARATOR_CATEGORIES = {c.CATEGORY_WORD, c.CATEGORY_DIGIT, c.CATEGORY_SPACE, c.CATEGORY_LINEBREAK}
_SEP = ord(SEPARATOR)
_REPEATS = (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT)
# Non-ASCII characters that case-insensitive matching treats as an ASCII letter.
_ASCII_FOLDS = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
_FOLD_TO_ASCII = str.maketrans({chr(code): letter for code, letter in _ASCII_FOLDS.items()})
_FOLD_TO_ASCII_CHARS = tuple(chr(code) for code in _ASCII_FOLDS)


@dataclass
class Prepared:
    """Segments' texts, joined once for every pattern a document is asked about."""

    texts: Sequence[str]
    joined: str = ""
    starts: list[int] = field(default_factory=list)
    folded: str = ""  # `joined` folded (see fold): one character for each, so `starts` hold for it
    # Where each word the expected patterns need occurs in `folded`, found once for all of them.
    found: dict[str, list[int]] | None = None
    expected: frozenset[str] = frozenset()  # the words looked for
    counts: dict[str, int] = field(default_factory=dict)  # of other words, counted when asked
    lines: int | None = None  # lines of all texts, once asked for
    # Prepared from the texts' source instead (prepare_spans): the texts joined after all.
    joined_later: Callable[[], Prepared] | None = None


def prepare(texts: list[str], expected: tuple[re.Pattern[str], ...] = ()) -> Prepared:
    """Join the texts; with the patterns the readers will ask about, find all their required
    words once (instead of a search per pattern, and a count per pattern to choose)."""
    prepared = Prepared(texts)
    prepared.joined, prepared.starts = _join(texts)
    prepared.folded = fold(prepared.joined)
    words = _searchable_words(expected)
    if words:
        prepared.found, prepared.expected = every_occurrence(prepared.folded, words), words
    return prepared


def prepare_spans(source: str, starts: list[int], texts: Sequence[str], expected: tuple[re.Pattern[str], ...],
                  joined_later: Callable[[], Prepared]) -> Prepared:
    """Like prepare, for texts that are parts of `source`, text i lying in it at or after
    starts[i] (in order) and before starts[i + 1]: the words are found in the source, and each
    occurrence stands for the text it falls in. A text holds a word only where its source
    does (the words hold no line break or NUL, and a text's lines are parts of the source's),
    so the candidates are never fewer than prepare's, and every one is confirmed with a search
    of its own text (read only then: `texts` may build each when asked). A pattern without
    words to narrow by is searched in the texts joined after all (`joined_later`, which the
    caller keeps once made)."""
    prepared = Prepared(texts, starts=starts, folded=fold(source), joined_later=joined_later)
    words = _searchable_words(expected)
    if words:
        prepared.found, prepared.expected = every_occurrence(prepared.folded, words), words
    return prepared


def _searchable_words(patterns: tuple[re.Pattern[str], ...]) -> frozenset[str]:
    words = {w for p in patterns for choice in literal_choices(p) or () for w in choice}
    # An alternation's other word sets too, but not its short words ("on", "the"): the pass would
    # stop at every one of them; those are counted only when a choice depends on them.
    words |= {w for p in patterns for branch in alternatives(p) or () for choice in branch for w in choice
              if len(w) >= _PASS_WORD}
    return frozenset(w for w in words if len(w) >= MIN_LITERAL and SEPARATOR not in w and "\n" not in w)


def _join(texts: list[str]) -> tuple[str, list[int]]:
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    return SEPARATOR.join(texts), starts


def matching(prepared: Prepared, pattern: re.Pattern[str]) -> list[int]:
    """Indices of the texts in which `pattern.search` finds a match, in order."""
    branches = word_branches(pattern)
    candidates = _branch_candidates(prepared, branches, 0.5) if branches else None
    if candidates is None and prepared.joined_later is not None:
        return matching(prepared.joined_later(), pattern)
    if candidates is None and not sees_past_edges(pattern):
        candidates = set(_hits(prepared.joined, prepared.starts, pattern))
    if candidates is None:
        candidates = range(len(prepared.texts))
    return [i for i in sorted(candidates) if pattern.search(prepared.texts[i])]


def _branch_candidates(prepared: Prepared, branches: tuple, share: float) -> set[int] | None:
    """Each alternative's rarest word set by count, joined: every match holds a word of one of
    them, so only the texts holding one can match. None when that is in more than `share` of
    the texts (the words would not narrow the search)."""
    chosen = [min(branch, key=lambda words: sum(_count(prepared, w) for w in words)) for branch in branches]
    words = frozenset().union(*chosen)
    if sum(_count(prepared, w) for w in words) > share * _lines(prepared):
        return None
    starts = [start for word in words for start in _positions(prepared, word)]
    found = {bisect.bisect_right(prepared.starts, s) - 1 for s in starts}
    found.discard(-1)  # in a source, before the first text
    return found


def _count(prepared: Prepared, word: str) -> int:
    """How often a word occurs: read off the words found when the text was prepared, or counted."""
    if word in prepared.expected:
        return len((prepared.found or {}).get(word, ()))
    if word not in prepared.counts:
        prepared.counts[word] = prepared.folded.count(word)
    return prepared.counts[word]


def _positions(prepared: Prepared, word: str) -> list[int]:
    if word in prepared.expected:
        return (prepared.found or {}).get(word, [])
    starts, start = [], prepared.folded.find(word)
    while start >= 0:
        starts.append(start)
        start = prepared.folded.find(word, start + 1)
    return starts


def _lines(prepared: Prepared) -> int:
    if prepared.lines is None:
        prepared.lines = len(prepared.texts) + prepared.folded.count("\n")
    return prepared.lines


def needs_non_ascii(pattern: re.Pattern[str]) -> bool:
    """Whether no ASCII text can hold a match: every match needs one of a set of words that
    all have a character outside ASCII (a Chinese phrase, say)."""
    return any(words and not any(w.isascii() for w in words) for words in literal_choices(pattern) or ())


def fold(text: str) -> str:
    """Text as the literal words are matched against it: lower case, with the four non-ASCII
    letters that case-insensitive matching takes for ASCII ones ("İ", "ı", "ſ", "K") made
    ASCII first (lower-casing "İ" would give two characters)."""
    if not text.isascii() and any(char in text for char in _FOLD_TO_ASCII_CHARS):
        text = text.translate(_FOLD_TO_ASCII)  # slow (a lookup per character): only when needed
    return text.lower()


def every_occurrence(text: str, words: frozenset[str]) -> dict[str, list[int]]:
    """Where each of the words occurs in `text`, every occurrence (those inside or overlapping
    another word's too), in one pass: an Aho-Corasick automaton (pyahocorasick, in C) reads the
    text once for all the words, several times faster than str.find per word or a regex
    alternation, which also hides a word that starts inside another it took."""
    if not words:
        return {}
    found: dict[str, list[int]] = {word: [] for word in words}
    for end, (word, back) in _automaton(words).iter(text):  # a few operations per occurrence
        found[word].append(end - back)
    return {word: starts for word, starts in found.items() if starts}


@lru_cache(maxsize=64)
def _automaton(words: frozenset[str]):
    import ahocorasick  # loaded with the first document read

    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, (word, len(word) - 1))  # an occurrence's start is this far before its end
    automaton.make_automaton()
    return automaton


def lacks_words(pattern: re.Pattern[str], folded: str | None) -> bool:
    """Whether a short text, folded (see fold), lacks every word of a set the pattern needs (of
    a set in each alternative, for an alternation), so that searching it is pointless (a few
    `in` tests); False when that cannot be told (None)."""
    return folded is not None and _all_lacking(word_branches(pattern), folded)


def masked_lacks_words(pattern: re.Pattern[str], raw_folded: str | None) -> bool:
    """lacks_words for a text's masked form (code, links and tags blanked with spaces) told
    from its raw form, folded: only the parts of the needed words without spaces count, and
    blanking cannot make those where the raw text has none."""
    return raw_folded is not None and _all_lacking((_cores(literal_choices(pattern)),), raw_folded)


def _all_lacking(plan: tuple[tuple[frozenset[str], ...], ...], folded: str) -> bool:
    """Whether every alternative of the plan has a word set none of whose words is in the text
    (plain loops: this runs for every sentence a rule looks at)."""
    if not plan or not plan[0]:
        return False  # nothing is needed
    for alternative in plan:
        for words in alternative:
            for word in words:
                if word in folded:
                    break
            else:
                break  # this set is missing: the alternative cannot match
        else:
            return False  # every set of this alternative is there
    return True


@lru_cache(maxsize=1024)
def word_branches(pattern: re.Pattern[str]) -> tuple[tuple[frozenset[str], ...], ...]:
    """Per alternative (a single one for a pattern that is no alternation), the word sets every
    match of it needs, each word MIN_LITERAL characters or more; () when nothing is known."""
    branches = alternatives(pattern)
    if branches is not None:
        return branches
    usable = tuple(words for words in literal_choices(pattern) or () if all(len(w) >= MIN_LITERAL for w in words))
    return (usable,) if usable else ()


@lru_cache(maxsize=256)
def _cores(choices: tuple[frozenset[str], ...] | None) -> tuple[frozenset[str], ...]:
    """Each word set with every word cut to its longest run without white space; sets where a
    run is too short to tell anything are left out."""
    cores = []
    for words in choices or ():
        cut = frozenset(max(w.replace("\n", " ").split(" "), key=len) for w in words)
        if all(len(w) >= MIN_LITERAL for w in cut):
            cores.append(cut)
    return tuple(cores)


def _hits(text: str, starts: list[int], pattern: re.Pattern[str]) -> list[int]:
    """Indices of the joined texts in which a search of the joined string finds a match, one
    search per hit: after a hit the search resumes at the next text."""
    found, position = [], 0
    while position <= len(text) and (match := pattern.search(text, position)) is not None:
        index = bisect.bisect_right(starts, match.start()) - 1
        found.append(index)
        if index + 1 >= len(starts):
            break
        position = starts[index + 1]
    return found


# Literals ----------------------------------------------------------------------------------------

def literal_choices(pattern: re.Pattern[str]) -> tuple[frozenset[str], ...] | None:
    """Sets of lower-case words such that every match of `pattern` in ASCII text contains a word
    of each set; None when the pattern requires none. A single empty set: it cannot match ASCII."""
    return _literal_choices(pattern.pattern, pattern.flags)


@pure
def _literal_choices(source: str, flags: int) -> tuple[frozenset[str], ...] | None:
    parsed = _parsed(source, flags)
    return None if parsed is None else _choices(parsed)


def rarest_words(choices: tuple[frozenset[str], ...] | None, text: str, share: float) -> frozenset[str] | None:
    """Of the word sets, the one least often in `text` (counted in its first SAMPLE characters,
    not guessed: a file extension is in every path of a tree, a dataset's name in no line); None
    when even that one turns up in more than `share` of the sample's lines, or there is nothing
    to choose from."""
    if not choices:
        return None
    sample = text[:SAMPLE]
    counted = [(sum(sample.count(w) for w in words), words) for words in choices
               if all(len(w) >= MIN_LITERAL for w in words)]
    if not counted:
        return None
    count, words = min(counted, key=lambda pair: pair[0])
    return words if count <= share * (sample.count("\n") + sample.count(SEPARATOR) + 1) else None


def _choices(items: list) -> tuple[frozenset[str], ...] | None:
    """Each item's required words (runs of literal characters joined into one word)."""
    choices, run = [], []
    for op, value in items:
        char = _folded(value) if op is c.LITERAL else None
        if char is not None:
            run.append(char)
            continue
        if run:
            choices.append(_word(run))
            run = []
        if op is c.LITERAL:
            continue  # a cased letter outside ASCII: what it matches is the regex engine's to say
        words = _required_of(op, value)
        if words is not None:
            choices.append(words)
    if run:
        choices.append(_word(run))
    if any(not words for words in choices):
        return (frozenset(),)
    return tuple(choices) or None


def alternatives(pattern: re.Pattern[str]) -> tuple[tuple[frozenset[str], ...], ...] | None:
    """For a pattern that is an alternation at the top ("a|b|c"), each alternative's literal
    choices, all of them (literal_choices keeps one set per alternative, the longest words,
    without the text to count in); None for any other pattern, or when an alternative needs no
    word of MIN_LITERAL characters."""
    return _alternatives(pattern.pattern, pattern.flags)


@pure
def _alternatives(source: str, flags: int) -> tuple[tuple[frozenset[str], ...], ...] | None:
    # Anchors aside: the parser moves a \b that every alternative starts with out in front.
    parsed = [item for item in _parsed(source, flags) or () if item[0] is not c.AT]
    if len(parsed) != 1 or parsed[0][0] is not c.BRANCH:
        return None
    branches = []
    for branch in parsed[0][1][1]:
        usable = tuple(words for words in _choices(list(branch)) or ()
                       if all(len(w) >= MIN_LITERAL for w in words))
        if not usable:
            return None
        branches.append(usable)
    return tuple(branches)


def _word(run: list[str]) -> frozenset[str]:
    """A run of literal characters as a required word, without white space at its ends (what
    is left is needed as much, and a search for words that start with a space stops at every
    space)."""
    return frozenset(["".join(run).strip(" ")])


def _required(items: list) -> frozenset[str] | None:
    """One set of words of which every match of this sequence contains one (inside a group or
    a branch, where text is not at hand to count: the longest shortest word is taken)."""
    choices = _choices(items)
    if choices is None:
        return None
    return max(choices, key=lambda words: (min((len(w) for w in words), default=99), -len(words)))


def _required_of(op, value) -> frozenset[str] | None:
    if op is c.SUBPATTERN:
        return _required(list(value[-1]))
    if op in _REPEATS and value[0] >= 1:
        return _required(list(value[2]))
    if op is c.BRANCH:
        branches = [_required(list(branch)) for branch in value[1]]
        return None if any(b is None for b in branches) else frozenset().union(*branches)
    return None  # classes, anchors, lookarounds and optional parts require nothing


def _folded(code: int) -> str | None:
    """A literal character as every character it matches appears in folded text; None for a
    cased letter outside ASCII, whose case variants are the regex engine's own."""
    if code in _ASCII_FOLDS:
        return _ASCII_FOLDS[code]
    char = chr(code)
    if char.isascii() or char.lower() == char == char.upper():
        return char.lower()
    return None


# Edges -------------------------------------------------------------------------------------------

def sees_past_edges(pattern: re.Pattern[str]) -> bool:
    """Whether a match inside a text might not be one once the text is joined to others."""
    return _sees_past_edges(pattern.pattern, pattern.flags)


@pure
def _sees_past_edges(source: str, flags: int) -> bool:
    parsed = _parsed(source, flags)
    return True if parsed is None else _unsafe(parsed)


@lru_cache(maxsize=1024)
def _parsed(source: str, flags: int) -> list | None:
    """The pattern's parse tree, read once for both questions asked of it."""
    try:
        return list(_parser.parse(source, flags))
    except (re.error, RecursionError):
        return None


def _unsafe(items: list) -> bool:
    for op, value in items:
        if op is c.AT and value in _EDGES:
            return True
        if op is c.ASSERT_NOT and any(_may_match_separator(o, v) for o, v in value[1]):
            return True
        if any(_unsafe(list(sub)) for sub in _children(op, value)):
            return True
    return False


def _children(op, value) -> list:
    if op is c.SUBPATTERN:
        return [value[-1]]
    if op in _REPEATS:
        return [value[2]]
    if op is c.BRANCH:
        return list(value[1])
    if op in (c.ASSERT, c.ASSERT_NOT):
        return [value[1]]
    if op is c.ATOMIC_GROUP:
        return [value]
    if op is c.GROUPREF_EXISTS:
        return [v for v in value[1:] if v is not None]
    return []


def _may_match_separator(op, value, code: int = _SEP) -> bool:
    """Conservative: False only for items that certainly never match the separator (or the
    character `code`)."""
    if op is c.LITERAL:
        return value == code
    if op is c.IN:
        return any(_class_item_may_match(o, v, code) for o, v in value)
    if op is c.CATEGORY:
        return value not in _NO_SEPARATOR_CATEGORIES
    if op in _REPEATS:
        return any(_may_match_separator(o, v, code) for o, v in value[2])
    if op is c.SUBPATTERN:
        return any(_may_match_separator(o, v, code) for o, v in value[-1])
    if op is c.BRANCH:
        return any(_may_match_separator(o, v, code) for branch in value[1] for o, v in branch)
    return op is not c.AT  # ANY, NOT_LITERAL and the rest may


def _class_item_may_match(op, value, code: int = _SEP) -> bool:
    if op is c.LITERAL:
        return value == code
    if op is c.RANGE:
        return value[0] <= code <= value[1]
    if op is c.CATEGORY:
        return value not in _NO_SEPARATOR_CATEGORIES
    return True  # NEGATE and anything else: assume it may


def ends_without(source: str, flags: int, char: str) -> bool:
    """Whether every match of the pattern ends at the end of the text (or of a line) and none
    holds `char` (conservative: False when unsure). Such a pattern about paths, with "/" for
    `char`, matches within a file's name."""
    parsed = _parsed(source, flags)
    if not parsed or (parsed[-1] != (c.AT, c.AT_END) and parsed[-1] != (c.AT, c.AT_END_STRING)):
        return False
    return not any(_may_match_separator(op, value, ord(char)) for op, value in parsed)
