"""The human-readable report: one line per finding, then the openness scorecard.

Written in plain Python rather than a template: this is the report every `openwashing scan` in a
terminal, hook or CI step prints, and loading Jinja2 for it was a tenth of the whole process. The
other formats people read (Markdown, HTML, check runs) stay templates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from app.engine.models import Finding, Report, where
from app.report.scorecard import EVIDENCE_SHOWN, PLACES_SHOWN, governs_text, scorecard

# Repository text reaches the terminal: its control characters could move the cursor, clear the
# screen or forge lines, so each is shown as U+FFFD, and line breaks inside a value as spaces.
_CONTROLS = str.maketrans({**{c: "\ufffd" for c in (*range(32), *range(127, 160)) if c != 9},
                           10: " ", 13: " "})

# ANSI styles for a terminal; the level names are the findings' levels.
STYLES = {"bold": "1", "dim": "2", "error": "1;31", "warning": "1;33", "notice": "1;36", "fix": "32"}

Paint = Callable[[str, object], str]


def painter(colour: bool) -> Paint:
    def paint(style: str, text: object) -> str:
        return f"\x1b[{STYLES[style]}m{text}\x1b[0m" if colour else str(text)
    return paint


def _s(value: object) -> str:
    """A value as the terminal may show it (see _CONTROLS)."""
    return str(value).translate(_CONTROLS)


def render(report: Report, colour: bool = False, quiet: bool = False, config_file: str | None = None,
           verbose: bool = False) -> str:
    """The text report; `quiet` keeps the findings alone (as ruff's --quiet does), `verbose` lists
    every piece of evidence, every place a licence is stated and each failing clause's wording."""
    paint = painter(colour)
    lines = [line for finding in report.findings for line in _finding(finding, paint)]
    if not quiet:
        lines += [""] if report.findings else []
        card = scorecard(report)
        lines += [*_scorecard(card, paint, verbose), *_notices(report), "", _summary(report, config_file)]
    return "".join(f"{line}\n" for line in lines)


def _finding(f: Finding, paint: Paint) -> Iterator[str]:
    yield (f"{paint('bold', _s(f'{f.path}:{f.line}:{f.column}'))}: {paint(f.level.value, f.level.value)} "
           f"{paint('dim', _s(f'[{f.rule}]'))} {_s(f.message)}")
    if f.replacement is not None:
        yield f'    suggested wording: "{_s(f.text.strip())}" -> "{paint("fix", _s(f.replacement))}"'


def _scorecard(card: dict, paint: Paint, verbose: bool) -> Iterator[str]:
    yield "Openness scorecard"
    yield f"  verdict:   {paint('bold', card['level'])} ({_s('; '.join(card['reasons']))})"
    yield ("  OSAID 1.0: " + _osaid(card)
           + f"; MOF class: {_s(card['mof_class'] or 'not determined')}")
    for component in card["components"]:
        yield from _component(component, verbose)
    yield from _families(card["families"])
    yield from _licences(card["licences"], verbose)
    if len(card["caveats"]) == 1:
        yield f"  cannot be decided from the repository: {_s(card['caveats'][0])}"
    elif card["caveats"]:
        yield "  cannot be decided from the repository:"
        yield from (f"    - {_s(caveat)}" for caveat in card["caveats"])


def _osaid(card: dict) -> str:
    if card["level"] == "tool":
        return "does not apply (not a model release)"
    if card["osaid"]:
        return "appears to meet the definition (evidence below; this is not a certification)"
    return "does not appear to meet the definition"


def _component(c: dict, verbose: bool) -> Iterator[str]:
    yield f"  {'[x]' if c['status'] == 'open' else '[ ]'} {c['name']:<17} {_s(c['summary'])}"
    shown = c["evidence"] if verbose else c["evidence"][:EVIDENCE_SHOWN]
    for e in shown:
        yield f"        - {_s(e['detail'])}" + (f" ({_s(where(e['path'], e['line']))})" if e["path"] else "")
    if c["evidence_count"] > len(shown):
        yield f"        … {c['evidence_count'] - len(shown)} more (--verbose lists them)"


def _families(families: list[dict]) -> Iterator[str]:
    if families:
        yield "  model families:"
        yield from (f"    {'[x]' if f['open_terms'] else '[ ]'} {_s(f['name'])}: {_s(f['licence'])}" for f in families)


def _licences(licences: list[dict], verbose: bool) -> Iterator[str]:
    if not licences:
        yield "  licences:  none found"
        return
    yield "  licences:"
    for entry in licences:
        yield from _licence(entry, verbose)


def _licence(entry: dict, verbose: bool) -> Iterator[str]:
    yield _s(f"    - {entry['name']} [{entry['id']}] governs {governs_text(entry)}; {entry['terms']}; "
             f"{entry['role']} ({_places(entry['places'], verbose)})")
    policies = [f"with {p['name']} ({where(p['path'], p['line'])})" for p in entry["policies"]]
    if verbose:
        yield from (_s(f"        {line}") for line in policies)
        for clause in entry["clauses"]:
            yield _s(f"        fails: {clause['label']} - {clause['explanation']}")
            yield from ([_s(f"          \u201c{clause['quote']}\u201d")] if clause["quote"] else [])
        return
    if entry["failing"] and entry["status"] != "undetermined":
        yield _s(f"        fails on: {'; '.join([', '.join(entry['failing']), *policies])}")
    quoted = next((c for c in entry["clauses"] if c["quote"]), None) if entry["governing"] else None
    if quoted:  # the wording the findings rest on, once
        yield _s(f"        {quoted['label']}: \u201c{quoted['quote']}\u201d")


def _places(places: list[dict], verbose: bool) -> str:
    shown = places if verbose else places[:PLACES_SHOWN]
    text = ", ".join(where(p["path"], p["line"]) for p in shown)
    return text + (f" and {len(places) - len(shown)} more" if len(places) > len(shown) else "")


def _notices(report: Report) -> Iterator[str]:
    if report.notices:
        yield from ("", "Notices")
        yield from (_s(f"  {n.path}{f':{n.line}' if n.line else ''}: {n.message}") for n in report.notices)


def _summary(report: Report, config_file: str | None) -> str:
    levels = [f.level.value for f in report.findings]
    settings = f"configuration: {_s(config_file)}" if config_file else "default settings (no configuration file)"
    return (f"{_count(len(levels), 'finding')} ({_count(levels.count('error'), 'error')}, "
            f"{_count(levels.count('warning'), 'warning')}) in {_count(len(report.documents), 'document')}; "
            f"{settings}.")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
