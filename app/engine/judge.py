"""Turning claims into findings: is each claim backed by the assessment, and how bad is it if not."""

from __future__ import annotations

import re

from app.engine import licenses as lic
from app.engine.claims import Claim
from app.engine.models import Assessment, Evidence, Finding, Level, LicenseMatch, Openness
from app.engine.ruleset import RuleSet

_WEIGHTS_WORDING = re.compile(r"weight|权重|ウェイト", re.I)


def judge(claim: Claim, assessment: Assessment, linked_licenses: dict[str, LicenseMatch],
          ruleset: RuleSet) -> Finding | None:
    """The finding for a claim the evidence does not support, or None when it is supported."""
    if claim.target == "license":
        verdict = _license_verdict(claim, assessment, linked_licenses, ruleset)
    else:
        verdict = _openness_verdict(claim, assessment)
    if verdict is None:
        return None
    level, reason = verdict
    subject = "this model" if claim.target == "model" else "this project"
    replacement = _replacement(claim, assessment)
    message = claim.rule.message.format(match=" ".join(claim.text.split()), subject=subject,
                                        reason=reason, replacement=replacement or "")
    return Finding(claim.rule.id, level, claim.path, claim.line, claim.column, claim.end_line,
                   claim.end_column, claim.text, message, replacement, claim.start, claim.end,
                   claim.rule.link)


def _replacement(claim: Claim, assessment: Assessment) -> str | None:
    """Never propose "open weights" wording for a repository in which no weights were found."""
    if claim.target != "license" and not assessment.is_model and _WEIGHTS_WORDING.search(claim.replacement):
        return None
    return claim.replacement


def _openness_verdict(claim: Claim, assessment: Assessment) -> tuple[Level, str] | None:
    family = assessment.family_named_in(claim.sentence)
    if family is not None:
        return _family_verdict(family, assessment)
    if assessment.osaid:
        return None
    if not assessment.is_model:
        return _software_verdict(claim, assessment)
    if assessment.level is Openness.OPEN_WEIGHTS:
        return Level.WARNING, _open_weights_reason(assessment)
    if assessment.level is Openness.RESTRICTED_WEIGHTS:
        return Level.ERROR, restricted_reason(assessment)
    return Level.ERROR, _unknown_reason(assessment)


def _family_verdict(family, assessment: Assessment) -> tuple[Level, str] | None:
    """A claim about one model of several is judged by that model's own terms."""
    terms = assessment.weights_license(family.name)
    if terms is not None and not terms.open_terms:
        return Level.ERROR, license_reason(terms, f"the {family.name} weights are under")
    if assessment.osaid:
        return None
    return Level.WARNING, _open_weights_reason(assessment, terms)


def _unknown_reason(assessment: Assessment) -> str:
    reason = assessment.reasons[0] if assessment.reasons else "no licence was found for the weights"
    if "not stated" in reason or "cannot be determined" in reason:
        return f"{reason}, so nothing shows the weights are open"
    return "no licence was found for the weights, so nothing shows they are open"


def _software_verdict(claim: Claim, assessment: Assessment) -> tuple[Level, str] | None:
    """In a repository with no weights, a plain "open source" is about the code; in a tool (a
    framework, a server, a harness), every such sentence is judged as one about its software."""
    code = assessment.components["code"]
    code_terms = code.licenses
    as_software = claim.target == "generic" or assessment.level is Openness.TOOL
    if as_software and code_terms and all(m.osi_approved for m in code_terms):
        return None
    if as_software:
        return Level.ERROR, "no OSI-approved licence was found for the code"
    return Level.ERROR, "no released weights were found, so there is no model to call open source"


def _open_weights_reason(assessment: Assessment, terms: LicenseMatch | None = None) -> str:
    terms = terms or assessment.weights_license()
    name = terms.name if terms else "open terms"
    missing = " and ".join(assessment.reasons)
    return (f"only the weights are open ({name}); {missing}, which the OSI Open Source AI "
            "Definition 1.0 also requires")


def restricted_reason(assessment: Assessment) -> str:
    terms = assessment.weights_license()
    if terms is None:
        return "the weights are not under open terms"
    return license_reason(terms, "the weights are under")


def license_reason(terms: LicenseMatch, lead: str) -> str:
    """The licence and the clauses it fails on, by name: the clauses' wording is quoted once, in the
    scorecard's licence block, not in every finding."""
    where = f" ({terms.evidence.where()})" if terms.path else ""
    if terms.undetermined:
        return f"{lead} {terms.name}{where}, whose terms are not in the repository, so they cannot be checked"
    labels = [r.label for r in terms.restrictions]
    if not terms.recognised and labels in ([], ["not OSI-approved"]):
        return (f"{lead} {terms.name}{where}, a licence openwashing does not recognise, so nothing shows "
                "that it is an open source licence")
    reason = f"{lead} {terms.name}{where}, which is not an open source licence"
    if labels and labels != ["not OSI-approved"]:
        reason += ": " + ", ".join(labels)
    return reason


def _license_verdict(claim: Claim, assessment: Assessment, linked: dict[str, LicenseMatch],
                     ruleset: RuleSet) -> tuple[Level, str] | None:
    evidence = Evidence("statement", claim.sentence, claim.path, claim.line)
    named = [linked[h] for h in claim.linked if h in linked]
    named += [lic.make_match(f, "all", evidence, ruleset) for f in lic.names_in(claim.sentence, ruleset)]
    terms = named[0] if named else assessment.weights_license() if assessment.is_model else None
    if terms is None:
        code = assessment.components["code"].licenses
        terms = code[0] if code else None
    if terms is None:
        return Level.ERROR, "no licence text was found to back it"
    if terms.osi_approved or terms.open_terms:
        return None
    return Level.ERROR, license_reason(terms, "that licence is")
