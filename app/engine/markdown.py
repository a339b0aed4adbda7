"""Markdown documents: prose with exact positions, links, sections, code blocks, front matter."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property

import yaml
from markdown_it import MarkdownIt

from app.engine import prefilter, yamlsafe

# Block structure and line maps are all the engine needs from the parser; inline spans are
# located by _mask, so markdown-it's inline pass (half of its time) is switched off.
_PARSER = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])

# Inline pieces that are not prose. Each is blanked out (same length) so offsets stay exact.
# Repository text is hostile: every repetition is bounded and every pattern starts at a literal,
# so a pass costs time linear in the text however it is built (benchmarks/adversarial.py).
# Possessive repetitions ("{0,2048}+") never give back what they took: a failed match costs one
# forward scan, not one per length it could have tried.
_IMAGE = re.compile(r"!\[[^\[\]\n]{0,1000}+\]\([^)\n]{0,2048}+\)")
_LINK_DEST = re.compile(r"\]\(\s{0,64}+(<[^>\n]{0,2048}+>|[^)\s]{0,2048}+)"
                        r"(?:\s{1,64}+(?:\"[^\"\n]{0,512}+\"|'[^'\n]{0,512}+'))?\s{0,64}+\)")
_REF_LABEL = re.compile(r"\]\[[^\[\]\n]{0,1000}+\]")
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^>\s]{0,2048}+>|<[\w.+-]{1,64}+@[\w-]{1,63}+(?:\.[\w-]{1,63}+){1,8}>")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,2048}+>")
# The next two start at a word boundary, written as a look-behind after the first letter: a
# pattern that opens with letters lets the regex engine skip ahead to them (3x faster than a
# leading \b, same matches). _HREF spells out its case-insensitive letters ("ſ" folds to "s").
_HREF = re.compile(r"[hHsSſ](?<!\w[hHsSſ])(?:(?<=[hH])[rR][eE][fF]|(?<=[sSſ])[rR][cC])"
                   r"""\s{0,16}=\s{0,16}["']([^"'\n]{1,2048})["']""")
_BARE_URL = re.compile(r"(?:h(?<!\wh)ttps?://|w(?<!\ww)ww\.)[^\s<>()\[\]]{1,2048}")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)\s*$")
_MD_LINK = re.compile(r"\[([^\[\]\n]{0,1000}+)\]\(\s{0,64}+(<[^>\n]{0,2048}+>|[^)\s]{1,2048}+)")
_BACKTICKS = re.compile(r"`+")
_LABEL_REACH = 1000  # how far back the "[" of a link label may be
_MAY_NEED_MASK = re.compile(r"[`<\[@]|https?:|www\.")
# In this order: what is inside code or a comment must not be read as a link, and so on.
_MASKS = (
    (_IMAGE, 0), (_LINK_DEST, 1), (_HTML_TAG, 0), (_AUTOLINK, 0), (_BARE_URL, 0), (_EMAIL, 0), (_REF_LABEL, 1),
)
_SUPPRESS = re.compile(r"<!--\s*openwashing-(disable-next-line|disable|enable)\b([^>]*?)-->", re.I)


@dataclass(frozen=True)
class Link:
    """A link target seen in the document, with the text shown for it."""

    href: str
    text: str
    line: int


@dataclass
class Segment:
    """A run of prose from one block, with a map back to source lines and columns.

    `raw` is the source text; `text` is the same length with code, URLs, HTML and link targets
    blanked out, computed only for the few segments a consumer actually reads closely.
    """

    raw: str
    kind: str
    starts: list[int]  # offset in the text where each source line begins
    lines: list[int]  # 1-based source line of each of those
    cols: list[int]  # 0-based column in the source line where the text begins

    @cached_property
    def text(self) -> str:
        return _mask(self.raw)

    @cached_property
    def links(self) -> list[tuple[int, int, str]]:
        """(start, end, href) of each link's text."""
        spans = []
        for match in _LINK_DEST.finditer(self.raw):
            label_start = self.raw.rfind("[", max(0, match.start() - _LABEL_REACH), match.start())
            if label_start >= 0:
                spans.append((label_start + 1, match.start(), match.group(1).strip("<>")))
        return spans

    @cached_property
    def link_starts(self) -> list[int]:
        return [start for start, _end, _href in self.links]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) in the source file of an offset into `text`."""
        i = bisect.bisect_right(self.starts, offset) - 1
        return self.lines[i], self.cols[i] + (offset - self.starts[i]) + 1


@dataclass(frozen=True)
class CodeBlock:
    line: int
    end_line: int
    info: str
    content: str


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    line: int
    end_line: int


@dataclass
class Document:
    """One Markdown (or plain text) file, parsed once for every consumer."""

    path: str
    text: str
    segments: list[Segment]
    links: list[Link]
    sections: list[Section]
    code_blocks: list[CodeBlock]
    front_matter: dict | None
    front_matter_lines: dict[str, int]
    front_matter_error: str | None
    suppressed: dict[int, set[str]]  # line -> rule ids ("*" for all)
    line_offsets: list[int]
    cache: dict = field(default_factory=dict)  # what readers derive from the document once (tables)

    def offset(self, line: int, column: int) -> int:
        """Offset into `text` of a 1-based line and column."""
        return self.line_offsets[line - 1] + column - 1

    def segments_with(self, pattern: re.Pattern[str] | None) -> list[Segment]:
        """The segments, in order, in whose raw text `pattern.search` finds something."""
        if pattern is None:
            return []
        key = ("segments_with", pattern)
        if key not in self.cache:
            if "prepared" not in self.cache:
                self.cache["prepared"] = prefilter.prepare([s.raw for s in self.segments])
            self.cache[key] = [self.segments[i] for i in prefilter.matching(self.cache["prepared"], pattern)]
        return self.cache[key]

    def is_suppressed(self, line: int, rule: str) -> bool:
        rules = self.suppressed.get(line, ())
        return "*" in rules or rule.lower() in rules

    def code_in(self, section: Section) -> list[CodeBlock]:
        return [b for b in self.code_blocks if section.line < b.line <= section.end_line]


def parse_document(path: str, text: str) -> Document:
    """Parse Markdown into prose segments with exact positions, plus everything around them."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    front, fm_lines, fm_error, body_start = _front_matter(lines)
    body = "\n" * body_start + "\n".join(lines[body_start:])
    env: dict = {}
    tokens = _PARSER.parse(body, env)
    doc = Document(
        path=path, text=text, segments=[], links=[], sections=[], code_blocks=[],
        front_matter=front, front_matter_lines=fm_lines, front_matter_error=fm_error,
        suppressed=_suppressions(lines), line_offsets=_line_offsets(text),
    )
    _walk_tokens(doc, tokens, lines)
    _close_sections(doc, len(lines))
    doc.links = _document_links(text, body_start, doc.line_offsets)
    for ref in env.get("references", {}).values():
        doc.links.append(Link(ref["href"], "", (ref.get("map") or [0])[0] + 1))
    return doc


