"""Table cells and HTML blocks are read into segments only when a reader's words fall in them.

Differential (hypothesis): on generated Markdown, what a document with its blocks still unread
answers (segments_with, the first segments, the prose) is what the same document answers once
every block is read, for the readers' own patterns and for patterns at the prefilter's edges.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.artifacts import _compiled, _scan_links
from app.engine.markdown import parse_document
from app.engine.ruleset import default_ruleset
from app.engine.scan import _segment_patterns
from app.engine.subjects import Project
from tests.engine.test_parser_agreement import BLOCK, PIECES

RULESET = default_ruleset()
READERS = _segment_patterns(RULESET)
OTHERS = tuple(re.compile(p, re.I) for p in (r"open", r"llama|中文", r"x y", r"^open", r"open$", r"é",
                                               r"text|more", r"ſ?ource", r"w\]\(u"))
FRONT = st.sampled_from(["", "---\nlicense: mit\n---\n", "---\nbroken: [\n---\n"])
DOCUMENT = st.tuples(FRONT, st.lists(st.tuples(BLOCK, st.sampled_from(["\n", "", "\n\n"])), min_size=1, max_size=8),
                     st.lists(PIECES, max_size=20).map("".join)).map(
    lambda parts: parts[0] + "Intro\n\n" + "".join(b + gap for b, gap in parts[1]) + parts[2])


def seen(segments) -> list:
    return [(s.kind, tuple(s.lines), tuple(s.cols), s.raw) for s in segments]


@settings(max_examples=300, deadline=None)
@given(DOCUMENT, st.permutations(READERS + OTHERS))
def test_unread_blocks_give_the_answers_of_read_ones(text, patterns):
    every = parse_document("README.md", text).segments
    doc = parse_document("README.md", text)
    doc.expected = READERS
    for pattern in patterns:  # in any order: what one reader reads stays read for the next
        assert seen(doc.segments_with(pattern)) == seen(s for s in every if pattern.search(s.raw)), pattern
    assert seen(doc.segments) == seen(every)


@settings(max_examples=150, deadline=None)
@given(DOCUMENT, st.integers(0, 12))
def test_first_segments_and_prose_are_those_of_the_whole_document(text, count):
    every = parse_document("README.md", text).segments
    doc = parse_document("README.md", text)
    assert seen(doc.first_segments(count)) == seen(every[:count])
    prose = frozenset({"paragraph", "heading"})
    assert doc.prose(prose) == [s.raw for s in every if s.kind in prose]


def test_a_table_no_reader_looks_for_stays_unread():
    rows = "\n".join(f"| Reading | {n}.2 | {n}.9 |" for n in range(200))
    text = "# Acme\n\nAcme is an open-source model.\n\n| Task | Acme | Base |\n|---|---|---|\n" + rows + \
        "\n\n| Licence |\n|---|\n| Apache-2.0 open source |\n"
    doc = parse_document("README.md", text)
    doc.expected = READERS
    found = [s.raw for p in READERS for s in doc.segments_with(p)]
    assert "Acme is an open-source model." in found and "Apache-2.0 open source" in found
    unread = sum(type(b) is tuple for b in doc.blocks)
    assert unread >= 600  # the benchmark table's cells were never read
    assert len(doc.segments) == 2 + 3 + 600 + 2


def test_non_ascii_cells_after_front_matter_are_found_where_they_are():
    text = ("---\nlicense: other\n---\n# 模型\n\n| 名称 | 说明 |\n|---|---|\n"
            "| Acme | 完全开源的模型 |\n| İ | open ſource |\n")
    doc = parse_document("README.md", text)
    doc.expected = READERS
    hits = {s.raw: s.position(0) for p in READERS for s in doc.segments_with(p)}
    assert hits["完全开源的模型"] == (8, 10) and hits["open ſource"] == (9, 7)


# The link scan as it was written before its patterns were batched: every pattern searching every link.
def _scan_links_one_by_one(doc, p, project):
    from app.engine.artifacts import (
        Artifacts,
        _about_fine_tuning,
        _match,
        _own_or_unknown,
        _own_training_code,
        _training_data_link,
    )
    from app.engine.models import Evidence
    found, lines = Artifacts(), doc.text.split("\n")
    for link in doc.links:
        href = link.href.strip()
        if _match(p["weight_links"], href) and _own_or_unknown(project, href):
            found.add("weights", Evidence("model-page", f"link to a model page: {href}", doc.path, link.line, "medium"))
        elif link.text and _match(p["weight_link_texts"], link.text) and href.startswith("http"):
            found.add("weights", Evidence("weights-link", f"download link \"{link.text.strip()}\": {href}",
                                          doc.path, link.line, "medium"))
        if _match(p["data_links"], href) and _training_data_link(doc, lines, link.line, href, p, project):
            found.add("data", Evidence("dataset-page", f"link to a dataset: {href}", doc.path, link.line))
        if _match(p["paper_links"], href):
            found.add("paper", Evidence("paper", f"paper: {href}", doc.path, link.line))
        if _match(p["code_links"], href) and _own_training_code(doc, lines, link.line, href, p, project):
            if _about_fine_tuning(doc, lines, link.line, p):
                found.add("fine_tuning", Evidence("fine-tuning-elsewhere", f"fine-tuning recipes at {href}",
                                                  doc.path, link.line, "weak"))
            else:
                found.add("training_code", Evidence("training-code-elsewhere", f"training code at {href}", doc.path,
                                                    link.line, "medium"))
    return found


LINK_TEXTS = st.sampled_from(["weights", "Download", "paper", "the data", "", "checkpoint", "HF model"])
HREFS = st.sampled_from(["https://huggingface.co/acme/acme-7b", "https://huggingface.co/datasets/acme/pile",
                         "https://arxiv.org/abs/2401.00001", "https://github.com/acme/train", "LICENSE",
                         "https://example.com/x.safetensors", "https://github.com/other/repo", "#usage",
                         "https://HUGGINGFACE.CO/Acme/Big", "https://drive.google.com/file/d/1"])
LINK_LINES = st.lists(st.tuples(st.sampled_from(["## Training data", "## Download", "Trained with the code at", "See"]),
                                LINK_TEXTS, HREFS), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(LINK_LINES, st.sampled_from([Project(), Project(frozenset({"acme"}), frozenset({"acme"}))]))
def test_links_batched_find_what_each_link_searched_finds(lines, project):
    text = "\n\n".join(f"{lead}\n\n[{label}]({href}) and {href}" for lead, label, href in lines) + "\n"
    doc = parse_document("README.md", text)
    patterns = _compiled(RULESET)
    from app.engine.artifacts import Artifacts
    batched = Artifacts()
    _scan_links(batched, doc, patterns, project)
    assert batched == _scan_links_one_by_one(doc, patterns, project)
