"""Parsing Markdown: prose positions, what is not prose, front matter, suppression comments."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.markdown import parse_document


def prose(text: str) -> str:
    return " ".join(" ".join(s.text.split()) for s in parse_document("README.md", text).segments)


def test_inline_code_urls_and_link_targets_are_blanked():
    text = "See [our model](https://example.com/open-source) and `open source` or https://x.org/open-source."
    assert "open-source" not in prose(text).replace("open source", "")
    assert "our model" in prose(text)


def test_front_matter_is_evidence_not_prose():
    doc = parse_document("README.md", "---\nlicense: other\nlicense_name: llama3\n---\n# Hi\n")
    assert doc.front_matter == {"license": "other", "license_name": "llama3"}
    assert doc.front_matter_lines == {"license": 2, "license_name": 3}
    assert prose("---\nlicense: open source\n---\nHello\n") == "Hello"


def test_malformed_front_matter_is_reported():
    doc = parse_document("README.md", "---\nlicense: [unclosed\n---\nHello\n")
    assert doc.front_matter is None
    assert "not valid YAML" in doc.front_matter_error


def test_unclosed_front_matter_is_reported():
    doc = parse_document("README.md", "---\nlicense: mit\n\nHello\n")
    assert "never closed" in doc.front_matter_error


def test_links_are_collected_with_lines():
    doc = parse_document("README.md", "Intro\n\n[weights](https://huggingface.co/org/model)\n\n"
                                      '<a href="https://example.com/x">x</a>\n\n[ref]: https://example.org/r\n')
    hrefs = {(link.href, link.line) for link in doc.links}
    assert ("https://huggingface.co/org/model", 3) in hrefs
    assert ("https://example.com/x", 5) in hrefs
    assert ("https://example.org/r", 7) in hrefs


def test_sections_and_code_blocks():
    doc = parse_document("README.md", "# A\n\n## Training\n\n```bash\npython train.py\n```\n\n## Other\n")
    training = next(s for s in doc.sections if s.title == "Training")
    assert (training.line, training.end_line) == (3, 8)
    assert [b.content for b in doc.code_in(training)] == ["python train.py\n"]


def test_suppression_comments():
    text = ("<!-- openwashing-disable-next-line -->\nline two\nline three\n"
            "<!-- openwashing-disable OpenSourceClaim -->\nfive\nsix\n<!-- openwashing-enable -->\neight\n")
    doc = parse_document("README.md", text)
    assert doc.is_suppressed(2, "AnyRule")
    assert not doc.is_suppressed(3, "AnyRule")
    assert doc.is_suppressed(5, "OpenSourceClaim") and doc.is_suppressed(6, "opensourceclaim")
    assert not doc.is_suppressed(5, "FullyOpenClaim")
    assert not doc.is_suppressed(8, "OpenSourceClaim")


def test_crlf_line_endings_keep_positions():
    doc = parse_document("README.md", "Title\r\n\r\nAcme is open.\r\n")
    segment = doc.segments[-1]
    assert segment.position(0) == (3, 1)


def test_sections_end_where_the_next_heading_of_their_level_or_higher_begins():
    from hypothesis import given
    from hypothesis import strategies as st

    from app.engine.markdown import parse_document

    def quadratic(levels_and_lines, total):
        ends = []
        for i, (level, _line) in enumerate(levels_and_lines):
            later = [ln for lv, ln in levels_and_lines[i + 1:] if lv <= level]
            ends.append(later[0] - 1 if later else total)
        return ends

    @given(st.lists(st.integers(min_value=1, max_value=6), max_size=40))
    def check(levels):
        text = "\n\n".join(f"{'#' * level} Heading {n}\n\nText." for n, level in enumerate(levels))
        doc = parse_document("README.md", text)
        expected = quadratic([(s.level, s.line) for s in doc.sections], len(text.split("\n")))
        assert [s.end_line for s in doc.sections] == expected

    check()


def _plain_mask(raw: str) -> str:
    """The masking as first written: every pattern tried, every character blanked one by one
    (in a segment with something to mask at all: a "](" without a "[" is no link)."""
    from app.engine.markdown import _MASKS, _MAY_NEED_MASK, code_spans, html_comments

    if not _MAY_NEED_MASK.search(raw):
        return raw

    def blank(text, spans):
        for start, end in spans:
            text = text[:start] + "".join("\n" if c == "\n" else " " for c in text[start:end]) + text[end:]
        return text

    text = blank(raw, html_comments(raw))
    text = blank(text, code_spans(text))
    for pattern, skip, _needles in _MASKS:
        text = blank(text, [(m.start() + skip, m.end()) for m in pattern.finditer(text)])
    return text


MASK_PIECES = ["open source", " ", "\n", "`", "``", "[", "]", "(", ")", "![", "](", "][", "<", ">", "<b>", "</a>",
               "<!--", "-->", "@", "a@b.io", "http://x.y/z", "https://", "www.", "www.x.org", "mailto:", "x", "é"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(MASK_PIECES), max_size=30).map("".join))
def test_masking_skips_patterns_only_where_they_cannot_match(raw):
    from app.engine.markdown import _mask

    assert _mask(raw) == _plain_mask(raw)


def test_non_ascii_text_after_front_matter_is_read_where_it_is():
    # The parser's byte offsets are into the body, whose front matter lines are blank: the lines'
    # byte starts must be counted there too, or every block after a multi-byte character lands
    # bytes early (cells cut inside characters, front matter read as prose).
    text = "---\nlicense: mit\n---\n# 模型\n\n这是开源模型。\n\n| a | b |\n|---|---|\n| 开源 | x |\n"
    doc = parse_document("README.md", text)
    assert [(s.kind, s.lines[0], s.cols[0], s.raw) for s in doc.segments] == [
        ("heading", 4, 2, "模型"), ("paragraph", 6, 0, "这是开源模型。"), ("cell", 8, 2, "a"), ("cell", 8, 6, "b"),
        ("cell", 10, 2, "开源"), ("cell", 10, 7, "x")]
    assert [(s.level, s.title, s.line) for s in doc.sections] == [(1, "模型", 4)]
