"""From evidence and licences to a verdict: each OSAID component, the level, the MOF class."""

from __future__ import annotations

from app.engine.artifacts import Artifacts
from app.engine.models import Assessment, Component, Evidence, LicenseMatch, Openness


def assess(artifacts: Artifacts, licenses: list[LicenseMatch]) -> Assessment:
    """Decide how open the repository is. Every conclusion keeps the evidence it rests on."""
    # A licence for "all" (the plain LICENSE file) covers the weights too; the strictest one rules.
    weights_terms = [m for m in licenses if m.applies_to in ("weights", "all")]
    code_terms = [m for m in licenses if m.applies_to in ("code", "all")]
    data_terms = [m for m in licenses if m.applies_to == "data"]
    components = {
        "code": _component("code", artifacts.training_code, code_terms, osi_only=True,
                           missing="no training code found"),
        "parameters": _component("parameters", artifacts.weights, weights_terms, osi_only=False,
                                 missing=_no_weights(artifacts)),
        "data_information": _component("data information", artifacts.data, data_terms, osi_only=False,
                                       missing="no training-data information found", optional_terms=True),
    }
    level, reasons = _level(components, weights_terms, artifacts)
    osaid = level is Openness.OPEN_SOURCE_AI
    return Assessment(level, osaid, components, licenses, _mof_class(components, artifacts, weights_terms),
                      reasons, is_model=bool(artifacts.weights))


def _no_weights(artifacts: Artifacts) -> str:
    if artifacts.weak_weights:  # a download script alone may fetch somebody else's model
        return f"no released weights found (only a download script: {artifacts.weak_weights[0].path})"
    return "no released weights found"


def _component(name: str, evidence: list[Evidence], terms: list[LicenseMatch], osi_only: bool,
               missing: str, optional_terms: bool = False) -> Component:
    present = bool(evidence)
    if osi_only:
        open_terms = bool(terms) and all(m.osi_approved for m in terms)
    else:
        open_terms = (optional_terms and not terms) or (bool(terms) and all(m.open_terms for m in terms))
    if not present:
        summary = missing
    elif not terms and not optional_terms:
        summary = f"found, but no licence was found for the {name}"
    elif not terms:
        summary = "found"
    elif not open_terms:
        closed = [m for m in terms if not (m.osi_approved if osi_only else m.open_terms)]
        summary = f"found, under terms that are not open: {closed[0].name}"
    else:
        names = sorted({m.name for m in terms}) or ["the repository's terms"]
        summary = f"found, under {', '.join(names)}"
    return Component(name, present, open_terms, summary, list(evidence), list(terms))


def _level(components: dict[str, Component], weights_terms: list[LicenseMatch],
           artifacts: Artifacts) -> tuple[Openness, list[str]]:
    params = components["parameters"]
    if not params.present:
        return Openness.UNKNOWN, ["no released weights were found"]
    if not weights_terms:
        return Openness.UNKNOWN, ["no licence was found for the weights"]
    if not params.open_terms:
        closed = [m for m in weights_terms if not m.open_terms]
        names = list(dict.fromkeys(m.name for m in closed))
        return Openness.RESTRICTED_WEIGHTS, [f"the weights are under {name}" for name in names[:3]]
    missing = [name.replace("_", " ") for name in ("code", "data_information")
               if not (components[name].present and components[name].open_terms)]
    if missing:
        return Openness.OPEN_WEIGHTS, [_missing_reason(components[m.replace(" ", "_")]) for m in missing]
    return Openness.OPEN_SOURCE_AI, ["code, weights and data information were all found under open terms"]


def _missing_reason(component: Component) -> str:
    if not component.present:
        return {"code": "the training code is not published",
                "data information": "no information about the training data is published"}[component.name]
    return f"the {component.name} is not under an OSI-approved licence"


# Model Openness Framework components by the class that first requires them (MOF spec, lfai/model_openness_tool).
_MOF_CLASSES = (
    ("Class III (Open Model)", ("architecture", "parameters", "model_card", "data_card", "report", "evaluation")),
    ("Class II (Open Tooling)", ("training_code", "inference_code", "evaluation_code")),
    ("Class I (Open Science)", ("datasets", "preprocessing_code", "intermediate", "paper")),
)


def _mof_class(components: dict[str, Component], artifacts: Artifacts,
               weights_terms: list[LicenseMatch]) -> str | None:
    """The highest MOF class whose components all show up, when every licence is open."""
    if not components["parameters"].present or not components["parameters"].open_terms:
        return None
    has = {
        "architecture": bool(artifacts.inference or artifacts.training_code),
        "parameters": True,
        "model_card": True,
        "data_card": bool(artifacts.data),
        "report": bool(artifacts.paper),
        "evaluation": bool(artifacts.evaluation),
        "training_code": components["code"].present and components["code"].open_terms,
        "inference_code": bool(artifacts.inference),
        "evaluation_code": any(e.kind == "evaluation-code" for e in artifacts.evaluation),
        "datasets": any(e.kind in ("dataset-page", "front-matter") for e in artifacts.data),
        "preprocessing_code": any(e.kind == "data-processing-code" for e in artifacts.data),
        "intermediate": bool(artifacts.intermediate),
        "paper": bool(artifacts.paper),
    }
    achieved = None
    for name, needed in _MOF_CLASSES:
        if not all(has[n] for n in needed):
            break
        achieved = name
    return achieved
