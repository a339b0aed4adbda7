"""The engine's result types: evidence, licences, components, findings and the report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    """How serious a finding or notice is, ordered like SARIF and GitHub annotations."""

    NOTICE = "notice"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"notice": 1, "warning": 2, "error": 3}[self.value]


class Openness(StrEnum):
    """The overall verdict for a repository."""

    OPEN_SOURCE_AI = "open-source-ai"
    OPEN_WEIGHTS = "open-weights"
    RESTRICTED_WEIGHTS = "restricted-weights"
    UNKNOWN = "unknown"
    TOOL = "tool"  # not a model release (a framework, server, toolkit, harness): OSAID does not apply


STRENGTHS = ("strong", "medium", "weak")  # how much a piece of evidence gives, most first


def where(path: str | None, line: int | None) -> str:
    """A place as reports write it: path:line, the path, or the configuration (no path)."""
    if path and line:
        return f"{path}:{line}"
    return path or "configuration"


@dataclass(frozen=True)
class Evidence:
    """Something seen in the repository that supports a conclusion."""

    kind: str
    detail: str
    path: str | None = None
    line: int | None = None
    strength: str = "strong"

    @property
    def rank(self) -> int:
        """0 for the strongest evidence: what lists sort by."""
        return STRENGTHS.index(self.strength) if self.strength in STRENGTHS else len(STRENGTHS)

    def where(self) -> str:
        return where(self.path, self.line)


@dataclass(frozen=True)
class Restriction:
    """A licence term that keeps the licence from conforming to the Open Source Definition."""

    id: str
    label: str
    explanation: str
    clause: str = ""


# How directly a licence statement speaks of the weights; the most direct kind present decides.
TIER_DECLARED = 0  # the repository's openwashing configuration
TIER_STATED = 1  # a weights licence file, a model card's licence, a sentence about the weights
TIER_REPOSITORY = 2  # the repository's own LICENSE, covering what it ships when nothing more specific is said
TIER_MENTION = 3  # a licence named in a news item or change log: history, not the current terms
UNDETERMINED = frozenset({"inherited-terms", "unstated-terms"})  # terms that exist but cannot be read here


@dataclass(frozen=True)
class LicenseMatch:
    """A licence identified in the repository, with what it governs and where it was seen."""

    id: str
    name: str
    applies_to: str  # "code", "weights", "data" or "all"
    osi_approved: bool
    open_terms: bool  # OSD-conformant terms, the test OSAID applies to weights and data
    restrictions: tuple[Restriction, ...]
    evidence: Evidence
    recognised: bool = True
    tier: int = TIER_REPOSITORY
    family: str | None = None  # the model family it governs, when a repository ships several
    binding: bool = False  # terms that apply on top of any licence: a base model's, a use policy

    @property
    def role(self) -> str:
        """How the licence takes part in the verdict, in words for reports."""
        if self.binding and self.evidence.kind == "license-file" and " section for " in self.evidence.detail:
            part = self.evidence.detail.split(" section for ", 1)[1].rsplit(" in ", 1)[0]
            return f"binds the release: it covers the {part.removeprefix('the ')}, which the release ships"
        if self.binding:
            return "binds the weights on top of their licence"
        if self.tier == TIER_REPOSITORY and self.evidence.kind not in ("license-file", "manifest"):
            return "stated for the whole project"  # a sentence in a document, not the LICENSE file
        return {TIER_DECLARED: "declared in the configuration", TIER_STATED: "stated for what it governs",
                TIER_REPOSITORY: "the repository's licence", TIER_MENTION: "named in a news item (history)"}[self.tier]

    @property
    def undetermined(self) -> bool:
        """Terms the repository says exist but does not contain: not open, not known to be restricted."""
        return not self.open_terms and bool(self.restrictions) and {r.id for r in self.restrictions} <= (
            UNDETERMINED | {"not-osi-approved"}) and any(r.id in UNDETERMINED for r in self.restrictions)

    @property
    def path(self) -> str | None:
        return self.evidence.path

    @property
    def line(self) -> int | None:
        return self.evidence.line


@dataclass
class Component:
    """One OSAID component (code, parameters, data information) and what was found for it."""

    name: str
    present: bool
    open_terms: bool
    summary: str
    evidence: list[Evidence] = field(default_factory=list)
    licenses: list[LicenseMatch] = field(default_factory=list)
    sufficient: bool = True  # False when what was found is too vague to count (data only said in general terms)
    inherited_gap: Evidence | None = None  # a base model that lacks this component, which the release inherits


def governing_terms(licenses: list[LicenseMatch], family: str | None = None) -> list[LicenseMatch]:
    """The terms that govern the weights (of one family, or of the repository): the most direct
    statements present, plus every binding term (base models, use policies, stated limits)."""
    candidates = [m for m in licenses if m.applies_to in ("weights", "all")
                  and (family is None or m.family in (None, family))]
    stated = [m for m in candidates if not m.binding]
    if family is not None and any(m.family == family for m in stated):
        stated = [m for m in stated if m.family == family or m.tier < TIER_STATED]
    best = min((m.tier for m in stated), default=None)
    return [m for m in stated if m.tier == best] + [m for m in candidates if m.binding]


def version_key(name: str | None) -> tuple[int, ...]:
    """A family name's version numbers, for "newest": "Acme 3.2-Vision" (3, 2) is newer than "Acme 3" (3,)."""
    return tuple(int(n) for n in re.findall(r"\d+", name or "")[:4])


