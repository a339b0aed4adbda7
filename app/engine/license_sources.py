"""Licence files, model-card front matter and package manifests: what each licence governs.

Each match carries a tier (how directly it speaks of the weights), the model family it governs
when a file names one, and whether it binds on top of any licence (use policies, base models).
"""

from __future__ import annotations

import re

from app.engine import licenses as lic
from app.engine.markdown import Document
from app.engine.models import TIER_REPOSITORY, TIER_STATED, Evidence, LicenseMatch
from app.engine.ruleset import RuleSet

_FAMILY_FILE = re.compile(r"^(?:model[_-]?)?(?:licen[cs]e|use[_-]?policy)[-_ .]+(?P<family>[\w.\[\] -]+?)"
                          r"(?:\.(?:md|txt|markdown))?$", re.I)
_NOT_FAMILIES = frozenset({"model", "models", "code", "weights", "data", "agreement", "md", "txt", "apache",
                           "mit", "2.0", "v2", "file"})
_MODEL_FOLDER = re.compile(r"(?:^|/)(?:models?|checkpoints?|weights)/(?P<family>[^/]+)/[^/]+$", re.I)
_URL = re.compile(r"https?://[^\s)>\]\"']+")
_POINTER_MAX = 400  # characters: a file this short that mostly links elsewhere is a pointer
_MAX_BUNDLED = 4


def file_role(path: str) -> str:
    """What a licence file governs, by its path: weights, code, data, policy or all."""
    name = path.lower().rsplit("/", 1)[-1]
    if re.search(r"use[_-]?policy|acceptable[_-]?use", name):
        return "policy"
    if re.search(r"model|weight", path.lower()):
        return "weights"
    if "data" in name:
        return "data"
    if "code" in name:
        return "code"
    if re.search(r"licen[cs]e agreement", name):
        return "weights"  # a named agreement beside a plain LICENSE is the model's
    return "all"


def family_of(path: str) -> str | None:
    """The model family a licence file names ("LICENSE-Acme-7B", "models/acme-7b/LICENSE")."""
    name = path.rsplit("/", 1)[-1]
    match = _FAMILY_FILE.match(name)
    if match and match.group("family").strip(" .-_").lower() not in _NOT_FAMILIES:
        return match.group("family").strip(" .-_")
    folder = _MODEL_FOLDER.search(path)
    return folder.group("family") if folder else None


def family_key(name: str) -> str:
    """What two spellings of one family share: "llama3_1", "Llama 3.1" and "llama-3.1" are one."""
    return re.sub(r"[^0-9a-z\u3040-\u9fff]", "", name.lower())


def canonical_families(matches: list[LicenseMatch]) -> list[LicenseMatch]:
    """Every family named by its most readable spelling (a table row's or card's "Acme 3.1" over a
    folder's "acme3_1"), so that the spellings of one family are one family."""
    spellings: dict[str, str] = {}
    for m in matches:
        if m.family:
            key = family_key(m.family)
            if key not in spellings or _readability(m.family) > _readability(spellings[key]):
                spellings[key] = m.family
    return [m if not m.family or not family_key(m.family) else
            _with(m, m.tier, spellings[family_key(m.family)], m.binding) for m in matches]


def _readability(name: str) -> tuple[bool, bool]:
    return " " in name, any(c.isupper() for c in name)


def from_license_file(path: str, text: str, ruleset: RuleSet) -> list[LicenseMatch]:
    """The licence (or licences, when a file bundles several) a file states, with what it governs."""
    role = file_role(path)
    evidence = Evidence("license-file", f"licence text in {path}", path, 1)
    family = family_of(path)
    pointer = _pointer(text, ruleset)
    if pointer:
        return [_pointed(pointer, text, role if role != "policy" else "weights", evidence, family, ruleset)]
    if _points_within(text, ruleset):
        return []  # "see each model's folder": the licences are the files it points to, read on their own
    if role == "policy":
        return [_policy(text, evidence, family, ruleset)]
    if role == "all" and path.rsplit("/", 1)[-1].upper().startswith("NOTICE"):
        return []
    tier = TIER_STATED if role == "weights" else TIER_REPOSITORY
    identified = lic.identify_text(text, ruleset)
    sections = lic.bundled_sections(text, identified.id if identified else "", ruleset)[:_MAX_BUNDLED]
    lines = text.splitlines()
    # The main licence is read up to the first bundled section: the terms of a bundled part are not
    # the main licence's own (they would make an Apache file look like a modified Apache licence).
    main_text = "\n".join(lines[:sections[0][1] - 1]) if sections else text
    found = [_with(lic.match_text(main_text, role, evidence, ruleset), tier, family)]
    for facts, line in sections:
        part = _part_named_before(lines, line)
        detail = f"licence section for {part} in {path}" if part else f"licence section in {path}"
        section_text = "\n".join(lines[line - 1:])
        bundled = lic.make_match(facts, role, Evidence("license-file", detail, path, line), ruleset, section_text)
        # A restrictive licence for a part the release ships (a bundled autoencoder, a tokenizer)
        # binds the release on top of the main licence.
        found.append(_with(bundled, tier, family, binding=bool(part) and not bundled.open_terms))
    return found


