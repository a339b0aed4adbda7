"""Finding the places where prose calls something "open source", and whose openness it claims."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from app.engine.languages import sentence_language, vocabulary_for, words
from app.engine.markdown import Document, Segment
from app.engine.prefilter import fold, lacks_words
from app.engine.ruleset import SLOT, ClaimRule, Language, RuleSet, Wording
from app.engine.subjects import Project, reference_before

_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|al|no|fig|approx|cf))$", re.I)
_HARD_STOPS = frozenset(".;:!?。；：！？，")
_QUOTE_OPEN = ("“", '"', "‘", "'", "「", "『")
_QUOTE_CLOSE = ("”", '"', "’", "'", "」", "』")
_ARTICLE = re.compile(r"\b([Aa]n?)(\s+)$")
_CITATION = re.compile(r"@\w+\s*\{|\btitle\s*=\s*[{\"]", re.I)
_CODE_HOST = re.compile(r"^https?://(?:www\.)?(?:github\.com|gitlab\.com|gitee\.com|bitbucket\.org)/[^/]+/[^/#?]+",
                        re.I)
_RELATIVE = re.compile(r"([A-Za-z-]+)\s+(?:that|which)\s+(?:[\w'-]+\s+){0,4}$", re.I)
_MARKUP_GAP = re.compile(r"(?<![\]\s])\s{6,}")  # a masked tag; after "]" it is a masked link address
_CLAIM_WORDS = frozenset({"source", "sourced", "sourcing", "sources", "open", "open-source"})
_NAME_MARK = re.compile(r"[A-Z]|\d")
_LETTER = re.compile(r"[A-Za-z]")
_LINK_TAIL = re.compile(r"\]?[\s\w./:?=&%-]{0,300}?\)?\s{0,8}[:：–—-]")
_EMPTY = Project()
_CONTEXT = {"latin": 400, "cjk": 160}  # characters either side of a claim that decide what it is about


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
    language: str = "en"


MAX_CLAIMS_PER_DOCUMENT = 2_000  # a document that makes more is reported in part, with a notice


def find_claims(doc: Document, ruleset: RuleSet, language: str = "en", project: Project = _EMPTY) -> list[Claim]:
    """Every claim in a document (up to MAX_CLAIMS_PER_DOCUMENT), overlapping matches reduced to the longest."""
    claims: list[Claim] = []
    any_token = _any_token(ruleset)
    for segment in doc.segments_with(any_token):
        # segments_with confirmed the raw text; the masked text needs its own search only when
        # masking changed it.
        if segment.text is not segment.raw and not any_token.search(segment.text):
            continue
        if _CITATION.search(segment.raw):
            continue  # a bibliography entry: paper titles are not statements about the release
        for start, end in sentences(segment, ruleset.languages[language]):
            sentence_lang = sentence_language(segment.text[start:end], language, ruleset)
            claims.extend(_claims_in_sentence(doc, segment, start, end, sentence_lang, project, ruleset))
            if len(claims) >= MAX_CLAIMS_PER_DOCUMENT:
                return _longest_first(claims)[:MAX_CLAIMS_PER_DOCUMENT]
    return _longest_first(claims)


@lru_cache(maxsize=32)
def _wordings(ruleset: RuleSet, language: str) -> list[tuple[ClaimRule, Wording]]:
    return [(rule, w) for rule in ruleset.claims if (w := rule.wording(language)) is not None]


def document_patterns(ruleset: RuleSet) -> tuple[re.Pattern[str], ...]:
    """What find_claims asks Document.segments_with about."""
    return (_any_token(ruleset),)


@lru_cache(maxsize=8)
def _any_token(ruleset: RuleSet) -> re.Pattern[str]:
    """All rules' claim words in one pattern, to skip the many segments that have none."""
    tokens = [t for rule in ruleset.claims for wording in rule.wordings().values() for t in wording.tokens]
    return re.compile("|".join(f"(?:{t})" for t in tokens), re.I)


def sentences(segment: Segment, language: Language) -> list[tuple[int, int]]:
    """Sentence spans in a segment (headings, cells and HTML lines stand alone). Kept on the
    segment: claims and licence statements read the same sentences."""
    key = language.sentence_ends
    spans = segment.sentence_spans.get(key)
    if spans is None:
        spans = segment.sentence_spans[key] = _split_sentences(segment, language)
    return spans


