"""The reference reading of a Markdown document, made with markdown-it-py (a test dependency).

The engine reads block structure from pulldown-cmark (app/engine/markdown.py). This module reads
the same structure from markdown-it-py, the CommonMark parser the engine used before, so tests
can check that both give the same prose segments, sections and code blocks. markdown-it hands
over each block's text with its line range; each line is found back in the source, left to right.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from app.engine.markdown import CodeBlock, Section

_PARSER = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
_KINDS = {"heading_open": "heading", "th_open": "cell", "td_open": "cell", "paragraph_open": None}


def reference_blocks(text: str) -> tuple[list[tuple[str, tuple]], list[Section], list[CodeBlock]]:
    """(kind, ((line, column, text) per line)) of each prose block; headings; code blocks.
    Line text starts at its first character that is not a space or tab (markdown-it keeps the
    indentation of continuation lines; CommonMark, and the engine, do not)."""
    lines = text.split("\n")
    blocks, sections, code = [], [], []
    cursors: dict[int, int] = {}
    kind, depth = "paragraph", 0
    for token in _PARSER.parse(text):
        if token.type in ("blockquote_open", "blockquote_close"):
            depth += 1 if token.type == "blockquote_open" else -1
        elif token.type in _KINDS:
            kind = _KINDS[token.type] or ("quote" if depth else "paragraph")
            if token.type == "heading_open":
                sections.append((int(token.tag[1]), token.map[0] + 1))
                hashes = lines[token.map[0]].find("#")  # the title is after them ("- # -")
                if hashes >= 0 and token.markup.startswith("#"):
                    cursors[token.map[0]] = hashes + len(token.markup)
        elif token.type == "inline" and token.map:
            pieces = _locate(token.content, token.map[0], lines, cursors)
            if pieces:
                blocks.append((kind, tuple(pieces)))
        elif token.type in ("fence", "code_block") and token.map:
            code.append(CodeBlock(token.map[0] + 1, token.map[1], token.info.strip(), token.content))
        elif token.type == "html_block" and token.map:
            start, end = token.map
            end = min(end, len(lines))
            while end > start + 1 and not lines[end - 1].strip():
                end -= 1  # a block left open at the end of the file takes the blank lines before it
            blocks.append(("html", tuple((n + 1, 0, lines[n]) for n in range(start, end))))
    return blocks, sections, code


def _locate(content: str, first_line: int, lines: list[str], cursors: dict[int, int]) -> list:
    pieces = []
    for i, piece in enumerate(content.split("\n")):
        number = first_line + i
        if number >= len(lines):
            break
        start = lines[number].find(piece, cursors.get(number, 0)) if piece else -1
        if start < 0:  # markdown-it made a tab of the indentation spaces: the rest is as written
            piece = piece.lstrip()
            start = lines[number].find(piece, cursors.get(number, 0)) if piece else -1
        if start < 0:
            continue
        cursors[number] = start + len(piece)
        indent = len(piece) - len(piece.lstrip(" \t"))
        pieces.append((number + 1, start + indent, piece[indent:]))
    return pieces
