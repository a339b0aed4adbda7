"""Whether a repository is a model release or a tool: how its README introduces the project.

A training framework, a fine-tuning toolkit, an inference server or an evaluation harness says
so in its title and first paragraphs ("a framework for training …", "runs language models
locally"); the phrases are data (`project_kinds` in rules/artifacts.yml). The introduction alone
never makes a model release a tool: weights of the project's own, when found, decide first (see
app.engine.assess).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.engine.markdown import Document
from app.engine.models import Evidence
from app.engine.ruleset import ProjectKind, RuleSet

INTRODUCTION_SEGMENTS = 12  # the title and first paragraphs, where a README says what the project is


@dataclass(frozen=True)
class Kind:
    id: str
    facts: ProjectKind
    evidence: Evidence


def project_kind(documents: list[Document], ruleset: RuleSet) -> Kind | None:
    """The kind of tool the root README introduces the project as, if it introduces a tool."""
    readme = next((d for d in documents if "/" not in d.path and d.path.lower().startswith("readme")), None)
    if readme is None:
        return None
    intro = [s for s in readme.first_segments(INTRODUCTION_SEGMENTS) if s.kind != "cell"]
    for segment in intro:  # the earliest sentence that says what the project is decides
        for kind_id, facts in ruleset.artifacts.project_kinds.items():
            match = facts.search(segment.text)
            if match is not None:
                line = segment.position(match.start())[0]
                sentence = " ".join(segment.raw.split())[:160]
                return Kind(kind_id, facts, Evidence("project-kind", f"the README introduces {facts.label}: "
                                                     f"\u201c{sentence}\u201d", readme.path, line))
    return None