def _split_sentences(segment: Segment, language: Language) -> list[tuple[int, int]]:
    text = segment.text
    cuts = [m.end() for m in language.sentence_end.finditer(text)
            if not _ABBREVIATION.search(text, max(0, m.start() - 8), m.start())]
    if segment.kind == "html":
        cuts += [m.start() for m in re.finditer("\n", text)]
    spans, start = [], 0
    for cut in sorted(set(cuts)):
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _claims_in_sentence(doc: Document, segment: Segment, start: int, end: int, language: str,
                        project: Project, ruleset: RuleSet) -> list[Claim]:
    sentence = segment.text[start:end]
    links = [(s - start, e - start, href) for s, e, href in segment.links if start <= s < end]
    link_starts = [s for s, _e, _h in links]
    lead_end = _link_lead(segment)
    lead_end = lead_end if lead_end is not None and start <= segment.links[0][0] else None
    found = []
    folded = fold(sentence)
    for rule, wording in _wordings(ruleset, language):
        if not any(not lacks_words(t, folded) and t.search(sentence) for t in wording.token_patterns):
            continue
        exceptions = sorted(m.span() for p in wording.exception_patterns for m in p.finditer(sentence))
        exception_starts = [s for s, _e in exceptions]
        for pattern in wording.token_patterns:
            for match in pattern.finditer(sentence):
                before = bisect.bisect_right(exception_starts, match.start())
                if any(s <= match.start() < e for s, e in exceptions[max(0, before - 8):before]):
                    continue
                # Only the words around a phrase decide what it is about: a window keeps the work per
                # claim constant, so a line of thousands of claims costs linear time.
                window = _Window(sentence, match, links, link_starts, _CONTEXT[ruleset.languages[language].script])
                target = classify(window.text, window.match, ruleset.languages[language], ruleset, project,
                                  window.links, _describes_link(lead_end, start, match))
                if target in rule.targets:
                    found.append(_claim(doc, segment, start + window.offset, window.text, window.match, rule,
                                        wording, target, language))
    return found


class _Span:
    """The claim phrase's place inside a context window, shaped like the re.Match it came from."""

    def __init__(self, start: int, end: int, text: str) -> None:
        self._start, self._end, self._text = start, end, text

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, _index: int = 0) -> str:
        return self._text


class _Window:
    def __init__(self, sentence: str, match: re.Match[str], links: list, link_starts: list[int],
                 context: int) -> None:
        self.offset = max(0, match.start() - context)
        self.text = sentence[self.offset:match.end() + context]
        self.match = _Span(match.start() - self.offset, match.end() - self.offset, match.group(0))
        first = bisect.bisect_left(link_starts, self.offset)
        last = bisect.bisect_right(link_starts, self.offset + len(self.text))
        self.links = [(s - self.offset, e - self.offset, h) for s, e, h in links[first:last]]


def classify(sentence: str, match: re.Match[str], language: Language, ruleset: RuleSet,
             project: Project = _EMPTY, links: list[tuple[int, int, str]] = (),
             describes_link: bool = False) -> str | None:
    """What a matched phrase is said of: "model", "license", "generic", or None for no claim."""
    before, after = sentence[:match.start()], sentence[match.end():]
    if describes_link or _quoted(before, after) or _in_foreign_link(match, links, project):
        return None
    clause_before = language.clause_break.split(before)[-1]
    clause = clause_before + match.group(0) + language.clause_break.split(after)[0]
    if language.is_negated(clause_before) or language.credits_others(clause):
        return None
    framed = clause_before + SLOT + language.clause_break.split(after)[0]
    if _membership(framed, _recent(clause_before, language, ruleset), language) is False:
        return None
    code_links = {s - match.end() for s, _e, href in links if s >= match.end() and _is_code_repository(href)}
    head = _head_after(after, language, ruleset, code_links)
    if head is None and language.script == "latin":
        head = _gap_object(clause_before, language, ruleset)
    if head is None and _is_predicate(match.group(0), clause_before, language):
        head = _subject_kind(before, language, ruleset)
    if head == "software" or reference_before(before, links, language, project, ruleset) == "other":
        return None
    return head or "generic"


def _membership(framed: str, recent: str, language: Language) -> bool | None:
    """True when the sentence places its subject among open-source ones, False when the phrase is
    about others (a comparison, an example, the field), None when the frames say nothing."""
    if language.frame("others", framed):
        return False
    if language.frame("member_strong", framed):
        return True
    if language.is_about_others(recent):
        return False
    if language.frame("member", framed):
        return True
    return False if language.is_quantified(recent) else None


