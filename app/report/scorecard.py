"""The scorecard: a report reduced to what the report pages, the badge and the HTML and Markdown
formats show. Plain data (it is stored as JSON), made from the engine's report alone."""

from __future__ import annotations

from app.engine.models import Component, Finding, LicenseMatch, Report

# What each verdict is called where people read it; ordered from most to least open.
VERDICTS = {
    "open-source-ai": "appears to meet OSAID",
    "open-weights": "open weights",
    "restricted-weights": "restricted",
    "unknown": "not determined",
}
STATUSES = {"open": "open", "restricted": "restricted", "missing": "missing",
            "undetermined": "not determinable"}
COMPONENT_KEYS = ("code", "parameters", "data_information")
MAX_EVIDENCE = 10
MAX_FINDINGS_KEPT = 200


def component_status(component: Component, osi_only: bool = False) -> str:
    """open, restricted (a licence is known and fails the test), missing, or undetermined (present,
    but the repository alone cannot tell whether its terms are open)."""
    if not component.present:
        return "missing"
    if component.open_terms:
        return "open"
    closed = [m for m in component.licenses
              if not m.undetermined and not (m.osi_approved if osi_only else m.open_terms)]
    failing = [m for m in closed if m.recognised or failing_clauses(m)]  # a known licence, or terms seen to fail
    return "restricted" if failing else "undetermined"


def failing_clauses(match: LicenseMatch) -> list[str]:
    return [r.label for r in match.restrictions if r.id != "not-osi-approved"]


def scorecard(report: Report) -> dict:
    a = report.assessment
    weights = a.weights_license()
    return {
        "level": a.level.value,
        "verdict": VERDICTS[a.level.value],
        "osaid": a.osaid,
        "is_model": a.is_model,
        "reasons": list(a.reasons),
        "mof_class": a.mof_class,
        "components": [_component(key, a.components[key]) for key in COMPONENT_KEYS if key in a.components],
        "weights_license": _license(weights) if weights else None,
        "licenses": [_license(m) for m in a.licenses],
        "families": [{"name": f.name, "open_terms": f.open_terms, "summary": f.summary} for f in a.families],
        "caveats": list(a.caveats),
        "findings": [_finding(f) for f in report.findings[:MAX_FINDINGS_KEPT]],
        "unsupported": len(report.findings),
        "documents": len(report.documents),
        "notices": [{"path": n.path, "line": n.line, "message": n.message} for n in report.notices[:50]],
    }


def _component(key: str, c: Component) -> dict:
    status = component_status(c, osi_only=key == "code")
    return {"key": key, "name": c.name, "status": status, "status_label": STATUSES[status], "summary": c.summary,
            "evidence": [{"detail": e.detail, "path": e.path, "line": e.line} for e in c.evidence[:MAX_EVIDENCE]]}


def _license(m: LicenseMatch) -> dict:
    return {"id": m.id, "name": m.name, "applies_to": m.applies_to, "role": m.role, "path": m.path,
            "line": m.line, "open_terms": m.open_terms, "osi_approved": m.osi_approved,
            "failing": failing_clauses(m), "family": m.family}


def _finding(f: Finding) -> dict:
    return {"rule": f.rule, "level": f.level.value, "path": f.path, "line": f.line, "text": f.text,
            "message": f.message, "replacement": f.replacement}
