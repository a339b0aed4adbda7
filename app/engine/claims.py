"""Finding the places where prose calls something "open source", and what it is said of."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.engine.markdown import Document, Segment
from app.engine.ruleset import ClaimRule, RuleSet, Vocabulary

_SENTENCE_END = re.compile(r"[.!?][*_)\]\"'”’]*(?=\s)")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|al|no|fig|approx|cf))$", re.I)
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–]|\s-\s|\*\*")
_WORD = re.compile(r"[A-Za-z][\w'’.-]*[\w]|[A-Za-z]|\d[\w.%-]*|[.;:!?()\[\],&/]")
_HARD_STOPS = frozenset(".;:!?")
_SOFT_STOPS = frozenset({",", "&", "/", "and", "or", "nor"})
_QUOTE_OPEN = ("“", '"', "‘", "'")
_QUOTE_CLOSE = ("”", '"', "’", "'")
_ARTICLE = re.compile(r"\b([Aa]n?)(\s+)$")
_MARKER_WINDOW = 6  # words of left context in which a comparison or negation still applies


@dataclass(frozen=True)
class Claim:
    """One claim in a document, with where it is and what it is about."""

    rule: ClaimRule
    path: str
    start: int  # offsets into the document text
    end: int
    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    target: str  # "model", "generic" or "license"
    sentence: str
    replacement: str
    linked: tuple[str, ...]  # link targets in the sentence (a licence claim may point at LICENSE)


def find_claims(doc: Document, ruleset: RuleSet) -> list[Claim]:
    """Every claim in a document, overlapping matches reduced to the longest."""
    claims: list[Claim] = []
    any_token = _any_token(ruleset)
    for segment in doc.segments:
        if segment.kind == "quote" or not any_token.search(segment.raw) or not any_token.search(segment.text):
            continue
        for start, end in sentences(segment):
            claims.extend(_claims_in_sentence(doc, segment, start, end, ruleset))
    return _longest_first(claims)


@lru_cache(maxsize=8)
def _compiled_rules(ruleset: RuleSet) -> list[tuple[ClaimRule, list[re.Pattern[str]], list[re.Pattern[str]]]]:
    return [(rule, rule.token_patterns, rule.exception_patterns) for rule in ruleset.claims]


@lru_cache(maxsize=8)
def _any_token(ruleset: RuleSet) -> re.Pattern[str]:
    """All rules' claim words in one pattern, to skip the many segments that have none."""
    return re.compile("|".join(f"(?:{t})" for rule in ruleset.claims for t in rule.tokens), re.I)


def sentences(segment: Segment) -> list[tuple[int, int]]:
    """Sentence spans in a segment (headings, cells and HTML lines stand alone)."""
    text = segment.text
    cuts = [m.end() for m in _SENTENCE_END.finditer(text)
            if not _ABBREVIATION.search(text, max(0, m.start() - 8), m.start())]
    if segment.kind == "html":
        cuts += [m.start() for m in re.finditer("\n", text)]
    spans, start = [], 0
    for cut in sorted(set(cuts)):
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _claims_in_sentence(doc: Document, segment: Segment, start: int, end: int,
                        ruleset: RuleSet) -> list[Claim]:
    sentence = segment.text[start:end]
    found = []
    for rule, tokens, exception_patterns in _compiled_rules(ruleset):
        if not any(t.search(sentence) for t in tokens):
            continue
        exceptions = [m.span() for p in exception_patterns for m in p.finditer(sentence)]
        for pattern in tokens:
            for match in pattern.finditer(sentence):
                if any(s <= match.start() < e for s, e in exceptions):
                    continue
                target = classify(sentence, match, ruleset.vocabulary, _describes_link(segment, start, match))
                if target in rule.targets:
                    found.append(_claim(doc, segment, start, sentence, match, rule, target))
    return found


def classify(sentence: str, match: re.Match[str], vocab: Vocabulary, describes_link: bool = False) -> str | None:
    """What a matched phrase is said of: "model", "license", "generic", or None for no claim."""
    before, after = sentence[:match.start()], sentence[match.end():]
    if describes_link or _quoted(before, after):
        return None
    clause = _CLAUSE_BREAK.split(before)[-1]
    recent = " ".join(clause.split()[-_MARKER_WINDOW:])
    if vocab.is_negated(clause) or vocab.is_about_others(recent):
        return None
    head = _head_after(match.group(0) + after, vocab)
    if head is None and _is_predicate(match.group(0), clause, vocab):
        head = _subject_kind(before, vocab)
    if head == "software":
        return None
    return head or "generic"


def _quoted(before: str, after: str) -> bool:
    return before.rstrip("*_ ").endswith(_QUOTE_OPEN) and after.lstrip("*_ ").startswith(_QUOTE_CLOSE)


def _words(text: str) -> list[str]:
    return [w.lower().strip(".'’") or w for w in _WORD.findall(text)]


