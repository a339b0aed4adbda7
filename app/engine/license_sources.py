"""Where a repository states its licences, and which part each one governs."""

from __future__ import annotations

import json
import re
import tomllib
from functools import lru_cache

import yaml

from app.engine import licenses as lic
from app.engine.claims import sentences
from app.engine.markdown import Document
from app.engine.models import Evidence, LicenseMatch
from app.engine.ruleset import RuleSet

_STATEMENT = re.compile(r"\b(?:licen[cs]ed|released|available|distributed|provided|governed|covered|"
                        r"subject to|under|licen[cs]e)\b", re.I)
_WEIGHT_WORDS = re.compile(r"\b(?:weights?|models?|checkpoints?|parameters|llms?)\b", re.I)
_CODE_WORDS = re.compile(r"\b(?:code|codebase|repository|repo|source|scripts?|software|library|toolkit)\b", re.I)
_BASED_ON = re.compile(r"\b(?:based on|fine-?tuned (?:from|on)|built (?:on|upon)|derived from|"
                       r"distilled from|initiali[sz]ed from|continued pre-?training (?:of|from))\s+(.{0,60})", re.I)
# Cheap test for a segment that may state terms at all: most prose does not.
_MAY_STATE_TERMS = re.compile(r"licen[cs]|terms|agreement|polic|based on|tuned|built (?:on|upon)|derived|"
                              r"distilled|initiali[sz]ed|continued|commercial|research|production", re.I)
_STATED_USE_LIMITS = ("non-commercial", "research-only", "non-production")
_USE_LIMIT_SUBJECT = re.compile(r"\b(?:models?|weights|checkpoints?|this project|the project|we require|"
                                r"is intended|are intended)\b", re.I)


def file_role(path: str) -> str:
    """What a licence file governs, by its name: weights, code, data, policy or all."""
    name = path.lower()
    if re.search(r"use[_-]?policy|acceptable[_-]?use", name):
        return "policy"
    if re.search(r"model|weight", name):
        return "weights"
    if "data" in name:
        return "data"
    if "code" in name:
        return "code"
    if re.search(r"licen[cs]e agreement", name):
        return "weights"  # a named agreement beside a plain LICENSE is the model's
    return "all"


def from_license_file(path: str, text: str, ruleset: RuleSet) -> LicenseMatch | None:
    role = file_role(path)
    evidence = Evidence("license-file", f"licence text in {path}", path, 1)
    if role == "policy":
        policy = lic.unknown_restrictions(text, ruleset) or ["acceptable-use-policy"]
        return LicenseMatch("LicenseRef-use-policy", lic.title_of(text), "weights", False, False,
                            lic.restrictions_for(policy, text, ruleset), evidence)
    if role == "all" and path.upper().startswith("NOTICE"):
        return None
    return lic.match_text(text, role, evidence, ruleset)


def from_front_matter(doc: Document, texts: dict[str, str], ruleset: RuleSet) -> list[LicenseMatch]:
    """A Hugging Face card's `license` (following `other` to license_name / license_link) and base_model."""
    fm = doc.front_matter or {}
    found: list[LicenseMatch] = []
    value = fm.get("license")
    line = doc.front_matter_lines.get("license")
    if isinstance(value, str) and value.strip():
        found.extend(_hf_license(value, fm, doc, line, texts, ruleset))
    tags = [str(t) for t in fm["tags"]] if isinstance(fm.get("tags"), list) else []
    tag_line = doc.front_matter_lines.get("tags")
    for tag in tags:  # the Hub adds "license:<id>" and "base_model:<id>" tags to model cards
        kind, _, value = tag.partition(":")
        if kind == "license" and value and not fm.get("license"):
            found.extend(_hf_license(value, fm, doc, tag_line, texts, ruleset))
    base = fm.get("base_model")
    bases = base if isinstance(base, list) else [base] if base else []
    bases += [t.split(":")[-1] for t in tags if t.startswith("base_model:")]
    for model in bases:
        facts = ruleset.base_model_license(str(model))
        if facts:
            evidence = Evidence("base-model", f"fine-tuned from {model}, bound by its licence", doc.path,
                                doc.front_matter_lines.get("base_model"))
            found.append(lic.make_match(facts, "weights", evidence, ruleset))
    return found


def _hf_license(value: str, fm: dict, doc: Document, line: int | None, texts: dict[str, str],
                ruleset: RuleSet) -> list[LicenseMatch]:
    evidence = Evidence("front-matter", f"license: {value}", doc.path, line)
    if value.strip().lower() != "other":
        facts = lic.by_hf_id(value, ruleset)
        if facts:
            return [lic.make_match(facts, "weights", evidence, ruleset)]
        return [lic.make_unrecognised(value, "weights", evidence, ruleset)]
    name = str(fm.get("license_name") or "")
    link = str(fm.get("license_link") or "")
    facts = lic.by_hf_id(name, ruleset) if name else None
    facts = facts or (lic.names_in(name.replace("-", " "), ruleset) or [None])[0] if name else facts
    detail = f"license: other, license_name: {name or '-'}, license_link: {link or '-'}"
    evidence = Evidence("front-matter", detail, doc.path, doc.front_matter_lines.get("license_name", line))
    if facts:
        return [lic.make_match(facts, "weights", evidence, ruleset)]
    linked = texts.get(link.lstrip("./"))
    if linked:
        return [lic.match_text(linked, "weights", evidence, ruleset)]
    return [lic.make_unrecognised(name or "a custom licence", "weights", evidence, ruleset)]


