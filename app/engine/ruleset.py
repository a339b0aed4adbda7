"""Loading and validating the rule files: claim rules, licences, restrictions, vocabulary."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, ClassVar, Literal, TypeVar

from app.engine.schema import FORBID_EXTRA, NON_EMPTY, Checked, Invalid, full_match, validate
from app.paths import rules_dir

T = TypeVar("T")


class RuleFileError(Exception):
    """A rule file is missing, not YAML, or does not follow the schema. Names the file and key."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)


@lru_cache(maxsize=4096)  # rules ask for the same few hundred patterns during every scan
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc


def _checked_regex(pattern: str) -> str:
    """A pattern that compiles and cannot take super-linear time (see app.engine.redos)."""
    _compile(pattern)
    from app.engine.redos import problem

    found = problem(pattern)
    if found:
        raise ValueError(f"{found}: {pattern!r}")
    return pattern


Regex = Annotated[str, Checked(_checked_regex)]  # a pattern the loader refuses unless it compiles


def _known_placeholders(value: str) -> str:
    unknown = set(re.findall(r"{(\w+)}", value)) - {"match", "subject", "reason", "replacement"}
    if unknown:
        raise ValueError(f"unknown placeholders {sorted(unknown)}")
    return value


# Every rule class is a frozen dataclass validated by pydantic when a rule file is read (see
# app.engine.schema): a run that loads the rules from the cache never imports pydantic. A rule is
# equal only to itself (a rule set has one of each), which spares generating comparison methods,
# a third of what defining these classes costs each process.
_rule = dataclass(frozen=True, kw_only=True, eq=False)


@_rule
class Swap:
    """One replacement wording, chosen when its patterns match the claim and its context."""

    __pydantic_config__: ClassVar = FORBID_EXTRA

    token: Regex = "."
    before: Regex | None = None
    after: Regex | None = None
    replacement: str

    def applies(self, token: str, before: str, after: str) -> bool:
        checks = ((self.token, token), (self.before, before), (self.after, after))
        return all(p is None or _compile(p).search(text) for p, text in checks)


@_rule
class Examples:
    __pydantic_config__: ClassVar = FORBID_EXTRA
    claims: list[str] = field(default_factory=list)
    not_claims: list[str] = field(default_factory=list)


@_rule
class Wording:
    """A claim rule's words in one language: what to match, what to skip, what to propose."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    tokens: Annotated[list[Regex], NON_EMPTY]
    exceptions: list[Regex] = field(default_factory=list)
    swap: Annotated[list[Swap], NON_EMPTY]
    examples: Examples = field(default_factory=Examples)

    # Compiled on first use and kept on the instance (a plain attribute read after that): the
    # words of a language no document is in are never compiled.
    @cached_property
    def token_patterns(self) -> list[re.Pattern[str]]:
        return [_compile(t) for t in self.tokens]

    @cached_property
    def exception_patterns(self) -> list[re.Pattern[str]]:
        return [_compile(t) for t in self.exceptions]

    def replacement_for(self, token: str, before: str, after: str) -> str:
        for swap in self.swap:
            if swap.applies(token, before, after):
                return swap.replacement
        return self.swap[-1].replacement


@_rule
class ClaimRule(Wording):
    """A claim rule. Its top-level words are English; `languages` adds the words of others."""

    id: Annotated[str, full_match(r"[A-Z][A-Za-z0-9]+")]
    extends: Literal["claim"]
    level: Literal["error", "warning", "notice"]
    targets: Annotated[list[Literal["model", "generic", "license"]], NON_EMPTY]
    link: str
    message: Annotated[str, Checked(_known_placeholders)]
    description: str
    languages: dict[str, Wording] = field(default_factory=dict)

    def wording(self, language: str) -> Wording | None:
        """The rule's words in a language, or None when the rule has none there."""
        return self if language == "en" else self.languages.get(language)

    def wordings(self) -> dict[str, Wording]:
        return {"en": self, **self.languages}


