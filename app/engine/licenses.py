"""Recognising licences: full texts, names in prose, SPDX expressions and Hugging Face ids."""

from __future__ import annotations

import re
from functools import lru_cache

from app.engine.models import Evidence, LicenseMatch, Restriction
from app.engine.ruleset import LicenseFacts, RuleSet
from app.engine.trie import alternation

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-",
                         "\u00a0": " "})
_MARKUP = re.compile(r"\*\*|__|\\(?=[^\w\s])|^[ \t]*(?:#+|>+)[ \t]*", re.M)
_SPACE = re.compile(r"\s+")
_ALIAS_SEPARATORS = re.compile(r"[\s_-]+")
_TITLE_WINDOW = 600  # characters of normalised text in which a licence states its title


@lru_cache(maxsize=1)
def _spdx():
    """license-expression's SPDX index takes ~20 ms to build: only when an expression is read."""
    from license_expression import get_spdx_licensing
    return get_spdx_licensing()


def is_spdx_id(identifier: str) -> bool:
    """Whether an id is on the SPDX licence list (what SPDX-based tools accept as an id)."""
    try:
        return not _spdx().validate(identifier).errors
    except Exception:  # an expression the SPDX list cannot parse is simply not an id
        return False


def normalise(text: str) -> str:
    """Fold case, quotes, dashes, Markdown emphasis and hard wrapping so phrases match."""
    return _SPACE.sub(" ", _MARKUP.sub("", text.translate(_QUOTES))).strip().lower()


def _alias_form(text: str) -> str:
    return _ALIAS_SEPARATORS.sub(" ", normalise(text)).replace(" ,", ",")


@lru_cache(maxsize=8)
def _phrase_table(ruleset: RuleSet) -> list[tuple[LicenseFacts, list[str]]]:
    return [(lic, [normalise(p) for p in lic.phrases]) for lic in ruleset.licenses if lic.phrases]


@lru_cache(maxsize=8)
def _alias_pattern(ruleset: RuleSet) -> tuple[re.Pattern[str], dict[str, LicenseFacts]]:
    names: dict[str, LicenseFacts] = {}
    for lic in ruleset.licenses:
        for alias in [*lic.aliases, lic.name, *([lic.spdx] if lic.spdx else [])]:
            names.setdefault(_alias_form(alias), lic)
    pattern = re.compile(r"(?<![\w.])(?:" + alternation(names) + r")(?![\w]|\.\d)")
    return pattern, names


def identify_text(text: str, ruleset: RuleSet) -> LicenseFacts | None:
    """The licence whose recognising phrases a text contains most of; ties go to the more specific."""
    folded = normalise(text)
    head = folded[:_TITLE_WINDOW]
    scored = []
    for lic, phrases in _phrase_table(ruleset):
        hits = sum(1 for p in phrases if p in folded)
        # The first phrase is the licence's own title. A text that does not open with it needs
        # two phrases: licences quote each other, and one borrowed clause proves nothing.
        titled = phrases[0] in head
        if hits >= lic.min_phrases and (titled or hits >= 2):
            scored.append((hits + (2 if titled else 0), lic))
    if not scored:
        return None
    # A specific licence whose own title is there beats the generic family whose shorter title
    # only matched inside it ("RAIL" inside "CreativeML Open RAIL++-M License").
    titles = _phrase_table_of(ruleset)
    generic = {o for _, lic in scored if titles[lic.id][0] in head for o in lic.overrides
               if o in titles and titles[o][0] != titles[lic.id][0] and titles[o][0] in titles[lic.id][0]}
    scored = [(score, lic) for score, lic in scored if lic.id not in generic] or scored
    best = max(score for score, _ in scored)
    tied = [lic for score, lic in scored if score == best]
    overridden = {o for lic in tied for o in lic.overrides}
    return next(lic for lic in tied if lic.id not in overridden)


@lru_cache(maxsize=8)
def _phrase_table_of(ruleset: RuleSet) -> dict[str, list[str]]:
    return {lic.id: phrases for lic, phrases in _phrase_table(ruleset)}


def bundled_sections(text: str, main_id: str, ruleset: RuleSet) -> list[tuple[LicenseFacts, int]]:
    """Other licences a file carries in sections of their own (an MIT section in an Apache file):
    a short line further down that is another licence's title, followed by that licence's text."""
    found: list[tuple[LicenseFacts, int]] = []
    titles = [(phrases[0], lic) for lic, phrases in _phrase_table(ruleset) if len(phrases[0]) >= 8]
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        folded = normalise(line)
        if number < 8 or not folded or len(folded) > 120:
            continue
        for title, facts in titles:
            if _is_title_line(folded, title) and facts.id != main_id and all(f.id != facts.id for f, _ in found):
                section = identify_text("\n".join(lines[number - 1:]), ruleset)
                if section and section.id == facts.id:
                    found.append((facts, number))
    return found


