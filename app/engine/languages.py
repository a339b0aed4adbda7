"""Which language a text is written in, and how it splits into words."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from app.engine.ruleset import Language, RuleSet

_LATIN_WORD = re.compile(r"[A-Za-z][\w'’.-]*\w|[A-Za-z]|\d[\w.%-]*|[.;:!?()\[\],&/#]")
# Inside Chinese or Japanese text a Latin word ends where the Latin letters do.
_ASCII_WORD = r"[A-Za-z][A-Za-z0-9'’._-]*[A-Za-z0-9]|[A-Za-z]|\d[A-Za-z0-9.%-]*"
_LATIN = re.compile(r"[A-Za-z]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
# ASCII characters other than letters made spaces (applied to lower-cased ASCII text).
_ONLY_LETTERS = {i: " " for i in range(128) if not chr(i).isalpha()}
_MIN_WORDS = 20  # below this a text is too short to tell; it is read as the document's language


def detect(text: str, ruleset: RuleSet, default: str | None = "en") -> str | None:
    """The id of the language whose rules fit the text best, or None for a language we do not read.

    Chinese and Japanese READMEs carry many Latin words (names, tables, code), so the test between
    the scripts compares the CJK text with the stopwords of the Latin languages, not with every word.
    """
    latin_words = _word_counts(text)  # counted once: a long README repeats the same few words
    latin_total = sum(latin_words.values())
    ascii_only = text.isascii()  # then there is no CJK or Hangul to count
    cjk = [] if ascii_only else _CJK.findall(text)
    hangul = 0 if ascii_only else len(_HANGUL.findall(text))
    units = latin_total + len(cjk) // 2 + hangul // 2
    if units < _MIN_WORDS:
        return default
    stopwords = max((_stopword_count(latin_words, lang) for lang in ruleset.languages.values()
                     if lang.script == "latin"), default=0)
    if (len(cjk) + hangul) // 2 > stopwords:
        return _detect_cjk("".join(cjk), hangul, ruleset)
    return _detect_latin(latin_words, latin_total, ruleset)


def _word_counts(text: str) -> Counter[str]:
    """How often each Latin word occurs, in lower case."""
    if text.isascii():  # runs of letters, split in C: what _LATIN finds, a few times faster
        return Counter(text.lower().translate(_ONLY_LETTERS).split())
    counts: Counter[str] = Counter()
    for word, count in Counter(_LATIN.findall(text)).items():
        counts[word.lower()] += count
    return counts


def _stopword_count(words: Counter[str], language: Language) -> int:
    return sum(count for word, count in words.items() if word in language.stopwords)


def _detect_cjk(chars: str, hangul: int, ruleset: RuleSet) -> str | None:
    if hangul > len(chars):
        return None
    scored = []
    for language in ruleset.languages.values():
        if language.script == "cjk" and language.signature:
            share = len(re.findall(language.signature, chars)) / max(len(chars), 1)
            if share >= language.min_share:
                scored.append((share / language.min_share, language.id))
    return max(scored)[1] if scored else None


def _detect_latin(words: Counter[str], units: int, ruleset: RuleSet) -> str | None:
    scored = []
    for language in ruleset.languages.values():
        if language.script == "latin" and language.stopwords:
            share = _stopword_count(words, language) / units
            if share >= language.min_share:
                scored.append((share, language.id))
    return max(scored)[1] if scored else None


def sentence_language(sentence: str, document_language: str, ruleset: RuleSet) -> str:
    """A sentence in another script than its document is read in the language of that script."""
    if sentence.isascii() and ruleset.languages[document_language].script != "cjk":
        return document_language  # no CJK in it: nothing below can change the answer
    cjk = len(_CJK.findall(sentence))
    if ruleset.languages[document_language].script == "cjk":
        return "en" if cjk == 0 and _LATIN.search(sentence) else document_language
    if cjk >= 4 and cjk >= len(_LATIN.findall(sentence)):
        return _detect_cjk("".join(_CJK.findall(sentence)), 0, ruleset) or document_language
    return document_language


def words(text: str, language: Language, ruleset: RuleSet) -> list[tuple[int, str]]:
    """(offset, word) pairs. Chinese and Japanese are split by longest vocabulary match."""
    pattern = _LATIN_WORD if language.script == "latin" else _cjk_pattern(ruleset, language.id)
    return [(m.start(), m.group(0)) for m in pattern.finditer(text) if not m.group(0).isspace()]


@lru_cache(maxsize=16)
def _cjk_pattern(ruleset: RuleSet, language_id: str) -> re.Pattern[str]:
    language = ruleset.languages[language_id]
    vocabulary = (language.model_nouns | language.software_nouns | language.license_nouns | language.system_nouns
                  | language.copulas
                  | language.phrase_boundaries | language.conjunctions | language.own_words | language.compounds
                  | language.modifier_particles)
    known = {w for w in vocabulary if _CJK.search(w)} | _cue_words(language)
    return re.compile("|".join([trie_pattern(sorted(known)), _ASCII_WORD, r"\S"]))


def _cue_words(language) -> set[str]:
    """The words the context cues spell out ("大多数", "评测"), so that splitting keeps them whole
    and a cue is found in the few words before a claim."""
    patterns = [*language.quantifiers, *language.other_markers, *language.negations]
    return {run for p in patterns for run in _CJK_RUN.findall(p) if len(run) >= 2}


_CJK_RUN = re.compile(r"(?<![\[\\])[\u3040-\u30ff\u3400-\u9fff]+(?![\]])")


def trie_pattern(words_: list[str]) -> str:
    """One regular expression for a word list, shaped as a trie: at each character only the words
    that continue from it are tried (an alternation of 200 words would try all 200), and a longer
    word wins over its prefix, as longest-match splitting wants."""
    trie: dict = {}
    for word in words_:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(trie) or "(?!)"


def _trie_regex(node: dict) -> str:
    branches = [re.escape(char) + _trie_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def vocabulary_for(word: str, language: Language, ruleset: RuleSet) -> Language:
    """Latin words inside Chinese or Japanese text are read with the English lists."""
    if language.script == "cjk" and word[:1].isascii():
        return ruleset.english
    return language