@_rule
class LicenseFacts:
    __pydantic_config__: ClassVar = FORBID_EXTRA
    id: str
    spdx: str | None = None
    name: str
    osi_approved: bool
    open_terms: bool
    kind: Literal["software", "content", "data", "model"]
    restrictions: list[str] = field(default_factory=list)
    hf_ids: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    min_phrases: int = 1
    overrides: list[str] = field(default_factory=list)
    base_models: list[Regex] = field(default_factory=list)
    source: Annotated[str, NON_EMPTY]
    notes: str = ""
    verified: bool = False


@_rule
class RestrictionFacts:
    __pydantic_config__: ClassVar = FORBID_EXTRA
    label: str
    explanation: str
    cues: list[Regex] = field(default_factory=list)


SLOT = "⟨X⟩"  # where the claim phrase sits in a frame pattern


def _joined(patterns: list[str]) -> re.Pattern[str]:
    return _compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)")


@_rule
class Frames:
    """Patterns around the claim phrase (written as ⟨X⟩) that say whose openness a sentence asserts."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    member: list[Regex] = field(default_factory=list)  # place the sentence's subject among open-source
    # ones: "the best ⟨X⟩ model"; member_strong the same, even inside a comparison: "outperforms other
    # ⟨X⟩ models"; others: the phrase is about other projects or the field
    member_strong: list[Regex] = field(default_factory=list)
    others: list[Regex] = field(default_factory=list)


@_rule
class Language:
    """How the claim detector reads one language: its words, and how a sentence says whose it is."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    id: Annotated[str, full_match(r"[a-z]{2,3}")]
    name: str
    script: Literal["latin", "cjk"]
    stopwords: frozenset[str] = frozenset()  # latin script: common words that identify the language
    min_share: float = 0.08  # share of stopwords (latin) or signature characters (cjk) to detect it
    signature: Regex | None = None  # cjk script: characters that identify the language
    sentence_ends: Regex = r"[.!?][*_)\]\"'”’]*(?=\s)"
    clause_breaks: Regex = r"[,;:()\[\]—–]|\s-\s|\*\*"
    model_nouns: frozenset[str]
    software_nouns: frozenset[str]
    license_nouns: frozenset[str]
    # The project as a whole ("a fully open-source project"): what a claim about it means depends on
    # the repository (a model release's system, a tool's software), so it is judged as generic.
    system_nouns: frozenset[str] = frozenset()
    copulas: frozenset[str]
    phrase_boundaries: frozenset[str]
    conjunctions: frozenset[str] = frozenset({",", "&", "/", "and", "or", "nor"})
    modifier_particles: frozenset[str] = frozenset()  # "的": what comes before modifies what follows
    compounds: frozenset[str] = frozenset()  # cjk words that must not be split at a boundary character
    subject_first: bool = False  # the earliest reference in a sentence, not the nearest, names its subject
    own_words: frozenset[str] = frozenset()
    window: int = 6  # words of left context in which a comparison or negation still applies
    other_markers: list[Regex]
    quantifiers: list[Regex] = field(default_factory=list)
    negations: list[Regex]
    frames: Frames = field(default_factory=Frames)
    credits: list[Regex] = field(default_factory=list)
    introductions: list[Regex] = field(default_factory=list)

    # Patterns compiled on first use, then read as plain attributes (see Wording).
    @cached_property
    def _cues(self) -> dict[str, re.Pattern[str]]:
        """Each list of context patterns as one pattern, by field name."""
        return {name: _joined(getattr(self, name)) for name in ("other_markers", "quantifiers", "negations",
                                                                "credits")}

    @cached_property
    def _introductions(self) -> list[re.Pattern[str]]:
        return [_compile(p) for p in self.introductions]

    @cached_property
    def _frames(self) -> dict[str, re.Pattern[str]]:
        return {kind: _joined(getattr(self.frames, kind)) for kind in ("member", "member_strong", "others")}

    @cached_property
    def sentence_end(self) -> re.Pattern[str]:
        return _compile(self.sentence_ends)

    @cached_property
    def clause_break(self) -> re.Pattern[str]:
        return _compile(self.clause_breaks)

    def is_about_others(self, left_context: str) -> bool:
        """A comparison or foundation word governs the phrase, unless it compares with a number
        ("scores over 70"): a score is not other models."""
        return any(not left_context[m.end():].lstrip()[:1].isdigit()
                   for m in self._cues["other_markers"].finditer(left_context))

    def is_quantified(self, left_context: str) -> bool:
        return bool(self._cues["quantifiers"].search(left_context))

    def is_negated(self, left_context: str) -> bool:
        return bool(self._cues["negations"].search(left_context))

    def credits_others(self, clause: str) -> bool:
        return bool(self._cues["credits"].search(clause))

    def frame(self, kind: str, framed: str) -> bool:
        """Whether a frame of this kind matches a clause whose claim phrase was replaced by ⟨X⟩."""
        return bool(self._frames[kind].search(framed))

    def introduction_patterns(self, text: str) -> list[re.Pattern[str]]:
        """The introductions that can match this text (a Chinese one needs its characters)."""
        return self._latin_introductions if text.isascii() else self._introductions

    def introduced_names(self, text: str) -> list[str]:
        patterns = self.introduction_patterns(text)
        return [m.group("name") for p in patterns for m in p.finditer(text) if m.groupdict().get("name")]

    @cached_property
    def _latin_introductions(self) -> list[re.Pattern[str]]:
        """The introductions that can match ASCII text (a Chinese one needs its characters)."""
        from app.engine.prefilter import needs_non_ascii

        return [p for p in self._introductions if not needs_non_ascii(p)]

    def noun_kind(self, word: str) -> str | None:
        """Whether a word names a licence, a model or software (people, tools, data), or neither;
        an English plural as its singular ("stacks" as "stack")."""
        kind = self._noun_kind(word)
        if kind is None and self.script == "latin" and len(word) > 3 and word.endswith("s"):
            kind = self._noun_kind(word[:-1]) or (self._noun_kind(word[:-2]) if word.endswith("es") else None)
        return kind

    def _noun_kind(self, word: str) -> str | None:
        if word in self.license_nouns:
            return "license"
        if word in self.model_nouns:
            return "model"
        if word in self.software_nouns:
            return "software"
        if word in self.system_nouns:
            return "system"
        return None


