"""Markdown documents: prose with exact positions, links, sections, code blocks, front matter."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate

import pyromark

from app.engine import prefilter

# pulldown-cmark (through pyromark): CommonMark with GitHub's pipe tables, giving each block's
# byte range in the source. Block structure and ranges are all the engine takes from it; inline
# spans (code, links, HTML) are located by _mask.
_OPTIONS = pyromark.Options.ENABLE_TABLES

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
# Each with the offset its blank starts at and the literals without one of which it cannot match.
_MASKS = (
    (_IMAGE, 0, ("![",)), (_LINK_DEST, 1, ("](",)), (_HTML_TAG, 0, ("<",)), (_AUTOLINK, 0, ("<",)),
    (_BARE_URL, 0, ("http", "www.")), (_EMAIL, 0, ("@",)), (_REF_LABEL, 1, ("][",)),
)
_NOT_NEWLINE = re.compile(r"[^\n]")
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
    def sentence_spans(self) -> dict[str, list[tuple[int, int]]]:
        """Sentence spans by the pattern that ends a sentence (filled by claims.sentences)."""
        return {}

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
    # The blocks in order: a Segment, or a block not yet read into one (table cells and HTML
    # blocks, read when a reader asks: most are numbers and markup no rule looks at; a code
    # block's place, which holds no prose; a cell with no text, which stays as it is).
    blocks: list[Segment | Deferred]
    links: list[Link]
    sections: list[Section]
    code_blocks: list[CodeBlock]
    front_matter: dict | None
    front_matter_lines: dict[str, int]
    front_matter_error: str | None
    suppressed: dict[int, set[str]]  # line -> rule ids ("*" for all)
    line_offsets: list[int]
    cache: dict = field(default_factory=dict)  # what readers derive from the document once (tables)
    # The patterns readers will ask segments_with about: their required words are found once.
    expected: tuple[re.Pattern[str], ...] = ()
    source: _Offsets | None = None  # what the deferred blocks are read from (the source's lines)

    def offset(self, line: int, column: int) -> int:
        """Offset into `text` of a 1-based line and column."""
        return self.line_offsets[line - 1] + column - 1

    @property
    def segments(self) -> list[Segment]:
        """Every segment, in order (each deferred block read now)."""
        return [s for i in range(len(self.blocks)) if (s := self.block(i)) is not None]

    def first_segments(self, count: int) -> list[Segment]:
        """The first `count` segments, reading only the deferred blocks among them."""
        found: list[Segment] = []
        for i in range(len(self.blocks)):
            if len(found) == count:
                break
            if (segment := self.block(i)) is not None:
                found.append(segment)
        return found

    def prose(self, kinds: frozenset[str]) -> list[str]:
        """The raw text of the segments of these kinds (never deferred ones: cells and HTML)."""
        return [b.raw for b in self.blocks if type(b) is Segment and b.kind in kinds]

    def block(self, index: int) -> Segment | None:
        """The block at `index` as a segment, read now if it was deferred (None: no text)."""
        found = self.blocks[index]
        if type(found) is tuple:
            reader, start, end = found
            found = reader(self.source, start, end)
            if found is not None:  # an empty one stays deferred: its place is still needed
                self.blocks[index] = found
        return found

    def segments_with(self, pattern: re.Pattern[str] | None) -> list[Segment]:
        """The segments, in order, in whose raw text `pattern.search` finds something."""
        if pattern is None:
            return []
        key = ("segments_with", pattern)
        if key not in self.cache:
            if "prepared" not in self.cache:
                self.cache["prepared"] = self._prepare()
            found = [self.block(i) for i in prefilter.matching(self.cache["prepared"], pattern)]
            self.cache[key] = [s for s in found if s is not None]
        return self.cache[key]

    def _prepare(self) -> prefilter.Prepared:
        """The blocks' words found once. With deferred blocks, in the document's own text, each
        occurrence standing for the block it falls in (see prefilter.prepare_spans): a block whose
        source holds none of a pattern's words cannot hold them once read, so it is never read."""
        if self.source is None:  # plain text: every line was read already
            return self._prepare_read()
        starts = self._block_starts()
        if starts != sorted(starts):  # in C, one pass over a list that is in order
            return self._prepare_read()  # not in source order: the spans could not be told apart
        return prefilter.prepare_spans(self.text, starts, _BlockTexts(self), self.expected, self._prepare_read)

    def _prepare_read(self) -> prefilter.Prepared:
        """Every block read, and their texts joined, once (a deferred block with no text stays
        empty, so that indices are the same in both)."""
        if "prepared_read" not in self.cache:
            self.cache["prepared_read"] = prefilter.prepare(
                [s.raw if (s := self.block(i)) is not None else "" for i in range(len(self.blocks))], self.expected)
        return self.cache["prepared_read"]

    def _block_starts(self) -> list[int]:
        """For each block, the offset in `text` at or before which its text starts, after the
        block before it's (one loop: this runs for every block of the document). Where the
        parser's offsets are the text's, a deferred cell's or code block's range start is one;
        an HTML block's lines are read whole, from their first column."""
        starts: list[int] = []
        append, offsets, source = starts.append, self.line_offsets, self.source
        in_text, html = source.in_text, _html_segment
        for block in self.blocks:
            if type(block) is not tuple:
                append(offsets[block.lines[0] - 1] + block.cols[0])
            elif in_text and block[0] is not html:
                append(block[1])
            else:
                append(_deferred_start(source, *block))
        return starts

    def is_suppressed(self, line: int, rule: str) -> bool:
        rules = self.suppressed.get(line, ())
        return "*" in rules or rule.lower() in rules

    def code_in(self, section: Section) -> list[CodeBlock]:
        return [b for b in self.code_blocks if section.line < b.line <= section.end_line]


