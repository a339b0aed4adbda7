"""One output for the reports of several scanned paths, in each format's own way of holding many:
SARIF runs, a JSON list, sections of text, Markdown and HTML."""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.engine.models import Report


@dataclass(frozen=True)
class Style:
    """How the text report is shown: colour, findings only (quiet), or everything (verbose)."""

    colour: bool = False
    quiet: bool = False
    verbose: bool = False


@dataclass(frozen=True)
class Scanned:
    label: str  # the path as given ("-" for standard input)
    name: str  # what the report calls it
    config_file: str | None
    report: Report
    repository: str = ""  # owner/name where it is known (a git remote, a Hub id), else the folder's name


def render(fmt: str, items: list[Scanned], style: Style | None = None) -> str:
    return _RENDERERS[fmt](items, style or Style())


# Each format imports its renderer when asked for: a text report never loads the HTML pages.
def _text(items: list[Scanned], style: Style) -> str:
    from app.report import text

    parts = [text.render(s.report, style.colour, style.quiet, s.config_file, style.verbose) for s in items]
    if len(items) == 1:
        return "".join(parts)
    # Each header says which repository the root-relative paths below it belong to, quiet or not.
    return "\n".join(f"== {s.label} ==\n{part}" for s, part in zip(items, parts, strict=True))


def _json(items: list[Scanned], style: Style) -> str:
    from app.report import jsonfmt

    def one(s: Scanned) -> dict:
        return {**jsonfmt.as_dict(s.report), "path": s.label, "configuration": s.config_file}
    data = one(items[0]) if len(items) == 1 else {"version": jsonfmt.FORMAT_VERSION, "reports": [one(s) for s in items]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _sarif(items: list[Scanned], style: Style) -> str:
    from app.report import sarif

    return sarif.render_many([s.report for s in items])


def _github(items: list[Scanned], style: Style) -> str:
    from app.report import github

    return "".join(github.render(s.report) for s in items)


def _markdown(items: list[Scanned], style: Style) -> str:
    from app.report import markdown

    return "\n".join(markdown.render(s.report, s.name, s.config_file) for s in items)


def _html(items: list[Scanned], style: Style) -> str:
    from app.report import html

    return html.standalone([(s.report, s.name) for s in items])


def _mof(items: list[Scanned], style: Style) -> str:
    from app.report import mof

    # One YAML document per scanned path, as the Model Openness Tool keeps one file per model.
    return "---\n".join(mof.render(s.report, s.repository) for s in items)


def _cyclonedx(items: list[Scanned], style: Style) -> str:
    import json

    from app.report import cyclonedx

    if len(items) == 1:
        return cyclonedx.render(items[0].report, items[0].repository)
    boms = [cyclonedx.bom(s.report, s.repository) for s in items]
    return json.dumps(boms, indent=2, ensure_ascii=False) + "\n"


_RENDERERS = {"text": _text, "json": _json, "sarif": _sarif, "github": _github, "markdown": _markdown,
              "html": _html, "mof": _mof, "cyclonedx": _cyclonedx}
FORMAT_NAMES = tuple(sorted(_RENDERERS))