def strictest_first(matches: list[LicenseMatch]) -> list[LicenseMatch]:
    """Most failing clauses first; on a tie, the licence of the newest family."""
    failing = {id(m): sum(r.id not in UNDETERMINED | {"not-osi-approved"} for r in m.restrictions) for m in matches}
    return sorted(matches, key=lambda m: (failing[id(m)], version_key(m.family)), reverse=True)


@dataclass
class Family:
    """One model family of a repository that ships several under different terms."""

    name: str
    licenses: list[LicenseMatch]
    open_terms: bool
    summary: str


@dataclass
class Assessment:
    """How open the repository is, per OSAID component and overall."""

    level: Openness
    osaid: bool
    components: dict[str, Component]
    licenses: list[LicenseMatch]
    mof_class: str | None
    reasons: list[str]
    is_model: bool
    families: list[Family] = field(default_factory=list)
    weights_basis: str = "none"  # "stated", "repository" (its LICENSE, assumed to cover the weights), "none"
    caveats: list[str] = field(default_factory=list)  # what the repository alone cannot decide
    kind: str | None = None  # for a tool, what kind ("training-framework", "inference", …)
    # Evidence beyond the three OSAID components (what the Model Openness Framework also asks for):
    # "inference", "evaluation", "paper", "intermediate", "fine_tuning".
    other_evidence: dict[str, list[Evidence]] = field(default_factory=dict)

    def weights_license(self, family: str | None = None) -> LicenseMatch | None:
        """The terms that decide: the strictest restricted licence (the newest family's on a tie),
        else terms that cannot be read here, else the open licence."""
        governing = governing_terms(self.licenses, family)
        restricted = strictest_first([m for m in governing if not m.open_terms and not m.undetermined])
        closed = [m for m in governing if not m.open_terms]
        return (restricted or closed or governing or [None])[0]

    def family_named_in(self, text: str) -> Family | None:
        """The family a sentence speaks of, when it names exactly one."""
        folded = re.sub(r"[^a-z0-9]", "", text.lower())
        named = [f for f in self.families if re.sub(r"[^a-z0-9]", "", f.name.lower()) in folded]
        return named[0] if len(named) == 1 else None


@dataclass(frozen=True)
class Finding:
    """A place where the text says something the assessment does not support."""

    rule: str
    level: Level
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    message: str
    replacement: str | None
    start: int = 0  # offsets into the file's text, for --fix
    end: int = 0
    link: str | None = None

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path, self.line, self.column)


@dataclass(frozen=True)
class Notice:
    """Something the scan could not read or had to skip; the scan goes on."""

    path: str
    message: str
    line: int | None = None
    key: str | None = None
    unread: bool = False  # a document the scan needed and could not read: the commit was not fully checked


@dataclass
class Report:
    """Everything a scan produced."""

    assessment: Assessment
    findings: list[Finding]
    notices: list[Notice]
    documents: list[str]
    config_sources: dict[str, str] = field(default_factory=dict)