class _BlockTexts:
    """The raw text of each of a document's blocks, read when asked for ("" for no text)."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def __len__(self) -> int:
        return len(self.doc.blocks)

    def __getitem__(self, index: int) -> str:
        segment = self.doc.block(index)
        return "" if segment is None else segment.raw


def parse_document(path: str, text: str) -> Document:
    """Parse Markdown into prose segments with exact positions, plus everything around them."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    front, fm_lines, fm_error, body_start = _front_matter(lines)
    # What the parser reads: the text with the front matter's lines left blank.
    body_lines = [""] * body_start + lines[body_start:] if body_start else lines
    body = "\n".join(body_lines) if body_start else text
    doc = Document(
        path=path, text=text, blocks=[], links=[], sections=[], code_blocks=[],
        front_matter=front, front_matter_lines=fm_lines, front_matter_error=fm_error,
        suppressed=_suppressions(text), line_offsets=_line_offsets(lines),
    )
    offsets = _Offsets(body, body_lines, lines, doc.line_offsets)
    parsed = _spaced_delimiter_rows(body)
    reader = _BlockReader(doc, lines, offsets, None if parsed is body else body)
    reader.read(pyromark.events_with_range(parsed, options=_OPTIONS))
    _close_sections(doc, len(lines))
    doc.links = _document_links(text, body_start, doc.line_offsets) + _reference_links(body, offsets)
    return doc


def _reference_links(body: str, offsets: _Offsets) -> list[Link]:
    """Link reference definitions ("[label]: target"), which no inline link pattern sees."""
    if "]:" not in body:
        return []
    definitions = pyromark.reference_definitions(body, options=_OPTIONS).values()
    return [Link(d["dest"], "", offsets.line_col(d["span"]["start"])[0] + 1) for d in definitions]


def parse_plain(path: str, text: str) -> Document:
    """A plain-text document: every non-blank line is prose."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    doc = Document(path, text, [], [], [], [], None, {}, None, _suppressions(text), _line_offsets(lines))
    for number, line in enumerate(lines, start=1):
        if line.strip():
            doc.blocks.append(_segment([(number, 0, line)], "text"))
    doc.links = _document_links(text, 0, doc.line_offsets)
    return doc


def _line_offsets(lines: list[str]) -> list[int]:
    """Where each line starts: the running sum of the lines' lengths with their breaks, in C."""
    offsets = list(accumulate(map((1).__add__, map(len, lines)), initial=0))
    offsets.pop()  # the offset past the last line
    return offsets


def _front_matter(lines: list[str]) -> tuple[dict | None, dict[str, int], str | None, int]:
    if not lines or lines[0].strip() != "---":
        return None, {}, None, 0
    end = next((i for i in range(1, len(lines)) if _FRONT_MATTER_END.match(lines[i])), None)
    if end is None:
        return None, {}, "front matter opened with '---' is never closed", 0
    source = "\n".join(lines[1:end])
    import yaml  # only a document with front matter needs PyYAML (~5 ms of start-up without it)

    from app.engine import yamlsafe
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


def _suppressions(text: str) -> dict[int, set[str]]:
    suppressed: dict[int, set[str]] = {}
    block: set[str] = set()
    pending: set[str] = set()
    if "<!--" not in text:  # every directive is an HTML comment
        return suppressed
    for number, line in enumerate(text.split("\n"), start=1):
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


