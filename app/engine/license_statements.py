"""Licences stated in prose and tables: "the weights are released under …", per-model licence
columns, base models (followed through the repository's own statements), inherited terms.

A sentence in a news item or change log is history: what it names counts only when nothing
more current says anything (tier "mention").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from app.engine import licenses as lic
from app.engine.claims import sentences
from app.engine.license_sources import card_bases, family_key, family_of
from app.engine.markdown import Document, Segment
from app.engine.models import TIER_MENTION, TIER_REPOSITORY, TIER_STATED, Evidence, LicenseMatch
from app.engine.prefilter import fold, lacks_words
from app.engine.ruleset import LicenseFacts, RuleSet
from app.engine.subjects import Project, name_key
from app.engine.tables import tables_of

# Cheap test for a segment that may state terms at all: most prose does not.
_MAY_STATE_TERMS = re.compile(r"licen[cs]|terms|agreement|polic|based on|tuned|built (?:on|upon)|derived|"
                              r"distilled|initiali[sz]ed|continued|commercial|research|production|base model|"
                              r"协议|许可|授权|基于|ライセンス", re.I)
_STATED_USE_LIMITS = ("non-commercial", "research-only", "non-production")
_USE_LIMIT_SUBJECT = re.compile(r"\b(?:models?|weights|checkpoints?|this project|the project|we require|"
                                r"is intended|are intended)\b|模型|权重", re.I)
_MAX_HOPS = 4
_TERMS_WORDS = re.compile(r"licen[cs]|terms|agreement|legal|协议|许可|ライセンス", re.I)
_CODE_TERMS = re.compile(r"\bcode\b|代码", re.I)  # "[Code License](…)" says nothing of the weights
_USE_POLICY = re.compile(r"use[\s_-]?polic|acceptable[\s_-]?use|\baup\b", re.I)
_CODE_HOST = re.compile(r"^https?://(?:www\.)?(?:github\.com|gitlab\.com|gitee\.com)/", re.I)
_BADGE = re.compile(r"shields\.io|badge|\.svg(?:$|\?)", re.I)


@dataclass(frozen=True)
class _Place:
    """Where a sentence is, and the sentence folded once for every needed-words test."""

    doc: Document
    line: int
    historical: bool
    folded: str


def document_patterns(ruleset: RuleSet) -> tuple[re.Pattern[str], ...]:
    """What the statement readers ask Document.segments_with about."""
    return _MAY_STATE_TERMS, ruleset.artifacts.licensing.compiled("based_on")


def from_prose(doc: Document, files: dict[str, LicenseMatch], project: Project,
               ruleset: RuleSet) -> list[LicenseMatch]:
    """Statements such as "the model weights are released under the Llama 2 Community License"."""
    found: list[LicenseMatch] = []
    history = _history_lines(doc, ruleset)
    family = family_of(doc.path)  # a model card in models/<name>/ speaks for that model
    for segment in doc.segments_with(_MAY_STATE_TERMS):
        if segment.kind == "cell":
            continue  # table cells are read as rows by from_tables
        for start, end in sentences(segment, ruleset.english):
            sentence = segment.text[start:end]
            line = segment.position(start + len(sentence) - len(sentence.lstrip()))[0]
            place = _Place(doc, line, line in history or _is_news_item(segment, start, ruleset), fold(sentence))
            stated = [*_statement(sentence, segment, start, end, place, files, project, ruleset),
                      *_inherited(sentence, place, ruleset), *_use_limits(sentence, place, ruleset)]
            found.extend(replace(m, family=m.family or family) for m in stated)
    return found


def _history_lines(doc: Document, ruleset: RuleSet) -> set[int]:
    news = ruleset.artifacts.licensing.compiled("news_sections")
    return {n for s in doc.sections if news.search(s.title) for n in range(s.line, s.end_line + 1)}


def _is_news_item(segment: Segment, start: int, ruleset: RuleSet) -> bool:
    """A list item or paragraph that opens with a date ("2024/01/17: …") reports history."""
    return bool(ruleset.artifacts.licensing.compiled("news_items").search(segment.text[:40]))


def _evidence(kind: str, sentence: str, place: _Place) -> Evidence:
    return Evidence(kind, " ".join(sentence.split())[:160], place.doc.path, place.line)


def _statement(sentence: str, segment: Segment, start: int, end: int, place: _Place,
               files: dict[str, LicenseMatch], project: Project, ruleset: RuleSet) -> list[LicenseMatch]:
    patterns = ruleset.artifacts.licensing
    statement = patterns.compiled("statement")
    if lacks_words(statement, place.folded) or not statement.search(sentence):
        return []
    applies = _applies_to(sentence, ruleset)
    tier = TIER_MENTION if place.historical else TIER_STATED if applies == "weights" else TIER_REPOSITORY
    evidence = _evidence("statement", sentence, place)
    named = lic.names_in(sentence, ruleset)
    matches = [_tiered(lic.make_match(facts, applies, evidence, ruleset), tier) for facts in named]
    if named:
        return matches
    # A link to another project's repository names that project's terms, not this one's.
    links = [(segment.text[s:e], href) for s, e, href in segment.links
             if start <= s < end and not _other_repository(href, project)]
    local = [files[path] for _text, href in links if (path := local_file(href, project)) in files]
    local += [m for text, _href in links for m in files.values() if _same_title(text, m)]
    if local:
        return [_copy(target, applies, evidence, tier) for target in local]
    # An acceptable-use policy governs the use of a model, never code.
    return [_tiered(_elsewhere(href, "weights" if _USE_POLICY.search(f"{text} {href}") else applies, evidence,
                               ruleset), tier) for text, href in links
            if applies != "code" and _names_terms(text, href)][:1]


def _other_repository(href: str, project: Project) -> bool:
    return bool(_CODE_HOST.match(href)) and project.owns_href(href) is False


def _same_title(text: str, match: LicenseMatch) -> bool:
    """A link to a licence page titled like a licence file of the repository stands for that file."""
    key = name_key(text)
    return len(key) >= 8 and key == name_key(match.name)


def _names_terms(text: str, href: str) -> bool:
    """A link whose text or address says it is a licence: "[Model License](https://…/license)"."""
    if not text.strip() or href.startswith("#") or _BADGE.search(href) or _CODE_TERMS.search(text):
        return False
    return bool(_TERMS_WORDS.search(text) or _TERMS_WORDS.search("/".join(href.split("/")[3:])))


def _elsewhere(href: str, applies: str, evidence: Evidence, ruleset: RuleSet) -> LicenseMatch:
    return LicenseMatch("LicenseRef-elsewhere", f"the licence at {href} (not in the repository)", applies,
                        False, False, lic.restrictions_for(["unstated-terms"], None, ruleset), evidence, False)


def local_file(href: str, project: Project) -> str | None:
    """The repository path a link points to: relative links, or blob links into this repository."""
    href = href.split("#", 1)[0].split("?", 1)[0]
    if not href:
        return ""  # a link within the page
    if not re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):
        return href.lstrip("./")
    match = re.match(r"^https?://(?:www\.)?github\.com/([^/]+)/([^/]+)/(?:blob|tree)/[^/]+/(.+)$", href, re.I)
    if match and match.group(1).lower() in project.orgs and project.owns_name(match.group(2)):
        return match.group(3)
    return None


def _copy(target: LicenseMatch, applies: str, evidence: Evidence, tier: int,
          family: str | None = None) -> LicenseMatch:
    return LicenseMatch(target.id, target.name, applies, target.osi_approved, target.open_terms,
                        target.restrictions, evidence, target.recognised, tier, family or target.family,
                        target.binding)


def _tiered(match: LicenseMatch, tier: int, family: str | None = None, binding: bool = False) -> LicenseMatch:
    return LicenseMatch(match.id, match.name, match.applies_to, match.osi_approved, match.open_terms,
                        match.restrictions, match.evidence, match.recognised, tier, family, binding)


def _applies_to(sentence: str, ruleset: RuleSet) -> str:
    """Weights when the sentence speaks of the model or its weights (with or without the code)."""
    patterns = ruleset.artifacts.licensing
    weights = bool(patterns.compiled("weights_words").search(sentence))
    code = bool(patterns.compiled("code_words").search(sentence))
    if weights:
        return "weights"
    if code:
        return "code"
    return "all"


def _inherited(sentence: str, place: _Place, ruleset: RuleSet) -> list[LicenseMatch]:
    """"Checkpoints are subject to the licences of their base models": terms the repository defers to."""
    inherited = ruleset.artifacts.licensing.compiled("inherited")
    if lacks_words(inherited, place.folded) or not inherited.search(sentence):
        return []
    evidence = _evidence("inherited-terms", sentence, place)
    terms = LicenseMatch("LicenseRef-base-model-terms", "the licences of the base models (not stated in the "
                         "repository)", "weights", False, False,
                         lic.restrictions_for(["inherited-terms"], None, ruleset), evidence, False)
    return [_tiered(terms, TIER_STATED, binding=True)]


@lru_cache(maxsize=8)
def _use_limit_cues(ruleset: RuleSet) -> list[tuple[str, re.Pattern[str]]]:
    return [(rid, re.compile("|".join(f"(?:{c})" for c in ruleset.restrictions[rid].cues), re.I))
            for rid in _STATED_USE_LIMITS]


def _use_limits(sentence: str, place: _Place, ruleset: RuleSet) -> list[LicenseMatch]:
    """Use limits a README states outright ("for research purposes only")."""
    if place.historical or not _USE_LIMIT_SUBJECT.search(sentence):
        return []
    normalised = lic.normalise(sentence)
    folded = fold(normalised)
    limits = [rid for rid, cues in _use_limit_cues(ruleset)
              if not lacks_words(cues, folded) and cues.search(normalised)]
    if not limits:
        return []
    evidence = _evidence("stated-terms", sentence, place)
    return [LicenseMatch("LicenseRef-stated-terms", "the use terms stated in the documentation", "weights",
                         False, False, lic.restrictions_for(limits, sentence, ruleset), evidence,
                         True, TIER_STATED, None, True)]


def from_tables(doc: Document, files: dict[str, LicenseMatch], project: Project, ruleset: RuleSet,
                referenced: dict[str, set[str]] | None = None) -> list[LicenseMatch]:
    """Model tables with a licence column: each row's model gets its own terms. The licence files
    the rows link to are added to `referenced`, with the family keys of the rows that link them:
    the rows, not the file names, say which model they serve."""
    found: list[LicenseMatch] = []
    column = ruleset.artifacts.licensing.compiled("license_columns")
    for table in tables_of(doc):
        index = next((i for i, h in enumerate(table.header) if column.search(h.text)), None)
        if index is None:
            continue
        for row in table.rows:
            if index < len(row) and row[0].text:
                found.extend(_row_terms(row[0].text, row[index], doc, files, project, ruleset, referenced))
    return found


def _row_terms(family: str, cell, doc: Document, files: dict[str, LicenseMatch], project: Project,
               ruleset: RuleSet, referenced: dict[str, set[str]] | None) -> list[LicenseMatch]:
    evidence = Evidence("model-table", f"{family}: {cell.text}", doc.path, cell.line)
    for href in cell.links:
        local = local_file(href, project)
        if local is not None and local in files:
            if referenced is not None:
                referenced.setdefault(local, set()).add(family_key(family))
            return [_copy(files[local], "weights", evidence, TIER_STATED, family)]
    facts = lic.by_hf_id(cell.text, ruleset) or (lic.names_in(cell.text, ruleset) or [None])[0]
    return [_tiered(lic.make_match(facts, "weights", evidence, ruleset), TIER_STATED, family)] if facts else []


def base_models(docs: list[Document], ruleset: RuleSet) -> list[LicenseMatch]:
    """Licences that bind the weights through their base models, followed through the repository's own
    statements: "Acme-Chat is tuned from Acme-Base", "Acme-Base is based on Llama 2"."""
    edges = base_edges(docs, ruleset)
    bases_of: dict[str, list[str]] = {}
    for subject, base, _evidence, _family in edges:
        if subject:
            bases_of.setdefault(name_key(subject), []).append(base)
    resolved: dict[str, LicenseFacts | None] = {}
    found: list[LicenseMatch] = []
    for _subject, base, evidence, family in edges:
        facts = _resolve(base, bases_of, ruleset, _MAX_HOPS, resolved)
        if facts:
            found.append(_tiered(lic.make_match(facts, "weights", evidence, ruleset), TIER_STATED, family, True))
    return found


def _resolve(base: str, bases_of: dict[str, list[str]], ruleset: RuleSet, hops: int,
             resolved: dict[str, LicenseFacts | None]) -> LicenseFacts | None:
    """The licence a base model is bound by, directly or through the bases the repository gives it."""
    if base in resolved:
        return resolved[base]
    resolved[base] = None  # a cycle resolves to nothing
    facts = ruleset.base_model_license(base)
    key = name_key(base.rsplit("/", 1)[-1])
    if facts is None and hops and len(key) >= 4:
        for subject_key, bases in bases_of.items():
            if subject_key.startswith(key) or key.startswith(subject_key):
                facts = next((f for b in bases if b != base
                              if (f := _resolve(b, bases_of, ruleset, hops - 1, resolved))), None)
                if facts:
                    break
    resolved[base] = facts
    return facts


def base_edges(docs: list[Document], ruleset: RuleSet) -> list[tuple[str, str, Evidence, str | None]]:
    """(model, its base model, evidence, family) from cards, tables and sentences."""
    edges = []
    based_on = ruleset.artifacts.licensing.compiled("based_on")
    for doc in docs:
        name = _card_name(doc)
        folder_family = family_of(doc.path)
        for base in card_bases(doc):
            evidence = Evidence("base-model", f"fine-tuned from {base}, bound by its licence", doc.path,
                                doc.front_matter_lines.get("base_model"))
            edges.append((name, base, evidence, name if "/" in doc.path else None))
        edges.extend(_table_bases(doc, ruleset))
        for segment in doc.segments_with(based_on):
            for start, end in sentences(segment, ruleset.english):
                sentence = segment.text[start:end]
                for match in based_on.finditer(sentence):
                    line = segment.position(start)[0]
                    evidence = Evidence("base-model", " ".join(sentence.split())[:160], doc.path, line)
                    subject = _subject_name(sentence[:match.start()])
                    edges.append((subject, match.group(match.lastindex or 0), evidence, folder_family))
    return edges


def _card_name(doc: Document) -> str:
    fm = doc.front_matter or {}
    return str(fm.get("model_name") or (doc.path.rsplit("/", 2)[-2] if "/" in doc.path else ""))


def _subject_name(before: str) -> str:
    """The first name-like word of a sentence: "Acme-Chat is fine-tuned from …"."""
    match = re.search(r"[A-Za-z][\w.-]*\d[\w.-]*|[A-Z][a-z]+[A-Z][\w.-]*|[A-Z][\w]*-[\w.-]+", before)
    return match.group(0) if match else ""


def _table_bases(doc: Document, ruleset: RuleSet) -> list[tuple[str, str, Evidence, str | None]]:
    column = ruleset.artifacts.licensing.compiled("base_columns")
    edges = []
    for table in tables_of(doc):
        index = next((i for i, h in enumerate(table.header) if column.search(h.text)), None)
        if index is None:
            continue
        for row in table.rows:
            if index < len(row) and row[0].text and row[index].text:
                base = row[index].links[0] if row[index].links else row[index].text
                evidence = Evidence("model-table", f"{row[0].text} is built on {row[index].text}", doc.path,
                                    row[index].line)
                edges.append((row[0].text, base, evidence, row[0].text))
    return edges