def parse_plain(path: str, text: str) -> Document:
    """A plain-text document: every non-blank line is prose."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    doc = Document(path, text, [], [], [], [], None, {}, None, _suppressions(text.split("\n")),
                   _line_offsets(text))
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            doc.segments.append(_segment([(number, 0, line)], "text"))
    doc.links = _document_links(text, 0, doc.line_offsets)
    return doc


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    for match in re.finditer("\n", text):
        offsets.append(match.end())
    return offsets


def _front_matter(lines: list[str]) -> tuple[dict | None, dict[str, int], str | None, int]:
    if not lines or lines[0].strip() != "---":
        return None, {}, None, 0
    end = next((i for i in range(1, len(lines)) if _FRONT_MATTER_END.match(lines[i])), None)
    if end is None:
        return None, {}, "front matter opened with '---' is never closed", 0
    source = "\n".join(lines[1:end])
    try:
        data, node = yamlsafe.load(source)
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        return None, {}, f"front matter is not valid YAML{where}: {getattr(exc, 'problem', exc)}", end + 1
    if not isinstance(data, dict):
        return None, {}, "front matter is not a mapping of fields", end + 1
    key_lines = {}
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            key_lines[str(key.value)] = key.start_mark.line + 2
    return data, key_lines, None, end + 1


def _suppressions(lines: list[str]) -> dict[int, set[str]]:
    suppressed: dict[int, set[str]] = {}
    block: set[str] = set()
    pending: set[str] = set()
    if not any("<!--" in line for line in lines):  # every directive is an HTML comment
        return suppressed
    for number, line in enumerate(lines, start=1):
        directives = list(_SUPPRESS.finditer(line)) if "<!--" in line else []
        if pending and line.strip() and not directives:
            suppressed.setdefault(number, set()).update(pending)
            pending = set()
        if block:
            suppressed.setdefault(number, set()).update(block)
        for match in directives:
            rules = {r.lower() for r in re.split(r"[\s,]+", match.group(2).strip()) if r} or {"*"}
            kind = match.group(1).lower()
            if kind == "disable-next-line":
                pending |= rules
            elif kind == "disable":
                block |= rules
            else:
                block -= rules if rules != {"*"} else block.copy()
    return suppressed


_QUOTE_DEPTH = {"blockquote_open": 1, "blockquote_close": -1}
_BLOCK_KINDS = {"heading_open": "heading", "th_open": "cell", "td_open": "cell", "paragraph_open": None}


def _walk_tokens(doc: Document, tokens: list, lines: list[str]) -> None:
    cursors: dict[int, int] = {}
    block_kind = "paragraph"
    quote_depth = 0
    for token in tokens:
        kind = token.type
        if kind in _QUOTE_DEPTH:
            quote_depth += _QUOTE_DEPTH[kind]
        elif kind in _BLOCK_KINDS:
            block_kind = _BLOCK_KINDS[kind] or ("quote" if quote_depth else "paragraph")
            if kind == "heading_open" and token.map:
                doc.sections.append(Section(int(token.tag[1]), "", token.map[0] + 1, 0))
        elif kind == "inline" and token.map:
            pieces = _locate(token.content, token.map[0], lines, cursors)
            if not pieces:
                continue
            segment = _segment(pieces, block_kind)
            doc.segments.append(segment)
            if block_kind == "heading" and doc.sections and not doc.sections[-1].title:
                last = doc.sections[-1]
                doc.sections[-1] = Section(last.level, _plain(segment.text), last.line, 0)
        elif kind in ("fence", "code_block") and token.map:
            doc.code_blocks.append(CodeBlock(token.map[0] + 1, token.map[1], token.info.strip(),
                                             token.content))
        elif kind == "html_block" and token.map:
            _html_block(doc, token, lines)


def _html_block(doc: Document, token, lines: list[str]) -> None:
    start, end = token.map
    pieces = [(n + 1, 0, lines[n]) for n in range(start, min(end, len(lines)))]
    if pieces:
        doc.segments.append(_segment(pieces, "html"))


def _locate(content: str, first_line: int, lines: list[str], cursors: dict[int, int]):
    """Find each line of an inline token's content in its source line, left to right."""
    pieces = []
    for i, piece in enumerate(content.split("\n")):
        number = first_line + i
        if number >= len(lines):
            break
        source = lines[number]
        start = source.find(piece, cursors.get(number, 0)) if piece else -1
        if start < 0:
            start = source.find(piece.strip(), cursors.get(number, 0)) if piece.strip() else -1
            piece = piece.strip()
        if start < 0:
            continue
        cursors[number] = start + len(piece)
        pieces.append((number + 1, start, piece))
    return pieces