_PART = re.compile(r"\b(?:the\s+)?(?P<part>(?:[\w.-]+\s+){0,2}(?:autoencoder|vae|decoder|encoder|tokenizer|vocoder|"
                   r"text encoder|image encoder|vision encoder|adapter|upsampler|refiner|safety checker|"
                   r"weights|checkpoints?|models?))\b", re.I)
_SCOPE_WORDS = re.compile(r"\b(?:for|of|covers?|applies to|governs|licen[cs]ed|bundled|included)\b", re.I)


def _part_named_before(lines: list[str], line: int) -> str | None:
    """The part a bundled licence section is for, as the lines just before it (or its own heading)
    name it: "The bundled autoencoder is licensed under the following terms:"."""
    for text in reversed(lines[max(0, line - 4):line]):
        if not text.strip():
            continue
        match = _PART.search(text)
        if match and (_SCOPE_WORDS.search(text) or text.lstrip().startswith("#")):
            return " ".join(match.group("part").split())
    return None


def _with(match: LicenseMatch, tier: int, family: str | None = None, binding: bool = False) -> LicenseMatch:
    return LicenseMatch(match.id, match.name, match.applies_to, match.osi_approved, match.open_terms,
                        match.restrictions, match.evidence, match.recognised, tier, family, binding)


def _pointer(text: str, ruleset: RuleSet) -> str | None:
    """The address a one-line "see <URL>" file points to, instead of carrying the licence text."""
    lines = [line for line in text.splitlines() if line.strip()]
    url = _URL.search(text)
    if len(text) > _POINTER_MAX or len(lines) > 3 or not url or lic.identify_text(text, ruleset):
        return None
    pointer = ruleset.artifacts.licensing.compiled("pointer")
    return url.group(0).rstrip(".,;") if pointer.search(text) or len(_URL.sub("", text).split()) <= 6 else None


def _points_within(text: str, ruleset: RuleSet) -> bool:
    """A short note without an address that sends the reader to other files of the repository."""
    if len(text) > _POINTER_MAX or _URL.search(text) or lic.identify_text(text, ruleset):
        return False
    return bool(ruleset.artifacts.licensing.compiled("pointer").search(text)) and len(text.split()) <= 30


def _pointed(url: str, text: str, role: str, evidence: Evidence, family: str | None,
             ruleset: RuleSet) -> LicenseMatch:
    """A pointer names its licence only when its words do; otherwise the terms are elsewhere."""
    named = lic.names_in(_URL.sub(" ", text), ruleset)
    detail = Evidence(evidence.kind, f"{evidence.path} points to {url}", evidence.path, 1, "weak")
    if named:
        return _with(lic.make_match(named[0], role, detail, ruleset), TIER_STATED if role == "weights"
                     else TIER_REPOSITORY, family)
    terms = LicenseMatch("LicenseRef-elsewhere", f"the licence at {url} (not in the repository)", role, False,
                         False, lic.restrictions_for(["unstated-terms"], None, ruleset), detail, False)
    return _with(terms, TIER_STATED if role == "weights" else TIER_REPOSITORY, family)


def _policy(text: str, evidence: Evidence, model_family: str | None, ruleset: RuleSet) -> LicenseMatch:
    """A use policy binds the weights on top of their licence; it is named after the licence it serves."""
    title = lic.title_of(text)
    family = ruleset.base_model_license(title)
    served = lic.names_in(title, ruleset) or ([family] if family else []) or lic.names_in(text[:400], ruleset)
    name = title if title != "a custom licence" else "an acceptable use policy"
    if served and served[0].name.split()[0].lower() not in name.lower():
        name = f"{name} ({served[0].name})"
    ids = lic.unknown_restrictions(text, ruleset) or ["acceptable-use-policy"]
    policy_id = f"LicenseRef-{served[0].id}-use-policy" if served else "LicenseRef-use-policy"
    return LicenseMatch(policy_id, name, "weights", False, False, lic.restrictions_for(ids, text, ruleset),
                        evidence, True, TIER_STATED, model_family, binding=True)


def from_front_matter(doc: Document, texts: dict[str, str], ruleset: RuleSet) -> list[LicenseMatch]:
    """A Hugging Face card's `license` (following `other` to license_name / license_link) and base_model."""
    fm = doc.front_matter or {}
    family = _card_family(doc)
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
    found = [_with(m, TIER_STATED, family) for m in found]
    return found + _card_bases(doc, family, ruleset)


def card_bases(doc: Document) -> list[str]:
    """The base models a card's front matter names (field and "base_model:" tags)."""
    fm = doc.front_matter or {}
    base = fm.get("base_model")
    bases = [str(b) for b in (base if isinstance(base, list) else [base] if base else [])]
    tags = fm.get("tags") if isinstance(fm.get("tags"), list) else []
    return bases + [str(t).split(":")[-1] for t in tags if str(t).startswith("base_model:")]


