"""What a fine-tune inherits from its base model: a base that does not disclose its training data
leaves the system without data information, whatever the fine-tune publishes of its own data.
Which families disclose what is data (`base_models` in rules/artifacts.yml)."""

from __future__ import annotations

import re

from app.engine.license_statements import base_edges
from app.engine.markdown import Document
from app.engine.models import Evidence
from app.engine.ruleset import RuleSet
from app.engine.subjects import Project


def undisclosed_bases(docs: list[Document], project: Project, ruleset: RuleSet) -> list[Evidence]:
    """One piece of evidence per base family of the project's own models whose training data is
    closed: from model cards' `base_model`, and sentences in which the project's model is "fine-tuned
    from" or "based on" it."""
    gaps: dict[str, Evidence] = {}
    for subject, base, evidence, _family in base_edges(docs, ruleset):
        if evidence.kind != "base-model" or not _own(subject, evidence, project):
            continue
        facts = next((f for f in ruleset.artifacts.base_models if f.search(base)), None)
        if facts is not None and facts.training_data == "closed" and facts.name not in gaps:
            gaps[facts.name] = Evidence("base-model-data", f"fine-tuned from {' '.join(base.split())[:60]}: "
                                        f"{facts.name} does not disclose its training data "
                                        f"({facts.source.split(':', 1)[0]})",
                                        evidence.path, evidence.line)
    return list(gaps.values())


def _own(subject: str, evidence: Evidence, project: Project) -> bool:
    """A card's base_model is its own; a sentence counts when its subject is the project's model and
    it says the model was trained further from the base ("fine-tuned from"), not that it borrows the
    base's architecture or tokenizer ("based on the Llama architecture")."""
    if evidence.detail.startswith("fine-tuned from"):
        return True
    return (bool(subject) and project.owns_name(subject) and bool(_TRAINED_FROM.search(evidence.detail))
            and not _BORROWED.search(evidence.detail))


_TRAINED_FROM = re.compile(r"\b(?:fine-?tuned|instruction-tuned|trained further|initiali[sz]ed) (?:from|on|with)\b|"
                           r"\bcontinued pre-?training (?:of|from|on)\b|在.{0,20}基础上.{0,10}微调|微调自", re.I)
_BORROWED = re.compile(r"\b(?:architecture|tokeni[sz]er|structure|design|codebase|recipe)\b|架构|结构|分词", re.I)