# Tags of pulldown-cmark events that open or close an inline span; every other tag is a block.
_INLINE_TAGS = frozenset({"Emphasis", "Strong", "Strikethrough", "Superscript", "Subscript", "Link", "Image"})
# Events that carry a piece of inline content (their range is where it is in the source).
_INLINE_EVENTS = frozenset({"Text", "Code", "InlineHtml", "InlineMath", "DisplayMath", "FootnoteReference"})
_SPACES = " \t"
_DELIMITER_ROW = re.compile(r"^([ \t]*)([|:-][|: \t-]*\t[|: \t-]*)$", re.M)


class _Offsets:
    """The parser's UTF-8 byte offsets as 0-based (line, character column) of the body."""

    def __init__(self, body: str, body_lines: list[str], lines: list[str], text_starts: list[int]) -> None:
        self.lines = lines  # of the document's text
        self.text_starts = text_starts  # where those lines start in the text
        self.ascii = body.isascii()
        self.in_text = self.ascii and body_lines is lines  # each offset is the same in the text
        # Counted in the body the parser reads (bytes, where front matter's lines are blank).
        self.starts = (text_starts if self.in_text else _line_offsets(body_lines) if self.ascii
                       else _byte_line_starts(body_lines))

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        column = offset - self.starts[line]
        if not self.ascii:
            column = len(self.lines[line].encode()[:column].decode(errors="ignore"))
        return line, column

    def line_of_end(self, start: int, end: int) -> int:
        """The line of a range's last character (a range ends past its line's break, or not)."""
        return self.line_col(max(start, end - 1))[0]


def _byte_line_starts(lines: list[str]) -> list[int]:
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line.encode()) + 1
    return starts


@dataclass
class _Prose:
    """A paragraph (or setext heading) being read: its range so far, and the offset of the first
    inline content after each line break, which is where that line's text starts."""

    kind: str
    start: int
    end: int
    line_starts: list[int] = field(default_factory=list)
    level: int = 0  # of a setext heading, whose range ends with its underline


