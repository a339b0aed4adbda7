"""From evidence and licences to a verdict: each OSAID component, the level, the MOF class."""

from __future__ import annotations

from app.engine.artifacts import Artifacts
from app.engine.kinds import Kind
from app.engine.models import (
    TIER_REPOSITORY,
    Assessment,
    Component,
    Evidence,
    Family,
    LicenseMatch,
    Openness,
    governing_terms,
    strictest_first,
    version_key,
)

# Evidence that shows what the training data is, enough for a skilled person to build a substantially
# equivalent set (OSAID): released data, or a detailed account of it. A section that only says how
# much data there was and that it was "publicly available" is not.
_DATA_SHOWN = frozenset({"data-card", "dataset-page", "named-dataset", "data-processing-code", "front-matter",
                         "declared", "data-mix", "data-access", "data-description"})


def assess(artifacts: Artifacts, licenses: list[LicenseMatch], kind: Kind | None = None,
           base_gaps: list[Evidence] = ()) -> Assessment:
    """Decide how open the repository is. Every conclusion keeps the evidence it rests on."""
    if kind is not None and not _own_weights(artifacts):
        return _tool(artifacts, licenses, kind)
    weights_terms = governing_terms(licenses)
    code_terms = [m for m in licenses if m.applies_to in ("code", "all") and not m.binding]
    data_terms = [m for m in licenses if m.applies_to == "data"]
    components = {
        "code": _component("code", artifacts.training_code, code_terms, osi_only=True,
                           missing=_no_training_code(artifacts)),
        "parameters": _component("parameters", artifacts.weights, weights_terms, osi_only=False,
                                 missing=_no_weights(artifacts)),
        "data_information": _component("data information", artifacts.data, data_terms, osi_only=False,
                                       missing="no training-data information found", optional_terms=True),
    }
    _mark_described_data(components["data_information"])
    _inherit(components["data_information"], base_gaps)
    level, reasons = _level(components, weights_terms, artifacts)
    osaid = level is Openness.OPEN_SOURCE_AI
    basis = _basis(weights_terms)
    return Assessment(level, osaid, components, licenses, _mof_class(components, artifacts, weights_terms),
                      reasons, is_model=bool(artifacts.weights), families=_families(licenses),
                      weights_basis=basis, caveats=_caveats(components, weights_terms, basis),
                      other_evidence=_other_evidence(artifacts))


def _own_weights(artifacts: Artifacts) -> bool:
    """Weights the project released. A script that exports checkpoints to a hub counts beside a
    model's own code, but a tool that has one shows only that it can export."""
    return any(e.kind != "checkpoint-conversion" for e in artifacts.weights)


def _tool(artifacts: Artifacts, licenses: list[LicenseMatch], kind: Kind) -> Assessment:
    """A repository that introduces itself as a tool and releases no weights of its own: no OSAID
    verdict. Its code is training code only when the tool trains models (a training framework)."""
    code_terms = [m for m in licenses if m.applies_to in ("code", "all") and not m.binding]
    label = f"not a model release: the README introduces {kind.facts.label}"
    if kind.facts.trains_models:
        code = _component("code", [kind.evidence, *artifacts.training_code], code_terms, osi_only=True, missing="")
    else:
        code = Component("code", False, False, f"{label}, not the code that trained a released model",
                         [kind.evidence], code_terms)
    components = {
        "code": code,
        "parameters": Component("parameters", False, False, f"{label}; no weights of its own were found"),
        "data_information": Component("data information", False, False, f"{label}; it released no model whose "
                                      "training data to describe"),
    }
    return Assessment(Openness.TOOL, False, components, licenses, None, [label], is_model=False, kind=kind.id,
                      other_evidence=_other_evidence(artifacts))


def _other_evidence(artifacts: Artifacts) -> dict[str, list[Evidence]]:
    return {name: list(getattr(artifacts, name)) for name in ("inference", "evaluation", "paper", "intermediate",
                                                             "fine_tuning") if getattr(artifacts, name)}


def _caveats(components: dict[str, Component], weights_terms: list[LicenseMatch], basis: str) -> list[str]:
    """What the repository alone cannot decide, said plainly rather than guessed."""
    caveats = []
    if components["parameters"].present and basis == "repository":
        caveats.append("No licence specific to the weights is stated; the repository's own licence is taken "
                       "to cover them. Check the licence on the model's hub page.")
    if components["parameters"].present and basis == "none":
        caveats.append("The weights licence is not stated in the repository.")
    caveats += [f"{m.name}: {m.restrictions[0].explanation}." for m in weights_terms if m.undetermined][:2]
    data = components["data_information"]
    if data.present and data.sufficient and not any(e.kind in _DATA_RELEASED for e in data.evidence):
        caveats.append("The training data is described, not released: whether the description is detailed "
                       "enough to build a substantially equivalent set (as OSAID asks) is a judgement the "
                       "repository alone cannot settle.")
    if not components["parameters"].present:
        caveats.append("Weights published outside the repository can be declared in .github/openwashing.yml.")
    return caveats