@_rule
class PatternGroup:
    __pydantic_config__: ClassVar = FORBID_EXTRA
    files: list[Regex] = field(default_factory=list)
    ignore_paths: list[Regex] = field(default_factory=list)
    links: list[Regex] = field(default_factory=list)
    link_texts: list[Regex] = field(default_factory=list)
    conversion_scripts: list[Regex] = field(default_factory=list)
    download_scripts: list[Regex] = field(default_factory=list)
    sections: list[Regex] = field(default_factory=list)
    processing_code: list[Regex] = field(default_factory=list)
    known_datasets: list[Regex] = field(default_factory=list)
    training_context: str | None = None
    phrases: list[Regex] = field(default_factory=list)
    model_ids: list[Regex] = field(default_factory=list)
    mixtures: list[Regex] = field(default_factory=list)  # files that list where the data comes from
    access_sections: list[Regex] = field(default_factory=list)  # sections on how to get the data
    list_sections: list[Regex] = field(default_factory=list)  # artifact lists whose links count
    excluded_sections: list[Regex] = field(default_factory=list)  # where named things are others'
    own_markers: Regex | None = None  # words that make a named repository the project's own
    detail_columns: Regex | None = None  # table headers of a data mix: sources and their shares

    def any(self, group: str, text: str) -> re.Match[str] | None:
        for pattern in getattr(self, group):
            match = re.search(pattern, text, re.I)
            if match:
                return match
        return None


