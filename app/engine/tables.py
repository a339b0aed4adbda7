"""Tables in Markdown documents (pipe tables and HTML tables), as rows of cells with their links."""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field

from app.engine.markdown import Document

_PIPE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
_CELL_OPEN = re.compile(r"<t[hd]\b[^>]{0,500}+>", re.I)
_HREF = re.compile(r"""href\s{0,16}=\s{0,16}["']([^"'\n]{1,2048})["']""", re.I)
_MD_LINK = re.compile(r"\[([^\[\]\n]{0,1000}+)\]\(\s{0,64}+<?([^)\s>]{1,2048}+)")
_TAG = re.compile(r"<[^<>]{0,500}+>")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_MAX_TABLES = 50
_MAX_ROWS = 400
_MAX_CELL = 4000  # characters of one cell that are read


@dataclass
class Cell:
    text: str
    line: int
    links: list[str] = field(default_factory=list)


@dataclass
class Table:
    """A header and its rows. A pipe table's rows are read from their lines when first asked
    for: most tables' headers are not what any reader looks for."""

    header: list[Cell]
    row_lines: list[tuple[str, int]] = field(default_factory=list)  # (source line, line number)
    read_rows: list[list[Cell]] | None = None

    @property
    def rows(self) -> list[list[Cell]]:
        if self.read_rows is None:
            self.read_rows = [_pipe_cells(line, number) for line, number in self.row_lines]
        return self.read_rows


def tables_of(doc: Document) -> list[Table]:
    """Every pipe table and HTML table of a document, header first (bounded in number and size).
    Parsed once per document and kept: several readers look at the same tables."""
    cached = doc.cache.get("tables")
    if cached is None:
        tables = _pipe_tables(doc.text) + _html_tables(doc.text, doc.line_offsets)
        cached = doc.cache["tables"] = tables[:_MAX_TABLES]
    return cached


def _pipe_tables(text: str) -> list[Table]:
    tables, lines = [], text.split("\n")
    # Only a line that starts with a pipe can head a table: those are picked out first (in C for
    # the lines without a pipe at all), and each table's rows are skipped past.
    heads = [i for i, line in enumerate(lines) if "|" in line and line.lstrip().startswith("|")]
    after = 0
    for i in heads:
        if len(tables) >= _MAX_TABLES:
            break
        if i < after or i + 1 >= len(lines) or not (_PIPE_ROW.match(lines[i]) and _PIPE_RULE.match(lines[i + 1])):
            continue
        header = _pipe_cells(lines[i], i + 1)
        rows, j = [], i + 2
        while j < len(lines) and _PIPE_ROW.match(lines[j]) and len(rows) < _MAX_ROWS:
            rows.append((lines[j], j + 1))
            j += 1
        tables.append(Table(header, rows))
        after = j
    return tables


def _pipe_cells(line: str, number: int) -> list[Cell]:
    inner = _PIPE_ROW.match(line).group(1)
    return [_cell(part, number) for part in _CELL_SPLIT.split(inner)]


def _cell(source: str, number: int) -> Cell:
    source = source[:_MAX_CELL]
    # Most cells are plain words: each pattern runs only when its first character is there.
    bracket, angle = "[" in source, "<" in source
    links = [m.group(2) for m in _MD_LINK.finditer(source)] if bracket else []
    if "=" in source:
        links += _HREF.findall(source)
    plain = _MD_LINK.sub(lambda m: m.group(1), source) if bracket else source
    plain = html.unescape(_TAG.sub(" ", plain) if angle else plain).replace("`", "").replace("**", "")
    return Cell(" ".join(plain.split()), number, links)


def _html_tables(text: str, line_offsets: list[int]) -> list[Table]:
    """HTML tables found with str.find, each closing tag searched once: linear in the text."""
    folded = text.lower()
    tables: list[Table] = []
    start = folded.find("<table")
    while start >= 0 and len(tables) < _MAX_TABLES:
        end = folded.find("</table>", start)
        if end < 0:
            break  # an unclosed table: nothing after it closes either
        rows = [r for r in _html_rows(text, folded, start, end, line_offsets) if r]
        if rows:
            tables.append(Table(rows[0], read_rows=rows[1:]))
        start = folded.find("<table", end)
    return tables


def _html_rows(text: str, folded: str, start: int, end: int, line_offsets: list[int]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    row = folded.find("<tr", start, end)
    while row >= 0 and len(rows) <= _MAX_ROWS:
        close = folded.find("</tr>", row, end)
        stop = close if close >= 0 else end
        rows.append(_html_cells(text, folded, row, stop, bisect.bisect_right(line_offsets, row)))
        row = folded.find("<tr", stop, end)
    return rows


def _html_cells(text: str, folded: str, start: int, stop: int, line: int) -> list[Cell]:
    cells = []
    for opening in _CELL_OPEN.finditer(text, start, stop):
        close = folded.find("</t", opening.end(), stop)
        cells.append(_cell(text[opening.end():close if close >= 0 else stop], line))
    return cells
