"""The human-readable report: one line per finding, then the openness scorecard."""

from __future__ import annotations

from app.engine.models import Report
from app.report.templating import render as render_template

# ANSI styles for a terminal; the level names are the findings' levels.
STYLES = {"bold": "1", "dim": "2", "error": "1;31", "warning": "1;33", "notice": "1;36", "fix": "32"}


def painter(colour: bool):
    def paint(style: str, text: object) -> str:
        return f"\x1b[{STYLES[style]}m{text}\x1b[0m" if colour else str(text)
    return paint


def render(report: Report, colour: bool = False, quiet: bool = False, config_file: str | None = None) -> str:
    """The text report; `quiet` keeps the findings alone (as ruff's --quiet does)."""
    return render_template("report.txt.j2", report=report, assessment=report.assessment, quiet=quiet,
                           paint=painter(colour), config_file=config_file)