@_rule
class LicensingPatterns:
    __pydantic_config__: ClassVar = FORBID_EXTRA
    statement: Regex
    weights_words: Regex
    code_words: Regex
    all_words: Regex
    based_on: Regex
    inherited: list[Regex]
    news_sections: Regex
    news_items: Regex
    license_columns: Regex
    base_columns: Regex
    pointer: Regex

    def compiled(self, name: str) -> re.Pattern[str]:
        value = getattr(self, name)
        return _joined(value) if isinstance(value, list) else _compile(value)


@_rule
class ProjectKind:
    """A kind of repository that is not a model release, known by how its README introduces it."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    label: Annotated[str, NON_EMPTY]
    trains_models: bool = False  # its own code is training code (a training framework)
    phrases: list[Regex]

    def search(self, text: str) -> re.Match[str] | None:
        return _joined(self.phrases).search(text)


@_rule
class BaseModel:
    """A family of base models and whether its training data is disclosed (a fine-tune inherits it)."""

    __pydantic_config__: ClassVar = FORBID_EXTRA
    name: Annotated[str, NON_EMPTY]
    models: Regex  # names and hub ids of the family's models
    training_data: Literal["open", "partial", "closed"]
    source: Annotated[str, NON_EMPTY]

    def search(self, text: str) -> re.Match[str] | None:
        return _compile(self.models).search(text)


@_rule
class ArtifactPatterns:
    __pydantic_config__: ClassVar = FORBID_EXTRA
    project_kinds: dict[str, ProjectKind] = field(default_factory=dict)
    base_models: list[BaseModel] = field(default_factory=list)
    weights: PatternGroup
    training_code: PatternGroup
    fine_tuning: PatternGroup
    data: PatternGroup
    paper: PatternGroup
    evaluation: PatternGroup
    inference_code: PatternGroup
    intermediate_checkpoints: PatternGroup
    licensing: LicensingPatterns


@dataclass(frozen=True, eq=False)  # identity hash: caches key on the loaded rule set
class RuleSet:
    """Everything under rules/, validated."""

    claims: tuple[ClaimRule, ...]
    licenses: tuple[LicenseFacts, ...]
    restrictions: dict[str, RestrictionFacts]
    languages: dict[str, Language]
    artifacts: ArtifactPatterns
    root: Path

    @property
    def english(self) -> Language:
        return self.languages["en"]

    def base_model_license(self, model: str) -> LicenseFacts | None:
        """The licence a model id or name is bound by, for fine-tunes of restricted models."""
        for facts, pattern in _base_model_patterns(self):
            if pattern.search(model):
                return facts
        return None

    def license(self, license_id: str) -> LicenseFacts | None:
        return next((lic for lic in self.licenses if lic.id == license_id), None)

    def claim(self, rule_id: str) -> ClaimRule | None:
        return next((rule for rule in self.claims if rule.id.lower() == rule_id.lower()), None)


@lru_cache(maxsize=8)
def _base_model_patterns(ruleset: RuleSet) -> list[tuple[LicenseFacts, re.Pattern[str]]]:
    return [(facts, _compile("|".join(f"(?:{p})" for p in facts.base_models)))
            for facts in ruleset.licenses if facts.base_models]


def _read_yaml(path: Path) -> object:
    import yaml  # only when the rule files are read, not when they come from the cache

    # libyaml's parser reads the rule files about ten times faster than PyYAML's pure-Python one,
    # with the same safe constructors, so the result is the same; the pure loader stays where
    # libyaml is absent.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except OSError as exc:
        raise RuleFileError(path, f"cannot be read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise RuleFileError(path, f"is not valid YAML: {exc}") from exc


def _validated(cls: type[T], path: Path, data: object) -> T:
    try:
        return validate(cls, data)
    except Invalid as exc:
        loc, message, _ = exc.problems[0]
        more = f" (and {len(exc.problems) - 1} more problems)" if len(exc.problems) > 1 else ""
        raise RuleFileError(path, f"{'.'.join(loc) or '(top level)'}: {message}{more}") from None


def load_ruleset(root: Path | None = None) -> RuleSet:
    """Read and check every rule file; raise RuleFileError naming the first bad file and key."""
    root = Path(root or rules_dir())
    if not root.is_dir():
        raise RuleFileError(root, "rules folder not found")
    restrictions = _load_restrictions(root / "restrictions.yml")
    claims = tuple(_load_claim(p) for p in sorted((root / "claims").glob("*.yml")))
    licenses = tuple(_load_license(p, restrictions) for p in sorted((root / "licenses").glob("*.yml")))
    _check_license_references(root, licenses)
    languages = _load_languages(root / "languages")
    artifacts = _validated(ArtifactPatterns, root / "artifacts.yml", _read_yaml(root / "artifacts.yml"))
    if not claims:
        raise RuleFileError(root / "claims", "no claim rules found")
    _check_claim_languages(root, claims, languages)
    return RuleSet(claims, licenses, restrictions, languages, artifacts, root)


@lru_cache(maxsize=4)
def default_ruleset(root: str | None = None) -> RuleSet:
    """The bundled rules, loaded once per process (and validated once per version of the files:
    see app.engine.rulecache)."""
    from app.engine.rulecache import cached

    return cached(Path(root or rules_dir()), load_ruleset)


def _load_restrictions(path: Path) -> dict[str, RestrictionFacts]:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise RuleFileError(path, "must map restriction ids to their facts")
    return {str(k): _validated(RestrictionFacts, path, v) for k, v in data.items()}


def _load_claim(path: Path) -> ClaimRule:
    rule = _validated(ClaimRule, path, _read_yaml(path))
    if rule.id != path.stem:
        raise RuleFileError(path, f"id: {rule.id!r} must match the file name {path.stem!r}")
    return rule


def _load_languages(folder: Path) -> dict[str, Language]:
    languages = {}
    for path in sorted(folder.glob("*.yml")):
        language = _validated(Language, path, _read_yaml(path))
        if language.id != path.stem:
            raise RuleFileError(path, f"id: {language.id!r} must match the file name {path.stem!r}")
        languages[language.id] = language
    if "en" not in languages:
        raise RuleFileError(folder / "en.yml", "the English vocabulary is required")
    return languages


def _check_claim_languages(root: Path, claims: tuple[ClaimRule, ...], languages: dict[str, Language]) -> None:
    for rule in claims:
        unknown = sorted(set(rule.languages) - set(languages))
        if unknown:
            raise RuleFileError(root / "claims" / f"{rule.id}.yml",
                                f"languages: no vocabulary for {unknown} (add rules/languages/<id>.yml)")


def _load_license(path: Path, restrictions: dict[str, RestrictionFacts]) -> LicenseFacts:
    facts = _validated(LicenseFacts, path, _read_yaml(path))
    if facts.id != path.stem:
        raise RuleFileError(path, f"id: {facts.id!r} must match the file name {path.stem!r}")
    unknown = [r for r in facts.restrictions if r not in restrictions]
    if unknown:
        raise RuleFileError(path, f"restrictions: unknown restriction ids {unknown} "
                                  "(define them in restrictions.yml)")
    if not facts.open_terms and not facts.restrictions:
        raise RuleFileError(path, "restrictions: a licence without open terms must say which terms fail")
    if not (facts.phrases or facts.aliases or facts.hf_ids):
        raise RuleFileError(path, "phrases: a licence needs phrases, aliases or hf_ids to be recognised")
    return facts


def _check_license_references(root: Path, licenses: tuple[LicenseFacts, ...]) -> None:
    ids = {lic.id for lic in licenses}
    for lic in licenses:
        missing = [o for o in lic.overrides if o not in ids]
        if missing:
            raise RuleFileError(root / "licenses" / f"{lic.id}.yml", f"overrides: unknown licences {missing}")
