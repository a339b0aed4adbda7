"""HTML for people: the report pages the app serves, the CLI's self-contained `--format html`,
the component chart and the badge. Every value is escaped by Jinja2's autoescape; links are
built here from known parts and only http(s) URLs are ever written into an href."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from app import __version__
from app.engine.models import Report
from app.paths import templates_dir
from app.report.scorecard import EVIDENCE_SHOWN, VERDICTS, governs_text, scorecard
from app.report.templating import bytecode_cache

LEVEL_RANK = {"open-source-ai": 3, "open-weights": 2, "restricted-weights": 1, "unknown": 0, "tool": -1}
BADGE_COLOURS = {"open-source-ai": "#1a7f37", "open-weights": "#bf8700", "restricted-weights": "#cf222e",
                 "unknown": "#9f9f9f", "tool": "#8c959f"}
BADGE_VALUES = {"open-source-ai": "open source AI", "open-weights": "open weights", "tool": "not a model",
                "restricted-weights": "restricted", "unknown": "unknown"}
CHART_ROWS = 60
SHORT = {"open": "open", "restricted": "restricted", "missing": "missing", "undetermined": "n/d", "vague": "too vague",
         "not-applicable": "n/a", "incomplete": "base"}
COLUMN_TITLES = ("code", "weights", "data info")
TREND_WIDTH, TREND_LEFT = 400, 104  # the trend chart's drawing width and where its plot starts
TREND_LABELS = {"open-source-ai": "meets OSAID?", "open-weights": "open weights", "restricted-weights": "restricted",
                "unknown": "unknown", "tool": "not a model"}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates_dir())), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html.j2", "svg.j2"], default=True), trim_blocks=True,
                      lstrip_blocks=True, bytecode_cache=bytecode_cache())
    env.filters["when"] = when
    env.globals.update(governs_text=governs_text, evidence_shown=EVIDENCE_SHOWN)
    return env


def when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stamp)) if stamp else "never"


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return (templates_dir() / "web" / "report.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def content_security_policy() -> str:
    """No script, no remote anything; the one inline stylesheet is allowed by its hash."""
    digest = base64.b64encode(hashlib.sha256(stylesheet().encode()).digest()).decode()
    return (f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' data:; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(css=Markup(stylesheet()), csp=content_security_policy(),
                                                       version=__version__, **context)


def http_url(url: str | None) -> str | None:
    """A URL fit for an href: http(s) only (no javascript:, data: or relative tricks)."""
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def blob_link(web_root: str | None, repo: str, sha: str) -> Callable[[str | None, int | None], str | None]:
    """Links to a file and line of a repository at one commit, on GitHub's web pages."""
    def link(path: str | None, line: int | None) -> str | None:
        if path and path.startswith(("https://", "http://")):  # evidence kept elsewhere: the Hub, at its revision
            return path + (f"#L{line}" if line and "/blob/" in path else "")
        if not web_root or not path or path.startswith("("):
            return None
        anchor = f"#L{line}" if line else ""
        return f"{web_root}/{quote(repo)}/blob/{sha}/{quote(path)}{anchor}"
    return link


def component_chart(title: str, rows: list[dict]) -> Markup:
    """The component grid: rows of {"name", "level", "components": scorecard components}."""
    shown = rows[:CHART_ROWS]
    cells = [{"name": r["name"], "cells": [{"css": c["status"], "label": SHORT[c["status"]]} for c in r["components"]]
              + [{"css": r["level"], "label": VERDICTS[r["level"]]}]} for r in shown]
    return Markup(environment().get_template("web/chart.html.j2").render(
        title=title, rows=cells, headings=[*COLUMN_TITLES, "verdict"], more=len(rows) - len(shown)))


def trend_chart(history: list) -> Markup:
    """Verdicts by commit (newest first in `history`), drawn oldest first across a fixed width, so
    the chart reads the same for three commits or two hundred and scales down on a phone."""
    ordered = list(reversed(history))
    left, right = TREND_LEFT, TREND_WIDTH - 12
    step = (right - left) / max(len(ordered) - 1, 1)
    # One row per verdict, most open on top; "not a model release" only when the history has one.
    shown = [k for k in sorted(LEVEL_RANK, key=LEVEL_RANK.get, reverse=True)
             if LEVEL_RANK[k] >= 0 or any(v.level == k for v in ordered)]
    row = {k: i for i, k in enumerate(shown)}
    points = [{"x": round(left + i * step, 1), "y": 22 + row.get(v.level, len(shown) - 1) * 32, "level": v.level,
               "label": VERDICTS.get(v.level, v.level), "sha": v.sha[:12]} for i, v in enumerate(ordered)]
    levels = [{"label": TREND_LABELS[k], "y": 22 + row[k] * 32} for k in shown]
    height = 22 + len(shown) * 32 + 8
    return Markup(environment().get_template("web/trend.svg.j2").render(
        points=points, levels=levels, width=TREND_WIDTH, height=height, left=left, first=_day(ordered[0]),
        last=_day(ordered[-1])))


def _day(verdict) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(verdict.checked_at)) if verdict.checked_at else ""


def badge(level: str | None) -> str:
    """A shields-style badge; an unknown or private repository gets the same neutral one."""
    value = BADGE_VALUES.get(level or "unknown", "unknown")
    label_width, value_width = _text_width("openness") + 10, _text_width(value) + 10
    return environment().get_template("web/badge.svg.j2").render(
        label="openness", value=value, colour=BADGE_COLOURS.get(level or "unknown", "#9f9f9f"),
        label_width=label_width, value_width=value_width, width=label_width + value_width)


def _text_width(text: str) -> int:
    # Verdana at 11 px averages about 7 px a character (wider for capitals and 'w', 'm').
    return sum(8 if ch.isupper() or ch in "mwMW" else 4 if ch in " il.:" else 7 for ch in text)


def standalone(items: list[tuple[Report, str]]) -> str:
    """One self-contained HTML file (the CLI's --format html): for each scanned path, the
    scorecard, the component chart and the findings."""
    sections = []
    for report, name in items:
        card = scorecard(report)
        rows = [{"name": name, "level": card["level"], "components": card["components"]}]
        sections.append({"name": name, "card": card, "chart": component_chart(f"Openness of {name}", rows)})
    title = sections[0]["name"] if len(sections) == 1 else f"{len(sections)} scanned paths"
    return render("web/standalone.html.j2", standalone=True, title=title, sections=sections,
                  source=lambda path, line: None)