def _recent(clause: str, language: Language, ruleset: RuleSet) -> str:
    """The last few words of the clause before the phrase, where a comparison still governs it."""
    tokens = words(clause, language, ruleset)
    return clause[tokens[-language.window][0]:] if len(tokens) >= language.window else clause


def _quoted(before: str, after: str) -> bool:
    return before.rstrip("*_ ").endswith(_QUOTE_OPEN) and after.lstrip("*_ ").startswith(_QUOTE_CLOSE)


def _in_foreign_link(match: re.Match[str], links: list[tuple[int, int, str]], project: Project) -> bool:
    """A phrase inside the text of a link to someone else's page is that page's title."""
    return any(s <= match.start() < e and project.owns_href(href) is not True for s, e, href in links)


def _head_after(text: str, language: Language, ruleset: RuleSet, code_links: set[int] = frozenset()) -> str | None:
    """Classify the noun phrase that follows the claim word by the heads of its conjuncts.

    A conjunct's head is its last noun. Any model conjunct makes the phrase about a model; a
    conjunct that is only a name ("we open-source Acme and its tools") keeps it open; only when
    every conjunct is software, data or people is the phrase not about a model. A link text that
    starts with a capital is a name ("our library [Acme Foundry]"), not a description; a link to a
    code repository is code ("并开源 [acme.cpp](https://github.com/…)").
    """
    text = _MARKUP_GAP.split(text, 1)[0] if text.strip() else text  # a masked tag ends the phrase
    tokens = words(text, language, ruleset)
    while tokens and tokens[0][1].lower() in _CLAIM_WORDS:
        tokens = tokens[1:]
    if any(_kind(w.lower(), language, ruleset) == "license" for _, w in tokens[:2]):
        return "license"
    heads: list[str | None] = []
    current: str | None = None
    named = depth = 0
    in_name = False
    previous = ""
    for index, (offset, original) in enumerate(tokens[:16]):
        word, opens_link, previous = original.lower(), previous == "[", original
        vocab = vocabulary_for(word, language, ruleset)
        if word in ("(", "（"):
            depth += 1  # a parenthesised aside names or explains; it is not the phrase's head
        elif word in (")", "）"):
            depth = max(0, depth - 1)
        elif depth:
            continue
        elif word in ("[", "]"):
            in_name = False
        elif word == "*":
            if current:
                break  # the emphasis around the phrase closes: "**Acme 开源模型**开发…"
            continue
        elif word in vocab.conjunctions:
            heads.append(current if current or not named else "name")
            current, named = None, 0
        elif word in _HARD_STOPS or word in vocab.phrase_boundaries:
            break
        elif word in language.modifier_particles:
            if current:
                break  # "开源数据训练的 X": the phrase was "open-source data"
            heads, current, named = [], None, 0  # "开源了 A 和 B 的 C": A and B modify C
        else:
            if opens_link and offset in code_links:
                current = "software"
                in_name = True
                continue
            in_name = in_name or (opens_link and original[:1].isupper()
                                  and not _ends_with_noun(tokens[index:], language, ruleset))
            named += _looks_like_name(original)
            current = (None if in_name else _kind(word, language, ruleset)) or current
    heads.append(current if current or not named else "name")
    return _head_kind(heads)


def _looks_like_name(word: str) -> bool:
    return bool(_NAME_MARK.search(word) and _LETTER.search(word))


def _ends_with_noun(tokens: list[tuple[int, str]], language: Language, ruleset: RuleSet) -> bool:
    """A link text whose last word is a noun describes ("[FP8 模型权重]"); otherwise it is a name."""
    text = [w for _, w in tokens[:tokens.index(next((t for t in tokens if t[1] == "]"), tokens[-1])) + 1]]
    last = [w for w in text if w != "]"][-1:]
    return bool(last) and _kind(last[0].lower(), language, ruleset) is not None


def _is_code_repository(href: str) -> bool:
    return bool(_CODE_HOST.match(href))


def _head_kind(heads: list[str | None]) -> str | None:
    if heads and heads[0] == "license":
        return "license"
    if "model" in heads:
        return "model"
    if "system" in heads:
        return "generic"  # the project as a whole: its model in a model release, its code in a tool
    # Names after a noun elaborate it ("our libraries A, B and C"); a name first is the object itself.
    if heads and heads[0] == "name":
        return None
    return "software" if "software" in heads else None


