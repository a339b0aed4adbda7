"""The human-readable report: one line per finding, then the openness scorecard.

Written in plain Python rather than a template: this is the report every `openwashing scan` in a
terminal, hook or CI step prints, and loading Jinja2 for it was a tenth of the whole process. The
other formats people read (Markdown, HTML, check runs) stay templates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import groupby

from app.engine.models import Assessment, Component, Finding, LicenseMatch, Report

# Repository text reaches the terminal: its control characters could move the cursor, clear the
# screen or forge lines, so each is shown as U+FFFD, and line breaks inside a value as spaces.
_CONTROLS = str.maketrans({**{c: "\ufffd" for c in (*range(32), *range(127, 160)) if c != 9},
                           10: " ", 13: " "})

# ANSI styles for a terminal; the level names are the findings' levels.
STYLES = {"bold": "1", "dim": "2", "error": "1;31", "warning": "1;33", "notice": "1;36", "fix": "32"}
EVIDENCE_SHOWN = 3  # items of evidence listed under each component

Paint = Callable[[str, object], str]


def painter(colour: bool) -> Paint:
    def paint(style: str, text: object) -> str:
        return f"\x1b[{STYLES[style]}m{text}\x1b[0m" if colour else str(text)
    return paint


def _s(value: object) -> str:
    """A value as the terminal may show it (see _CONTROLS)."""
    return str(value).translate(_CONTROLS)


def render(report: Report, colour: bool = False, quiet: bool = False, config_file: str | None = None) -> str:
    """The text report; `quiet` keeps the findings alone (as ruff's --quiet does)."""
    paint = painter(colour)
    lines = [line for finding in report.findings for line in _finding(finding, paint)]
    if not quiet:
        lines += [""] if report.findings else []
        lines += [*_scorecard(report.assessment, config_file, paint), *_notices(report), "", _summary(report)]
    return "".join(f"{line}\n" for line in lines)


def _finding(f: Finding, paint: Paint) -> Iterator[str]:
    yield (f"{paint('bold', _s(f'{f.path}:{f.line}:{f.column}'))}: {paint(f.level.value, f.level.value)} "
           f"{paint('dim', _s(f'[{f.rule}]'))} {_s(f.message)}")
    if f.replacement is not None:
        yield f'    suggested wording: "{_s(f.text.strip())}" -> "{paint("fix", _s(f.replacement))}"'


def _scorecard(a: Assessment, config_file: str | None, paint: Paint) -> Iterator[str]:
    yield "Openness scorecard"
    yield f"  verdict:   {paint('bold', a.level.value)} ({_s('; '.join(a.reasons))})"
    yield ("  OSAID 1.0: " + ("appears to meet the definition (evidence below; this is not a certification)"
                              if a.osaid else "does not appear to meet the definition"))
    yield f"  MOF class: {_s(a.mof_class or 'not determined')}"
    yield f"  configuration: {_s(config_file or 'none found (defaults)')}"
    for component in a.components.values():
        yield from _component(component)
    yield from _families(a)
    if a.caveats:
        yield "  cannot be decided from the repository:"
        yield from (f"    - {_s(caveat)}" for caveat in a.caveats)
    yield from _licenses(a.licenses)


def _component(c: Component) -> Iterator[str]:
    yield f"  {'[x]' if c.present and c.open_terms else '[ ]'} {c.name:<17} {_s(c.summary)}"
    for e in c.evidence[:EVIDENCE_SHOWN]:
        yield f"        - {_s(e.detail)}" + (f" ({_s(e.where())})" if e.path else "")


def _families(a: Assessment) -> Iterator[str]:
    if not a.families:
        return
    yield "  model families:"
    by_summary = sorted(a.families, key=lambda family: family.summary)
    for summary, group in ((s, list(g)) for s, g in groupby(by_summary, key=lambda family: family.summary)):
        yield f"    {'[x]' if group[0].open_terms else '[ ]'} {_s(', '.join(f.name for f in group))}: {_s(summary)}"


def _licenses(licenses: list[LicenseMatch]) -> Iterator[str]:
    if not licenses:
        yield "  licences:  none found"
        return
    yield "  licences:"
    for m in licenses:
        terms = "OSI-approved" if m.osi_approved else ("open terms, not OSI-approved" if m.open_terms else "not open")
        family = f" ({m.family})" if m.family else ""
        yield _s(f"    - {m.name} [{m.id}] governs {m.applies_to}{family}; {terms}; {m.role} ({m.evidence.where()})")
        yield from (_s(f"        fails: {r.label} - {r.explanation}") for r in m.restrictions
                    if r.id != "not-osi-approved")


def _notices(report: Report) -> Iterator[str]:
    if report.notices:
        yield from ("", "Notices")
        yield from (_s(f"  {n.path}{f':{n.line}' if n.line else ''}: {n.message}") for n in report.notices)


def _summary(report: Report) -> str:
    levels = [f.level.value for f in report.findings]
    return (f"{_count(len(levels), 'finding')} ({_count(levels.count('error'), 'error')}, "
            f"{_count(levels.count('warning'), 'warning')}) in {_count(len(report.documents), 'document')}.")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
