"""Paths of a report made relative to the repository root, for a scan of one of its folders: a
GitHub annotation or SARIF result must name the file as the repository does."""

from __future__ import annotations

from dataclasses import replace

from app.engine.models import Assessment, Component, Evidence, LicenseMatch, Report


def relocate(report: Report, prefix: str) -> Report:
    """The same report with every file path under `prefix` ("models/tiny"); "" changes nothing."""
    if not prefix:
        return report
    move = _mover(prefix)
    return replace(report, findings=[replace(f, path=move(f.path)) for f in report.findings],
                   notices=[replace(n, path=move(n.path)) for n in report.notices],
                   documents=[move(d) for d in report.documents],
                   assessment=_assessment(report.assessment, move))


def _mover(prefix: str):
    def move(path: str | None) -> str | None:
        # "(tree)", "(job)" and the like name no file; None is the configuration.
        return path if not path or path.startswith("(") else f"{prefix}/{path}"
    return move


def _evidence(e: Evidence, move) -> Evidence:
    return replace(e, path=move(e.path))


def _license(m: LicenseMatch, move) -> LicenseMatch:
    return replace(m, evidence=_evidence(m.evidence, move))


def _component(c: Component, move) -> Component:
    return replace(c, evidence=[_evidence(e, move) for e in c.evidence],
                   licenses=[_license(m, move) for m in c.licenses])


def _assessment(a: Assessment, move) -> Assessment:
    return replace(a, components={k: _component(c, move) for k, c in a.components.items()},
                   licenses=[_license(m, move) for m in a.licenses],
                   families=[replace(f, licenses=[_license(m, move) for m in f.licenses]) for f in a.families])