def _is_title_line(folded: str, title: str) -> bool:
    """A line that heads another licence's section is that licence's title, give or take a few
    words ("Appendix: MIT License"); a clause that mentions it ("13. Use with the GNU Affero General
    Public License") is the main licence talking about another."""
    if title not in folded:
        return False
    rest = folded.replace(title, " ", 1)
    return len(re.findall(r"[a-z]{2,}", rest)) <= 2


def match_text(text: str, applies_to: str, evidence: Evidence, ruleset: RuleSet) -> LicenseMatch:
    """Identify a licence file. An open licence with restrictions added is a custom licence."""
    facts = identify_text(text, ruleset)
    if facts is None:
        return make_unrecognised(title_of(text), applies_to, evidence, ruleset, text)
    if facts.open_terms and unknown_restrictions(text, ruleset):
        name = f"{title_of(text)} (modified {facts.name})"
        return make_unrecognised(name, applies_to, evidence, ruleset, text)
    return make_match(facts, applies_to, evidence, ruleset, text)


def names_in(text: str, ruleset: RuleSet) -> list[LicenseFacts]:
    """Licences named in a piece of prose ("released under the Llama 2 Community License")."""
    pattern, names = _alias_pattern(ruleset)
    found: list[LicenseFacts] = []
    for match in pattern.finditer(_alias_form(text)):
        lic = names[match.group(0)]
        if lic not in found:
            found.append(lic)
    return found


def by_hf_id(value: str, ruleset: RuleSet) -> LicenseFacts | None:
    key = value.strip().lower()
    for lic in ruleset.licenses:
        if key in (h.lower() for h in lic.hf_ids) or key == lic.id.lower() or key == (lic.spdx or "").lower():
            return lic
    return None


def by_spdx_expression(expression: str, ruleset: RuleSet) -> list[LicenseFacts] | None:
    """Licences of an SPDX expression; for OR, the open choice is enough, so it comes first."""
    from license_expression import ExpressionError

    try:
        parsed = _spdx().parse(expression, validate=False)
    except ExpressionError:
        return None
    if parsed is None:
        return None
    found = [by_hf_id(key, ruleset) for key in _spdx().license_keys(parsed)]
    known = [lic for lic in found if lic]
    if not known:
        return None
    if " or " in str(parsed).lower():
        known.sort(key=lambda lic: not lic.open_terms)
        return known[:1]
    return known


def unknown_restrictions(text: str, ruleset: RuleSet) -> list[str]:
    """Restriction ids whose cues appear in a licence text we do not know by name."""
    folded = normalise(text)
    return [rid for rid, facts in ruleset.restrictions.items()
            if any(re.search(cue, folded) for cue in facts.cues)]


def clause_for(restriction_id: str, text: str | None, ruleset: RuleSet) -> str:
    """The sentence of a licence text where a restriction is written, for quoting in messages."""
    if not text:
        return ""
    # Headings and blank lines end a sentence too, though they carry no full stop.
    text = re.sub(r"^[ \t]*#.*$|\n[ \t]*\n", ". ", text.translate(_QUOTES), flags=re.M)
    folded = " ".join(text.split())
    for cue in ruleset.restrictions[restriction_id].cues:
        match = re.search(cue, folded, re.I)
        if match:
            start = max(folded.rfind(". ", 0, match.start()) + 2, match.start() - 160)
            end = folded.find(". ", match.end())
            end = len(folded) if end < 0 else min(end + 1, match.end() + 160)
            return folded[start:end].strip()
    return ""


def make_match(facts: LicenseFacts, applies_to: str, evidence: Evidence, ruleset: RuleSet,
               text: str | None = None) -> LicenseMatch:
    return LicenseMatch(
        id=facts.spdx or facts.id, name=facts.name, applies_to=applies_to,
        osi_approved=facts.osi_approved, open_terms=facts.open_terms,
        restrictions=restrictions_for(facts.restrictions, text, ruleset), evidence=evidence,
    )


def make_unrecognised(name: str, applies_to: str, evidence: Evidence, ruleset: RuleSet,
                      text: str | None = None) -> LicenseMatch:
    """A licence we cannot identify: not shown to be open, with any restrictions its text shows."""
    found = unknown_restrictions(text, ruleset) if text else []
    return LicenseMatch(
        id="LicenseRef-unrecognised", name=name, applies_to=applies_to, osi_approved=False,
        open_terms=False, restrictions=restrictions_for(found or ["not-osi-approved"], text, ruleset),
        evidence=evidence, recognised=False,
    )


def restrictions_for(ids: list[str], text: str | None, ruleset: RuleSet) -> tuple[Restriction, ...]:
    return tuple(
        Restriction(rid, ruleset.restrictions[rid].label, ruleset.restrictions[rid].explanation,
                    clause_for(rid, text, ruleset))
        for rid in ids
    )


def title_of(text: str) -> str:
    """A licence's own title: its first short non-blank line."""
    for line in text.splitlines():
        line = _MARKUP.sub("", line).strip().strip(" *#=-").strip()
        if line and len(line) <= 100 and not line.lower().startswith(("copyright", "http")):
            return line
    return "a custom licence"
