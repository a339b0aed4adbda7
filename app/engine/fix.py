"""Applying the proposed wording to a file's text."""

from __future__ import annotations

from app.engine.models import Finding


def apply_fixes(text: str, findings: list[Finding]) -> tuple[str, int]:
    """The text with every non-overlapping replacement applied, and how many were applied."""
    applied = 0
    last_start = len(text) + 1
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        if finding.replacement is None or finding.end > last_start or text[finding.start:finding.end] != finding.text:
            continue  # overlapping, or the file changed since the scan
        text = text[:finding.start] + finding.replacement + text[finding.end:]
        last_start = finding.start
        applied += 1
    return text, applied
