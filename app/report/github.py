"""GitHub Actions workflow commands, so findings show as annotations in a workflow run."""

from __future__ import annotations

from app.engine.models import Report


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for f in report.findings:
        props = [f"file={_property(f.path)}", f"line={f.line}", f"endLine={f.end_line}"]
        if f.line == f.end_line:  # GitHub keeps columns only for single-line annotations
            props += [f"col={f.column}", f"endColumn={f.end_column}"]
        props.append(f"title={_property(f.rule)}")
        message = f.message + (f'\nSuggested wording: "{f.replacement}"' if f.replacement else "")
        lines.append(f"::{f.level.value} {','.join(props)}::{_data(message)}")
    for n in report.notices:
        where = f"file={_property(n.path)}" + (f",line={n.line}" if n.line else "")
        lines.append(f"::notice {where},title=openwashing::{_data(n.message)}")
    a = report.assessment
    lines.append(f"::notice title=openwashing::{_data(f'openness: {a.level.value}; ' + '; '.join(a.reasons))}")
    return "\n".join(lines) + "\n"
