"""The engine's result types: evidence, licences, components, findings and the report."""

from __future__ import annotations

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


@dataclass(frozen=True)
class Evidence:
    """Something seen in the repository that supports a conclusion."""

    kind: str
    detail: str
    path: str | None = None
    line: int | None = None
    strength: str = "strong"

    def where(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}"
        return self.path or "configuration"


@dataclass(frozen=True)
class Restriction:
    """A licence term that keeps the licence from conforming to the Open Source Definition."""

    id: str
    label: str
    explanation: str
    clause: str = ""


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

    def weights_license(self) -> LicenseMatch | None:
        governing = [m for m in self.licenses if m.applies_to in ("weights", "all")]
        restricted = [m for m in governing if not m.open_terms]
        return (restricted or governing or [None])[0]


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


@dataclass
class Report:
    """Everything a scan produced."""

    assessment: Assessment
    findings: list[Finding]
    notices: list[Notice]
    documents: list[str]
    config_sources: dict[str, str] = field(default_factory=dict)
