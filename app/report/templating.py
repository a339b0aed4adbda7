"""The Jinja2 environments for the texts the tool writes for people (the terminal's scan report,
written on every run, is plain Python: app.report.text).

Markdown templates (`*.md.j2`) escape every value in one place, `finalize`: whatever a template
prints is repository-controlled unless marked safe, and comes out inert in GitHub Markdown —
mentions and issue references neutralised, HTML and links shown as text, emphasis and table
syntax escaped, lines joined. `| code` prints a value as a code span fenced with enough
backticks; `| safe` marks Markdown the app itself made (nested replies, GitHub's own URLs).
Plain-text templates (`*.txt.j2`) print values as they are.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from app.paths import templates_dir

ZWSP = "\u200b"  # breaks what GitHub would turn into a mention, a link or a reference
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_REFERENCE = re.compile(r"#(?=\d)")
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(?=//)")
_WWW = re.compile(r"(?i)\bwww\.")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85\v\f]+")
_BACKTICKS = re.compile(r"`+")


def md_escape(value: object) -> str:
    """Any text, made inert for GitHub Markdown (including inside a table cell)."""
    text = _LINE_BREAK.sub(" ", str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    text = _MENTION.sub("@" + ZWSP, text)
    text = _REFERENCE.sub("#" + ZWSP, text)
    text = _SCHEME.sub(lambda m: m.group(1) + ":" + ZWSP, text)
    return _WWW.sub("www" + ZWSP + ".", text)


def code_span(value: object) -> Markup:
    """A code span that no backtick in the value can close early (CommonMark: a longer fence)."""
    text = _LINE_BREAK.sub(" ", str(value))
    longest = max((len(m.group(0)) for m in _BACKTICKS.finditer(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    # GFM ends a table cell at "|" even inside a code span unless it is escaped.
    return Markup(f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}")


def _finalize(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Markup | int | float) and not isinstance(value, bool):
        return value
    return md_escape(value)


def bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept between runs (compiling the report template costs a command-line
    run ~15 ms), in the user's own cache folder: see app.engine.rulecache."""
    from app.engine.rulecache import trusted_folder

    folder = trusted_folder("templates")
    return FileSystemBytecodeCache(str(folder)) if folder else None


@lru_cache(maxsize=2)
def environment(markdown: bool = False) -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=False, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True, undefined=StrictUndefined,
                      finalize=_finalize if markdown else None, bytecode_cache=bytecode_cache())
    env.filters["code"] = code_span if markdown else (lambda v: f"`{v}`")
    env.filters["md"] = (lambda v: Markup(md_escape(v))) if markdown else (lambda v: v)
    env.globals.update(_scorecard_helpers())
    return env


def _scorecard_helpers() -> dict:
    """What the scorecard's templates use to show the model's values (app.report.scorecard)."""
    from app.engine.models import where
    from app.report import scorecard

    return {"where": where, "governs_text": scorecard.governs_text, "place": place,
            "evidence_shown": scorecard.EVIDENCE_SHOWN, "places_shown": scorecard.PLACES_SHOWN}


# A Hub page the engine read, at its revision: built by the app from the Hub's address and a
# repository id of word characters, so it is safe to write as a link (nothing else is).
_HUB_PAGE = re.compile(r"^https?://[\w.:-]+(?:/[\w.@-]+)+$")


def place(path: str | None, line: int | None) -> Markup:
    """Where evidence is: a file of the repository as a code span, a Hub page as a link to it."""
    from app.engine.models import where

    if path and _HUB_PAGE.match(path):
        anchor = f"#L{line}" if line and "/blob/" in path else ""
        shown = path.split("://", 1)[1].split("/", 1)[1].replace("/blob/", "@", 1)
        return Markup(f"[{md_escape(shown)}{':' + str(line) if line else ''}]({path}{anchor})")
    return code_span(where(path, line))


def render(template: str, **context: object) -> str:
    return environment(template.endswith(".md.j2")).get_template(template).render(**context)
