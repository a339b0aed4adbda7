"""GitHub-flavoured Markdown, for $GITHUB_STEP_SUMMARY and pull request comments: the same
scorecard and findings table as the check run's summary, every repository value escaped."""

from __future__ import annotations

from app import __version__
from app.engine.models import Report
from app.report.scorecard import scorecard
from app.report.templating import md_escape
from app.report.templating import render as render_template

MAX_LISTED = 100


def render(report: Report, name: str = "", config_file: str | None = None) -> str:
    heading = f"# openwashing: {md_escape(name)}\n\n" if name else ""
    return heading + render_template(
        "check_summary.md.j2", card=scorecard(report), findings=report.findings, notices=report.notices,
        config_error=None, config={}, sources={}, version=__version__, sha="", truncated=False,
        max_listed=MAX_LISTED, max_annotations=10**9, documents=report.documents, unreadable=[],
        config_file=config_file)