_DATA_RELEASED = frozenset({"dataset-page", "front-matter", "data-access", "declared", "data-processing-code"})


def _no_weights(artifacts: Artifacts) -> str:
    if artifacts.weak_weights:  # a download script alone may fetch somebody else's model
        return f"no released weights found (only a download script: {artifacts.weak_weights[0].path})"
    return "no released weights found"


def _no_training_code(artifacts: Artifacts) -> str:
    if artifacts.fine_tuning:
        return f"fine-tuning code only ({artifacts.fine_tuning[0].path}): not how the model itself was trained"
    return "no training code found"


def _mark_described_data(component: Component) -> None:
    """Data described in general terms only: found, but too vague to count as data information."""
    if component.present and not any(e.kind in _DATA_SHOWN for e in component.evidence):
        component.open_terms = component.sufficient = False
        component.summary = ("found, but too vague to rebuild the training data: no named datasets, links or "
                             "data mix")


def _inherit(component: Component, gaps: list[Evidence]) -> None:
    """A fine-tune of a base whose training data is closed lacks data information as a system: its
    own data, however well documented, is only the last step."""
    if not gaps:
        return
    gap = gaps[0]
    base = gap.detail.split(": ", 1)[1].split(" does not", 1)[0]
    component.inherited_gap = gap
    component.open_terms = False
    component.evidence = [gap, *component.evidence]
    own = component.summary if component.present else "none of its own"
    component.summary = f"{own}; the base model ({base}) does not disclose its training data, so the system lacks it"


def _basis(weights_terms: list[LicenseMatch]) -> str:
    stated = [m for m in weights_terms if not m.binding]
    if not stated:
        return "bound" if weights_terms else "none"
    return "repository" if min(m.tier for m in stated) >= TIER_REPOSITORY else "stated"


def _families(licenses: list[LicenseMatch]) -> list[Family]:
    names = list(dict.fromkeys(m.family for m in licenses if m.family and m.applies_to in ("weights", "all")))
    names.sort(key=version_key)  # oldest to newest; families without numbers keep their order
    if len(names) < 2:
        return []
    families = []
    for name in names:
        terms = governing_terms(licenses, name)
        closed = strictest_first([m for m in terms if not m.open_terms])
        summary = (f"terms that are not open: {closed[0].name}" if closed
                   else f"under {', '.join(sorted({m.name for m in terms}))}")
        families.append(Family(name, terms, not closed, summary))
    return families


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
        summary = f"found, but the repository does not state a licence for the {name}"
    elif not terms:
        summary = "found"
    elif not open_terms:
        closed = strictest_first([m for m in terms if not (m.osi_approved if osi_only else m.open_terms)])
        summary = f"found, under terms that are not open: {closed[0].name}"
    else:
        names = sorted({m.name for m in terms}) or ["the repository's terms"]
        summary = f"found, under {', '.join(names)}"
    # Strongest evidence first, so a short list shows what matters most (the sort keeps document order).
    return Component(name, present, open_terms, summary, sorted(evidence, key=lambda e: e.rank), list(terms))


def _level(components: dict[str, Component], weights_terms: list[LicenseMatch],
           artifacts: Artifacts) -> tuple[Openness, list[str]]:
    params = components["parameters"]
    if not params.present:
        return Openness.UNKNOWN, ["no released weights were found"]
    if not weights_terms:
        return Openness.UNKNOWN, ["the weights licence is not stated in the repository"]
    closed = [m for m in weights_terms if not m.open_terms]
    restricted = strictest_first([m for m in closed if not m.undetermined])
    if restricted:
        return Openness.RESTRICTED_WEIGHTS, _restricted_reasons(restricted)
    if closed:
        return Openness.UNKNOWN, [f"the weights licence cannot be determined from the repository: {m.name}"
                                  for m in closed[:2]]
    missing = [name for name in ("code", "data_information")
               if not (components[name].present and components[name].open_terms)]
    if missing:
        return Openness.OPEN_WEIGHTS, [_missing_reason(components[m]) for m in missing]
    return Openness.OPEN_SOURCE_AI, ["code, weights and data information were all found under open terms"]


def _restricted_reasons(restricted: list[LicenseMatch]) -> list[str]:
    """The strictest terms by name, and how many more restrict the weights (each is in the licences)."""
    names = list(dict.fromkeys(m.name for m in restricted))
    others = len({m.name for m in restricted if not m.binding} - {names[0]})  # use policies and bases: below
    reason = f"the weights are under {names[0]}"
    if others:
        reason += f" and {others} other {'licence' if others == 1 else 'licences'} that are not open"
    families = {m.family for m in restricted if m.family}
    return [reason] + ([f"{len(families)} model families are under terms that are not open"] if len(families) > 1
                       else [])


def _missing_reason(component: Component) -> str:
    if component.inherited_gap is not None:
        return component.inherited_gap.detail.split(" (", 1)[0]
    if not component.present:
        return {"code": "the training code is not published",
                "data information": "no information about the training data is published"}[component.name]
    if component.name == "data information":
        return "the training data is described only in general terms, too vaguely to rebuild it"
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