def _segment(pieces: list[tuple[int, int, str]], kind: str) -> Segment:
    starts, numbers, cols, parts = [], [], [], []
    offset = 0
    for number, col, piece in pieces:
        starts.append(offset)
        numbers.append(number)
        cols.append(col)
        parts.append(piece)
        offset += len(piece) + 1
    return Segment("\n".join(parts), kind, starts, numbers, cols)


def _mask(raw: str) -> str:
    """Blank out code, URLs, e-mail addresses, HTML and link targets, keeping every offset."""
    if not _MAY_NEED_MASK.search(raw):
        return raw
    text = _blank_all(raw, html_comments(raw))
    text = _blank_all(text, code_spans(text))
    for pattern, skip in _MASKS:
        text = _blank_all(text, [(m.start() + skip, m.end()) for m in pattern.finditer(text)])
    return text


def html_comments(text: str) -> list[tuple[int, int]]:
    """Spans of "<!-- … -->", found with str.find: once one is unclosed, none after it closes."""
    spans, start = [], text.find("<!--")
    while start >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        spans.append((start, end + 3))
        start = text.find("<!--", end + 3)
    return spans


def code_spans(text: str) -> list[tuple[int, int]]:
    """CommonMark code spans: a run of backticks closed by the next run of the same length.

    One pass over the backtick runs, with a queue of positions per run length, so a text of
    unmatched backticks costs linear time (a backtracking pattern goes quadratic on it).
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    by_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    cursor = dict.fromkeys(by_length, 0)
    spans, i = [], 0
    while i < len(runs):
        start, end = runs[i]
        same, k = by_length[end - start], cursor[end - start]
        while k < len(same) and same[k] <= i:
            k += 1
        cursor[end - start] = k
        if k == len(same):
            i += 1  # no closer: the run is literal backticks
            continue
        spans.append((start, runs[same[k]][1]))
        i = same[k] + 1
    return spans


def _blank_all(text: str, spans: list[tuple[int, int]]) -> str:
    """Blank every span in one pass (spans come sorted and do not overlap)."""
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append("".join("\n" if c == "\n" else " " for c in text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _document_links(text: str, body_start: int, line_offsets: list[int]) -> list[Link]:
    """Every link target in the document outside front matter and HTML comments, with its line."""
    body = _blank_all(text, html_comments(text))
    first = line_offsets[body_start] if body_start < len(line_offsets) else len(text)
    links: list[Link] = []
    taken: set[int] = set()

    def line_of(offset: int) -> int:
        return bisect.bisect_right(line_offsets, offset)

    for match in _MD_LINK.finditer(body, first):
        links.append(Link(match.group(2).strip("<>"), match.group(1), line_of(match.start())))
        taken.add(match.start(2))
    for match in _HREF.finditer(body, first):
        links.append(Link(match.group(1), "", line_of(match.start())))
        taken.add(match.start(1))
    for match in _BARE_URL.finditer(body, first):
        if match.start() not in taken:
            links.append(Link(match.group(0).rstrip(".,;:"), "", line_of(match.start())))
    return links


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[*_#`]+", " ", text)).strip()


def _close_sections(doc: Document, total_lines: int) -> None:
    """Each section ends where the next heading of its level or higher begins: one pass with a
    stack of the sections still open, so a document of many headings costs linear time."""
    ends = [total_lines] * len(doc.sections)
    open_sections: list[int] = []
    for i, section in enumerate(doc.sections):
        while open_sections and doc.sections[open_sections[-1]].level >= section.level:
            ends[open_sections.pop()] = section.line - 1
        open_sections.append(i)
    doc.sections = [Section(s.level, s.title, s.line, end) for s, end in zip(doc.sections, ends, strict=True)]
