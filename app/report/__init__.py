"""Output formats for a scan report: text for people, json, sarif and GitHub workflow commands."""

from __future__ import annotations

from collections.abc import Callable

from app.engine.models import Report
from app.report import github, jsonfmt, sarif, text

FORMATS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "json": jsonfmt.render,
    "sarif": sarif.render,
    "github": github.render,
}