class _BlockReader:
    """Turns pulldown-cmark's events (with source ranges) into the document's prose segments,
    sections and code blocks. Text in a tight list item has no paragraph event: its paragraph
    is gathered from its inline events and ends where a block starts or ends."""

    def __init__(self, doc: Document, lines: list[str], offsets: _Offsets, original: str | None) -> None:
        self.doc, self.lines, self.offsets = doc, lines, offsets
        doc.source = offsets
        # The source as written, when the parser was given a copy with tabs made spaces.
        self.original = original if original is None or offsets.ascii else original.encode()
        self.quote_depth = 0
        self.leaf_depth = 0  # open cells, ATX headings, HTML blocks: their inline events are theirs
        self.prose: _Prose | None = None
        self.implicit = False  # the open prose is a tight list item's text
        self.after_break = False
        self.code: list | None = None  # [line, end_line, info (None if indented), parts] of an open block

    def read(self, events) -> None:
        for event, span in events:
            if type(event) is str:
                self._marker(event, span)
                continue
            kind, value = event.popitem()
            if kind in _INLINE_EVENTS:
                # Most are inside a paragraph or cell whose range is already known; they matter
                # only after a line break, in a code block, or outside any block (a tight list
                # item's text).
                if self.after_break or self.implicit or self.code is not None or not (self.prose or self.leaf_depth):
                    self._inline(kind, value, span)
                continue
            tag = value if type(value) is str else next(iter(value))
            if tag == "TableCell":  # a third of all events in a typical model card
                if kind == "Start":
                    self._open_cell(span["start"], span["end"])
                else:
                    self.leaf_depth -= 1
            elif tag in _INLINE_TAGS:
                if kind == "Start" and (self.after_break or self.implicit or not (self.prose or self.leaf_depth)):
                    self._inline(tag, None, span)
            elif tag not in _OPENERS:  # tables, rows, lists, items: they only end a tight item's text
                if self.implicit:
                    self._flush()
            elif kind == "Start":
                self._start(tag, value, span)
            elif kind == "End":
                self._end(tag)
        self._flush()

    def _marker(self, event: str, span: dict) -> None:
        if event in ("SoftBreak", "HardBreak"):
            self._inline(event, None, span)
            self.after_break = self.prose is not None
        else:
            self._flush()

    def _inline(self, kind: str, value, span: dict) -> None:
        if self.code is not None:
            self.code[3].append(self._as_written(value, span) if kind == "Text" else "")
        elif self.prose is not None:
            if self.after_break:
                self.prose.line_starts.append(span["start"])
                self.after_break = False
            if self.implicit:
                self.prose.end = max(self.prose.end, span["end"])
        elif not self.leaf_depth:
            self.prose = _Prose(self._prose_kind(), span["start"], span["end"])
            self.implicit = True

    def _as_written(self, text: str, span: dict) -> str:
        if self.original is None:
            return text
        written = self.original[span["start"]:span["end"]]
        return written if type(written) is str else written.decode()

    def _start(self, tag: str, value, span: dict) -> None:
        self._flush()
        opener = _OPENERS.get(tag)
        if opener is not None:
            opener(self, value, span["start"], span["end"])

    def _end(self, tag: str) -> None:
        if tag in ("Paragraph", "Heading") and self.prose is not None and not self.implicit:
            self._emit(self.prose)
            self.prose = None
            return
        self._flush()
        if tag == "BlockQuote":
            self.quote_depth -= 1
        elif tag in _OPENERS:
            self.leaf_depth -= 1
            if tag == "CodeBlock" and self.code is not None:
                self._close_code(*self.code)

    def _flush(self) -> None:
        if self.implicit and self.prose is not None:
            self._emit(self.prose)
            self.prose, self.implicit = None, False

    def _prose_kind(self) -> str:
        return "quote" if self.quote_depth else "paragraph"

    def _close_code(self, line: int, end_line: int, info: str | None, parts: list[str]) -> None:
        content = "".join(parts)
        if info is None and content and not content.endswith("\n"):
            content += "\n"  # an indented block's last line is a whole line even at the end of a file
        self.doc.code_blocks.append(CodeBlock(line, end_line, info or "", content))
        self.code = None

    def _open_quote(self, _value, _start: int, _end: int) -> None:
        self.quote_depth += 1

    def _open_paragraph(self, _value, start: int, end: int) -> None:
        self.prose, self.implicit, self.after_break = _Prose(self._prose_kind(), start, end), False, False

    def _open_heading(self, value, start: int, end: int) -> None:
        level = int(value["Heading"]["level"][1])
        first, column = self.offsets.line_col(start)
        self.doc.sections.append(Section(level, "", first + 1, 0))
        if self.offsets.line_of_end(start, end) > first:  # setext: text lines over an underline
            self.prose, self.implicit, self.after_break = _Prose("heading", start, end, level=level), False, False
            return
        self.leaf_depth += 1  # ATX: "## Title ##", read from its line
        begin, stop = _atx_content(self.lines[first], column)
        if begin < stop:
            self._titled(self._add([(first + 1, begin, self.lines[first][begin:stop])], "heading"))

    def _open_cell(self, start: int, end: int) -> None:
        self.leaf_depth += 1
        self.doc.blocks.append((_cell_segment, start, end))

    def _open_code(self, value, start: int, end: int) -> None:
        self.leaf_depth += 1
        first, column = self.offsets.line_col(start)
        info = _fence_info(self.lines[first], column) if type(value["CodeBlock"]) is dict else None
        self.code = [first + 1, self.offsets.line_of_end(start, end) + 1, info, []]
        # A place among the blocks that holds no prose: words in the code are not the block's before.
        self.doc.blocks.append((_no_prose, start, end))

    def _open_html(self, _value, start: int, end: int) -> None:
        self.leaf_depth += 1
        self.doc.blocks.append((_html_segment, start, end))

    def _emit(self, prose: _Prose) -> None:
        first, column = self._text_start(prose.start)
        last = self.offsets.line_of_end(prose.start, prose.end) - (1 if prose.level else 0)
        starts = dict(self._text_start(offset) for offset in prose.line_starts)
        pieces = [(first + 1, column, self.lines[first][column:])]
        for number in range(first + 1, last + 1):
            line = self.lines[number]
            # A line with no inline content starting on it lies inside a code span or HTML that
            # began on an earlier line: its text starts after indentation and quote markers.
            indent = starts.get(number, len(line) - len(line.lstrip(_SPACES + ">")))
            pieces.append((number + 1, indent, line[indent:]))
        number, column, piece = pieces[-1]
        pieces[-1] = (number, column, piece.rstrip())
        segment = self._add([p for p in pieces if p[2]], prose.kind)
        if prose.level:
            self._titled(segment)

    def _text_start(self, offset: int) -> tuple[int, int]:
        """Line and column where text starts; the parser's text begins after a backslash escape."""
        line, column = self.offsets.line_col(offset)
        if column and self.lines[line][column - 1] == "\\":
            column -= 1
        return line, column

    def _titled(self, segment: Segment | None) -> None:
        if segment is not None:
            last = self.doc.sections[-1]
            self.doc.sections[-1] = Section(last.level, _plain(segment.text), last.line, 0)

    def _add(self, pieces: list[tuple[int, int, str]], kind: str) -> Segment | None:
        if not pieces:
            return None
        segment = _segment(pieces, kind)
        self.doc.blocks.append(segment)
        return segment