def _kind(word: str, language: Language, ruleset: RuleSet) -> str | None:
    return vocabulary_for(word, language, ruleset).noun_kind(word)


def _is_predicate(token: str, clause: str, language: Language) -> bool:
    if language.script == "cjk":
        return True  # with no noun after it, 开源 is said of what comes before
    last = (clause.split() or [""])[-3:]
    return token.lower().endswith("sourced") or any(w.lower() in language.copulas for w in last)


def _subject_kind(before: str, language: Language, ruleset: RuleSet) -> str | None:
    """What the subject of a predicate claim is: "the training data … is open-sourced" is data.

    In English the subject's head is its last noun before a preposition; in Chinese and Japanese
    a noun followed by 的/の only modifies the next one.
    """
    clause = language.clause_break.split(before)[-1]
    kinds = _subject_kinds(clause, language, ruleset) or _subject_kinds(before, language, ruleset)
    if "model" in kinds:
        return "model"
    if "system" in kinds:
        return "generic"
    return "software" if "software" in kinds else None


def _subject_kinds(text: str, language: Language, ruleset: RuleSet) -> list[str]:
    tokens = [w.lower() for _, w in words(text, language, ruleset)]
    if language.script == "latin":
        tokens = _leading_subject(tokens, language)
    kinds = [_kind(w, language, ruleset) for i, w in enumerate(tokens)
             if not (i + 1 < len(tokens) and tokens[i + 1] in language.modifier_particles)]
    return [k for k in kinds if k in ("model", "software", "system")]


def _leading_subject(tokens: list[str], language: Language) -> list[str]:
    """The subject noun phrase: the words before the first preposition, relative pronoun or verb."""
    while tokens and tokens[0] in ("and", "but", "both", "all", "each", "of", "some", "most"):
        tokens = tokens[1:]
    subject = []
    for word in tokens:
        if word in language.phrase_boundaries or word in language.copulas:
            break
        subject.append(word)
    return subject


def _gap_object(clause: str, language: Language, ruleset: RuleSet) -> str | None:
    """"a dataset that we plan to open-source": the verb's object is the noun before "that"."""
    match = _RELATIVE.search(clause)
    return _kind(match.group(1).lower(), language, ruleset) if match else None


def _link_lead(segment: Segment) -> int | None:
    """Where the description starts in a list item like "[Tool](https://…): an open-source engine"
    (the end of the leading external link), or None when the segment is not such an item."""
    if not segment.links:
        return None
    start, end, href = segment.links[0]
    lead = segment.text[:max(start - 1, 0)].strip(" *-+>#\t\n")
    rest = segment.text[end:end + 2].lstrip(" )\t")
    external = href.startswith(("http://", "https://")) and not lead
    return end if external and rest and _LINK_TAIL.match(segment.text, end) else None


def _describes_link(lead_end: int | None, sentence_start: int, match) -> bool:
    """The phrase is in the description of a linked project, after its leading link."""
    return lead_end is not None and sentence_start + match.start() > lead_end


def _claim(doc: Document, segment: Segment, offset: int, sentence: str, match: re.Match[str],
           rule: ClaimRule, wording: Wording, target: str, language: str) -> Claim:
    token = match.group(0)
    before, after = sentence[:match.start()], sentence[match.end():]
    replacement = _match_case(token, wording.replacement_for(token, before, after))
    start = offset + match.start()
    replacement, start = _fix_article(segment.text, start, replacement, after)
    line, column = segment.position(start)
    # A match may end in the space before the next word; not across a line ("open source\nlicence").
    trailing = len(token) - len(token.rstrip()) if "\n" in token[len(token.rstrip()):] else 0
    replacement = replacement.rstrip() if trailing else replacement
    end_line, end_col = segment.position(offset + match.end() - 1 - trailing)
    first = bisect.bisect_left(segment.link_starts, offset)
    last = bisect.bisect_right(segment.link_starts, offset + len(sentence))
    linked = tuple(href for _s, _e, href in segment.links[first:last])
    abs_start = doc.offset(line, column)
    abs_end = doc.offset(end_line, end_col) + 1
    return Claim(rule, doc.path, abs_start, abs_end, line, column, end_line, end_col + 1,
                 doc.text[abs_start:abs_end], target, " ".join(sentence.split()), replacement, linked, language)


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
    article = _ARTICLE.search(text, max(0, start - 16), start)
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
