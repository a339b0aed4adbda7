"""Paths of a report made relative to the repository root, for a scan of one of its folders: a
GitHub annotation or SARIF result must name the file as the repository does."""

from __future__ import annotations

import re
from dataclasses import replace

from app.engine.models import Assessment, Component, Evidence, LicenseMatch, Report


def relocate(report: Report, prefix: str) -> Report:
    """The same report with every file path under `prefix` ("models/tiny"); "" changes nothing."""
    if not prefix:
        return report
    move = _mover(prefix)
    cited = {m.path for m in report.assessment.licenses if m.path and not m.path.startswith("(")}
    return replace(report, findings=[replace(f, path=move(f.path), message=_cited(f.message, cited, move))
                                     for f in report.findings],
                   notices=[replace(n, path=move(n.path)) for n in report.notices],
                   documents=[move(d) for d in report.documents],
                   assessment=_assessment(report.assessment, move))


def _mover(prefix: str):
    def move(path: str | None) -> str | None:
        # "(tree)", "(job)" and the like name no file; None is the configuration; a URL is a Hub page.
        return path if not path or path.startswith(("(", "https://", "http://")) else f"{prefix}/{path}"
    return move


def _cited(message: str, paths: set[str], move) -> str:
    """A message cites where a licence is stated as "(path:line)": the same path from the root."""
    if not paths:
        return message
    cited = re.compile(r"\((" + "|".join(map(re.escape, sorted(paths, key=len, reverse=True))) + r")(?=[:)])")
    return cited.sub(lambda m: f"({move(m.group(1))}", message)  # one pass: a moved path is not moved again


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
