"""Tables in Markdown documents (pipe tables and HTML tables), as rows of cells with their links."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from app.engine.markdown import Document

_PIPE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
_HTML_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.I | re.S)
_HTML_CELL = re.compile(r"<t([hd])\b[^>]*>(.*?)</t[hd]>", re.I | re.S)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?([^)\s>]+)")
_TAG = re.compile(r"<[^>]{0,500}>")
_MAX_TABLES = 50
_MAX_ROWS = 400


@dataclass
class Cell:
    text: str
    line: int
    links: list[str] = field(default_factory=list)


@dataclass
class Table:
    header: list[Cell]
    rows: list[list[Cell]]


def tables_of(doc: Document) -> list[Table]:
    """Every pipe table and HTML table of a document, header first (bounded in number and size)."""
    return (_pipe_tables(doc.text) + _html_tables(doc.text))[:_MAX_TABLES]


def _pipe_tables(text: str) -> list[Table]:
    tables, lines = [], text.split("\n")
    i = 0
    while i < len(lines) - 1 and len(tables) < _MAX_TABLES:
        if _PIPE_ROW.match(lines[i]) and _PIPE_RULE.match(lines[i + 1]):
            header = _pipe_cells(lines[i], i + 1)
            rows, j = [], i + 2
            while j < len(lines) and _PIPE_ROW.match(lines[j]) and len(rows) < _MAX_ROWS:
                rows.append(_pipe_cells(lines[j], j + 1))
                j += 1
            tables.append(Table(header, rows))
            i = j
        else:
            i += 1
    return tables


def _pipe_cells(line: str, number: int) -> list[Cell]:
    inner = _PIPE_ROW.match(line).group(1)
    return [_cell(part, number) for part in re.split(r"(?<!\\)\|", inner)]


def _cell(source: str, number: int) -> Cell:
    links = [m.group(2) for m in _MD_LINK.finditer(source)] + _HREF.findall(source)
    plain = _MD_LINK.sub(lambda m: m.group(1), source)
    plain = html.unescape(_TAG.sub(" ", plain)).replace("`", "").replace("**", "")
    return Cell(" ".join(plain.split()), number, links)


def _html_tables(text: str) -> list[Table]:
    tables: list[Table] = []
    for block in re.finditer(r"<table\b.*?</table>", text, re.I | re.S):
        rows = []
        for row in _HTML_ROW.finditer(block.group(0)):
            line = text.count("\n", 0, block.start() + row.start()) + 1
            rows.append([_cell(cell.group(2), line) for cell in _HTML_CELL.finditer(row.group(1))])
            if len(rows) > _MAX_ROWS:
                break
        rows = [r for r in rows if r]
        if rows:
            tables.append(Table(rows[0], rows[1:]))
        if len(tables) >= _MAX_TABLES:
            break
    return tables