def from_manifest(path: str, text: str, ruleset: RuleSet) -> list[LicenseMatch]:
    """The code licence declared by pyproject.toml, package.json or CITATION.cff."""
    try:
        expression = _manifest_license(path, text)
    except (ValueError, yaml.YAMLError, tomllib.TOMLDecodeError):
        return []
    if not expression:
        return []
    evidence = Evidence("manifest", f"license = {expression!r} in {path}", path, _line_of(text, expression))
    found = lic.by_spdx_expression(expression, ruleset)
    if not found:
        return [lic.make_unrecognised(expression, "code", evidence, ruleset)]
    return [lic.make_match(facts, "code", evidence, ruleset) for facts in found]


def _manifest_license(path: str, text: str) -> str | None:
    if path.endswith(".toml"):
        data = tomllib.loads(text).get("project")
    elif path.endswith(".json"):
        data = json.loads(text)
    else:
        data = yaml.safe_load(text)
    value = data.get("license") if isinstance(data, dict) else None
    if isinstance(value, dict):  # pyproject's older table form: license = {text = "MIT"}
        value = value.get("text")
    return value if isinstance(value, str) else None


def _line_of(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def from_prose(doc: Document, texts: dict[str, LicenseMatch], ruleset: RuleSet) -> list[LicenseMatch]:
    """Statements such as "the model weights are released under the Llama 2 Community License"."""
    found: list[LicenseMatch] = []
    for segment in doc.segments:
        if not _MAY_STATE_TERMS.search(segment.raw):
            continue
        for start, end in sentences(segment, ruleset.english):
            sentence = segment.text[start:end]
            line = segment.position(start + len(sentence) - len(sentence.lstrip()))[0]
            found.extend(_statement(sentence, segment, start, end, doc, line, texts, ruleset))
            found.extend(_base_model_statement(sentence, doc, line, ruleset))
            found.extend(_use_limits(sentence, doc, line, ruleset))
    return found


def _statement(sentence: str, segment, start: int, end: int, doc: Document, line: int,
               texts: dict[str, LicenseMatch], ruleset: RuleSet) -> list[LicenseMatch]:
    if not _STATEMENT.search(sentence):
        return []
    applies = _applies_to(sentence)
    evidence = Evidence("statement", " ".join(sentence.split())[:160], doc.path, line)
    named = lic.names_in(sentence, ruleset)
    matches = [lic.make_match(facts, applies, evidence, ruleset) for facts in named]
    for s, _e, href in segment.links:
        target = texts.get(href.split("/blob/")[-1].split("/")[-1].lstrip("./")) if start <= s < end else None
        if target and not named:
            matches.append(LicenseMatch(target.id, target.name, applies, target.osi_approved,
                                        target.open_terms, target.restrictions, evidence, target.recognised))
    return matches


def _applies_to(sentence: str) -> str:
    weights, code = bool(_WEIGHT_WORDS.search(sentence)), bool(_CODE_WORDS.search(sentence))
    if weights and not code:
        return "weights"
    if code and not weights:
        return "code"
    return "all"


def _base_model_statement(sentence: str, doc: Document, line: int, ruleset: RuleSet) -> list[LicenseMatch]:
    found = []
    for match in _BASED_ON.finditer(sentence):
        facts = ruleset.base_model_license(match.group(1))
        if facts:
            evidence = Evidence("base-model", " ".join(sentence.split())[:160], doc.path, line)
            found.append(lic.make_match(facts, "weights", evidence, ruleset))
    return found


@lru_cache(maxsize=8)
def _use_limit_cues(ruleset: RuleSet) -> list[tuple[str, re.Pattern[str]]]:
    return [(rid, re.compile("|".join(f"(?:{c})" for c in ruleset.restrictions[rid].cues), re.I))
            for rid in _STATED_USE_LIMITS]


def _use_limits(sentence: str, doc: Document, line: int, ruleset: RuleSet) -> list[LicenseMatch]:
    """Use limits a README states outright ("for research purposes only")."""
    if not _USE_LIMIT_SUBJECT.search(sentence):
        return []
    folded = lic.normalise(sentence)
    limits = [rid for rid, cues in _use_limit_cues(ruleset) if cues.search(folded)]
    if not limits:
        return []
    evidence = Evidence("stated-terms", " ".join(sentence.split())[:160], doc.path, line)
    return [LicenseMatch("LicenseRef-stated-terms", "the use terms stated in the documentation", "weights",
                         False, False, lic.restrictions_for(limits, sentence, ruleset), evidence)]