def _deferred_start(offsets: _Offsets, reader: Callable, start: int, _end: int) -> int:
    """Offset in the document's text at or before which a deferred block's text starts (a cell's
    text starts after its range's start, an HTML block's lines are read whole, a code block's
    place starts with its line)."""
    line, column = offsets.line_col(start)
    return offsets.text_starts[line] + (column if reader is _cell_segment else 0)


# A block not read yet: the function that reads it, and the parser's byte range of it. A tuple,
# not an object: a model card's tables make thousands, and most are never read.
Deferred = tuple[Callable, int, int]


def _no_prose(_offsets: _Offsets, _start: int, _end: int) -> None:
    """A code block's place among the blocks: read, it has no prose."""
    return None


def _cell_segment(offsets: _Offsets, start: int, end: int) -> Segment | None:
    line, begin = offsets.line_col(start)
    cell = offsets.lines[line][begin:_column_of(offsets, line, end)]
    text = cell.strip()
    if not text:
        return None
    column = begin + len(cell) - len(cell.lstrip())
    return Segment(text, "cell", [0], [line + 1], [column])


def _column_of(offsets: _Offsets, line: int, offset: int) -> int:
    if offsets.ascii:
        return min(offset - offsets.starts[line], len(offsets.lines[line]))
    found, column = offsets.line_col(offset)
    return column if found == line else len(offsets.lines[line])


def _html_segment(offsets: _Offsets, start: int, end: int) -> Segment:
    first = offsets.line_col(start)[0]
    last = offsets.line_of_end(start, end)
    while last > first and not offsets.lines[last].strip():
        last -= 1  # the blank line that ends the block is not part of it
    return _segment([(n + 1, 0, offsets.lines[n]) for n in range(first, last + 1)], "html")


_OPENERS = {
    "BlockQuote": _BlockReader._open_quote, "Paragraph": _BlockReader._open_paragraph,
    "Heading": _BlockReader._open_heading, "CodeBlock": _BlockReader._open_code,
    "HtmlBlock": _BlockReader._open_html,
}


def _spaced_delimiter_rows(body: str) -> str:
    """pulldown-cmark does not take a tab as the white space GFM allows around the dashes of a
    table's delimiter row ("|---\t|"), and reads the table as a paragraph. A tab inside such a row
    (never in its indentation, which decides code blocks) becomes a space: same length, so every
    offset stays exact, and nothing else a row of pipes, dashes and colons could be changes."""
    if "\t" not in body:
        return body
    return _DELIMITER_ROW.sub(lambda m: m.group(1) + m.group(2).replace("\t", " "), body)


def _atx_content(line: str, column: int) -> tuple[int, int]:
    """Columns of an ATX heading's text: after the opening #s, before a closing run of #s."""
    begin = column + len(line[column:]) - len(line[column:].lstrip("#"))
    begin += len(line[begin:]) - len(line[begin:].lstrip(_SPACES))
    stop = len(line.rstrip(_SPACES))
    closing = len(line[:stop].rstrip("#"))
    if closing < stop and (closing == begin or line[closing - 1] in _SPACES):
        stop = len(line[:closing].rstrip(_SPACES))
    text = line[begin:max(begin, stop)]
    return begin + len(text) - len(text.lstrip()), begin + len(text.rstrip())


def _fence_info(line: str, column: int) -> str:
    """A fence's info string as written: what follows the run of backticks or tildes."""
    rest = line[column:].lstrip(_SPACES)
    return rest.lstrip(rest[:1]).strip() if rest else ""


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
    for pattern, skip, needles in _MASKS:
        if any(needle in text for needle in needles):
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
        blanked = text[start:end]
        parts.append(_NOT_NEWLINE.sub(" ", blanked) if "\n" in blanked else " " * (end - start))
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
    for match in _HREF.finditer(body, first) if _may_have_attributes(body) else ():
        links.append(Link(match.group(1), "", line_of(match.start())))
        taken.add(match.start(1))
    for match in _BARE_URL.finditer(body, first):
        if match.start() not in taken:
            links.append(Link(match.group(0).rstrip(".,;:"), "", line_of(match.start())))
    return links


def _may_have_attributes(text: str) -> bool:
    """Whether _HREF could match: it spells its letters out, so "href" or "src" in some case is
    needed (lower-casing keeps "ſ", the one other letter it takes, as it is)."""
    folded = text.lower()
    return "href" in folded or "src" in folded or "ſrc" in folded


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