def _head_after(text: str, vocab: Vocabulary) -> str | None:
    """Classify the noun phrase that follows the claim word by the heads of its conjuncts."""
    words = _words(text)[1:] if text[:1].isalpha() else _words(text)
    words = _drop_claim_words(words)
    if any(_noun_kind(w, vocab) == "license" for w in words[:2]):
        return "license"
    heads: list[str | None] = []
    current: str | None = None
    depth = 0
    for word in words[:14]:
        # Parenthesised asides and link texts ([Name]) are names, not the phrase's head.
        if word in ("(", "["):
            depth += 1
        elif word in (")", "]"):
            depth = max(0, depth - 1)
        elif depth:
            continue
        elif word in _HARD_STOPS or word in vocab.phrase_boundaries:
            break
        elif word in _SOFT_STOPS:
            heads.append(current)
            current = None
        else:
            current = _noun_kind(word, vocab) or current
    heads.append(current)
    if heads and heads[0] == "license":
        return "license"
    for kind in ("model", "software"):
        if kind in heads:
            return kind
    return None


def _drop_claim_words(words: list[str]) -> list[str]:
    # The match itself may span several words ("open source", "fully open"); skip them.
    while words and words[0] in ("source", "sourced", "sourcing", "sources", "open", "open-source"):
        words = words[1:]
    return words


def _noun_kind(word: str, vocab: Vocabulary) -> str | None:
    if word in vocab.license_nouns:
        return "license"
    if word in vocab.model_nouns:
        return "model"
    if word in vocab.software_nouns:
        return "software"
    return None


def _is_predicate(token: str, clause: str, vocab: Vocabulary) -> bool:
    last = (clause.split() or [""])[-3:]
    return token.lower().endswith("sourced") or any(w.lower() in vocab.copulas for w in last)


def _subject_kind(before: str, vocab: Vocabulary) -> str | None:
    kinds = {_noun_kind(w, vocab) for w in _words(before)}
    if "model" in kinds:
        return "model"
    return "software" if "software" in kinds else None


def _describes_link(segment: Segment, sentence_start: int, match: re.Match[str]) -> bool:
    """A list item like "[Tool](https://…): an open-source engine" describes the linked project."""
    if not segment.links:
        return False
    start, end, href = segment.links[0]
    lead = segment.text[:max(start - 1, 0)].strip(" *-+>#\t\n")
    rest = segment.text[end:].lstrip(" )\t")
    tail = re.match(r"^[\s\w./:?=&%-]*?\)?\s*[:：–—-]", segment.text[end:])
    external = href.startswith(("http://", "https://")) and not lead
    return bool(external and tail and sentence_start <= start and sentence_start + match.start() > end
                and rest)


def _claim(doc: Document, segment: Segment, offset: int, sentence: str, match: re.Match[str],
           rule: ClaimRule, target: str) -> Claim:
    token = match.group(0)
    before, after = sentence[:match.start()], sentence[match.end():]
    replacement = _match_case(token, rule.replacement_for(token, before, after))
    start = offset + match.start()
    replacement, start = _fix_article(segment.text, start, replacement, after)
    line, column = segment.position(start)
    end_line, end_col = segment.position(offset + match.end() - 1)
    linked = tuple(href for s, e, href in segment.links if offset <= s < offset + len(sentence))
    abs_start = doc.offset(line, column)
    abs_end = doc.offset(end_line, end_col) + 1
    return Claim(rule, doc.path, abs_start, abs_end, line, column, end_line, end_col + 1,
                 doc.text[abs_start:abs_end], target, " ".join(sentence.split()), replacement, linked)


def _match_case(original: str, replacement: str) -> str:
    letters = [c for c in original if c.isalpha()]
    if not replacement or not letters:
        return replacement
    if all(c.isupper() for c in letters):
        # "OPEN SOURCE" shouts and stays shouting; an acronym such as "FOSS" says nothing of case.
        return replacement.upper() if re.search(r"[\s-]", original.strip()) else replacement
    words = re.split(r"[\s-]+", original.strip())
    if len(words) > 1 and all(w[:1].isupper() for w in words if w[:1].isalpha()):
        return re.sub(r"(^|[\s-])([a-z])", lambda m: m.group(1) + m.group(2).upper(), replacement)
    if original[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


def _fix_article(text: str, start: int, replacement: str, after: str) -> tuple[str, int]:
    """Keep "a"/"an" right when the replacement changes the sound the next word starts with."""
    article = _ARTICLE.search(text[:start])
    if not article:
        return replacement, start
    following = (replacement or after.lstrip()).lstrip("*_[ ")
    wanted = "an" if _starts_with_vowel_sound(following) else "a"
    current = article.group(1)
    if current.lower() == wanted:
        return replacement, start
    fixed = wanted if current.islower() else wanted.capitalize()
    return fixed + article.group(2) + replacement, article.start(1)


def _starts_with_vowel_sound(text: str) -> bool:
    word = re.match(r"[\w-]+", text)
    if not word:
        return False
    w = word.group(0)
    if w.isupper() and len(w) > 1:
        return w[0] in "AEFHILMNORSX"
    return w[0].lower() in "aeiou"


def _longest_first(claims: list[Claim]) -> list[Claim]:
    kept: list[Claim] = []
    for claim in sorted(claims, key=lambda c: (c.path, c.start, -(c.end - c.start))):
        if kept and kept[-1].path == claim.path and claim.start < kept[-1].end:
            continue
        kept.append(claim)
    return kept