def _card_bases(doc: Document, family: str | None, ruleset: RuleSet) -> list[LicenseMatch]:
    found = []
    for model in card_bases(doc):
        facts = ruleset.base_model_license(model)
        if facts:
            evidence = Evidence("base-model", f"fine-tuned from {model}, bound by its licence", doc.path,
                                doc.front_matter_lines.get("base_model"))
            found.append(_with(lic.make_match(facts, "weights", evidence, ruleset), TIER_STATED, family, True))
    return found


def _card_family(doc: Document) -> str | None:
    """A nested model card speaks for the model in its folder; the root card for the repository."""
    if "/" not in doc.path:
        return None
    fm = doc.front_matter or {}
    name = fm.get("model_name") if isinstance(fm.get("model_name"), str) else None
    return name or doc.path.rsplit("/", 2)[-2]


def _hf_license(value: str, fm: dict, doc: Document, line: int | None, texts: dict[str, str],
                ruleset: RuleSet, applies: str = "weights") -> list[LicenseMatch]:
    evidence = Evidence("front-matter", f"license: {value}", doc.path, line)
    if value.strip().lower() != "other":
        facts = lic.by_hf_id(value, ruleset)
        if facts:
            return [lic.make_match(facts, applies, evidence, ruleset)]
        return [lic.make_unrecognised(value, applies, evidence, ruleset)]
    name = str(fm.get("license_name") or "")
    link = str(fm.get("license_link") or "")
    facts = lic.by_hf_id(name, ruleset) if name else None
    facts = facts or (lic.names_in(name.replace("-", " "), ruleset) or [None])[0] if name else facts
    detail = f"license: other, license_name: {name or '-'}, license_link: {link or '-'}"
    evidence = Evidence("front-matter", detail, doc.path, doc.front_matter_lines.get("license_name", line))
    if facts:
        return [lic.make_match(facts, applies, evidence, ruleset)]
    # The Hub asks for the text of an `other` licence in a LICENSE file of the repository.
    linked = texts.get(link.lstrip("./")) if link else texts.get("LICENSE") or texts.get("LICENSE.md")
    if linked:
        return [lic.match_text(linked, applies, evidence, ruleset)]
    return [lic.make_unrecognised(name or "a custom licence", applies, evidence, ruleset)]


def from_hub_card(doc: Document, page, applies: str, family: str | None, binding: bool,
                  ruleset: RuleSet) -> list[LicenseMatch]:
    """A hub card's licence, stated for what it governs: the weights of the model (a base model's
    binding on top), or a dataset's data; gating that withholds the files from the EU is a
    geographic restriction of the weights."""
    card = doc.front_matter or page.card_data or {}
    value = card.get("license")
    texts = {name: page.license_text for name in ("LICENSE", "LICENSE.md") if page.license_text}
    found = _hf_license(str(value), card, doc, doc.front_matter_lines.get("license"), texts, ruleset, applies) \
        if isinstance(value, str) and value.strip() else []
    if applies == "weights" and card.get("extra_gated_eu_disallowed") is True:
        evidence = Evidence("front-matter", "extra_gated_eu_disallowed: true (the files are withheld from the EU)",
                            doc.path, doc.front_matter_lines.get("extra_gated_eu_disallowed"))
        found.append(LicenseMatch("LicenseRef-hub-gating", "the Hub's gating terms", "weights", False, False,
                                  lic.restrictions_for(["geo-restriction"], None, ruleset), evidence, True,
                                  TIER_STATED, family, True))
    return [_with(m, TIER_STATED, family, binding or m.binding) for m in found]


def from_manifest(path: str, text: str, ruleset: RuleSet) -> list[LicenseMatch]:
    """The code licence declared by pyproject.toml, package.json or CITATION.cff."""
    try:
        expression = _manifest_license(path, text)
    except (ValueError, RecursionError):  # TOML's, JSON's and (as re-raised) YAML's errors
        return []
    if not expression:
        return []
    evidence = Evidence("manifest", f"license = {expression!r} in {path}", path, _line_of(text, expression))
    found = lic.by_spdx_expression(expression, ruleset)
    if not found:
        return [lic.make_unrecognised(expression, "code", evidence, ruleset)]
    return [lic.make_match(facts, "code", evidence, ruleset) for facts in found]


def _cff(text: str) -> object:
    import yaml  # PyYAML loads only for a CITATION.cff (or front matter, or a configuration file)

    from app.engine import yamlsafe
    try:
        return yamlsafe.load(text)[0]
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML: {exc}") from exc


def _manifest_license(path: str, text: str) -> str | None:
    import json  # a repository with a manifest is the exception: most scans need neither parser
    import tomllib

    if path.endswith(".toml"):
        data = tomllib.loads(text).get("project")
    elif path.endswith(".json"):
        data = json.loads(text)
    else:
        data = _cff(text)
    value = data.get("license") if isinstance(data, dict) else None
    if isinstance(value, dict):  # pyproject's older table form: license = {text = "MIT"}
        value = value.get("text")
    return value if isinstance(value, str) else None


def _line_of(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None
