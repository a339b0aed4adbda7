"""The human-readable report: one line per finding, then the openness scorecard."""

from __future__ import annotations

from app.engine.models import Report
from app.report.templating import render as render_template


def render(report: Report) -> str:
    return render_template("report.txt.j2", report=report, assessment=report.assessment)
