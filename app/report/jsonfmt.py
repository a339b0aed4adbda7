"""The JSON report (format version 1)."""

from __future__ import annotations

import json

from app import __version__
from app.engine.models import Component, Evidence, Finding, LicenseMatch, Report

FORMAT_VERSION = 1


def as_dict(report: Report) -> dict:
    a = report.assessment
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": "openwashing", "version": __version__},
        "assessment": {
            "level": a.level.value,
            "osaid": a.osaid,
            "is_model": a.is_model,
            "mof_class": a.mof_class,
            "reasons": a.reasons,
            "components": {name: _component(c) for name, c in a.components.items()},
            "licenses": [_license(m) for m in a.licenses],
            "weights_basis": a.weights_basis,
            "families": [{"name": f.name, "open_terms": f.open_terms, "summary": f.summary,
                          "licenses": [m.id for m in f.licenses]} for f in a.families],
            "cannot_decide": a.caveats,
        },
        "findings": [_finding(f) for f in report.findings],
        "notices": [{"path": n.path, "line": n.line, "message": n.message} for n in report.notices],
        "documents": report.documents,
    }


def render(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False) + "\n"


def _evidence(e: Evidence) -> dict:
    return {"kind": e.kind, "detail": e.detail, "path": e.path, "line": e.line, "strength": e.strength}


def _component(c: Component) -> dict:
    return {"present": c.present, "open_terms": c.open_terms, "summary": c.summary,
            "evidence": [_evidence(e) for e in c.evidence],
            "licenses": sorted({m.id for m in c.licenses})}


def _license(m: LicenseMatch) -> dict:
    return {"id": m.id, "name": m.name, "applies_to": m.applies_to, "path": m.path, "line": m.line,
            "osi_approved": m.osi_approved, "open_terms": m.open_terms, "recognised": m.recognised,
            "restrictions": [{"id": r.id, "label": r.label, "clause": r.clause} for r in m.restrictions],
            "evidence": m.evidence.detail, "family": m.family, "binding": m.binding, "role": m.role}


def _finding(f: Finding) -> dict:
    return {"rule": f.rule, "level": f.level.value, "path": f.path, "line": f.line, "column": f.column,
            "end_line": f.end_line, "end_column": f.end_column, "text": f.text, "message": f.message,
            "replacement": f.replacement, "url": f.link}
