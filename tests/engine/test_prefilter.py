"""One pass over all segments gives the same answer as a search in each (differential, hypothesis)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import markdown, prefilter
from app.engine.artifacts import _compiled
from app.engine.claims import _any_token
from app.engine.license_statements import _MAY_STATE_TERMS
from app.engine.ruleset import default_ruleset

RULESET = default_ruleset()
REAL = [_any_token(RULESET), _MAY_STATE_TERMS, RULESET.artifacts.licensing.compiled("based_on"),
        *(p for key, p in _compiled(RULESET).items() if key in ("datasets", "data_context", "weight_phrases",
                                                                  "intermediate") and p is not None)]
EDGY = [re.compile(p, re.I) for p in (r"^open", r"source$", r"(?m)^open", r"open(?!.)", r"(?<!\S)open",
                                      r"open(?![^x]*source)", r"\Aopen", r"open\Z", r"weights?(?!\W)")]
WORDS = ["OPEN", "Source", "İ", "ı", "ſ", "\u212a", "PİLE", "pile", "open", "source", "redpajama",
         "REDPAJAMA", "open-source", "weights", " ", "\n", "-", ".", "%", "100", "fully", "licence",
         "license", "Apache 2.0", "released under", "based on", "Llama 2", "trained on", "dataset", "checkpoints",
         "开源", "协议", "オープンソース", "weight", "\x00", "x", "model", "the"]
segments = st.lists(st.lists(st.sampled_from(WORDS), max_size=12).map("".join), max_size=12)


@settings(max_examples=300, deadline=None)
@given(segments, st.sampled_from(REAL + EDGY))
def test_one_pass_finds_exactly_the_segments_a_search_in_each_finds(texts, pattern):
    expected = [i for i, text in enumerate(texts) if pattern.search(text)]
    assert prefilter.matching(prefilter.prepare(texts), pattern) == expected


def test_patterns_that_look_past_an_edge_are_recognised():
    assert all(prefilter.sees_past_edges(p) for p in EDGY)
    assert not any(prefilter.sees_past_edges(p) for p in REAL)  # the readers' own patterns get one pass


PATH_PARTS = ["src", "Train", "train.py", "TRAINING", "eval", "Model", "model-00001-of-00002.safetensors",
              "weights.GGUF", "data", "prepare_data.py", "README.md", "finetune_lora.py", "convert_to_hf.py",
              "paper.PDF", "download.sh", "x.bin", "pytorch_model.bin", "datasheet.md", "generate.py", "a"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PATH_PARTS), min_size=1, max_size=4).map("/".join), max_size=30))
def test_the_path_index_finds_what_each_pattern_finds_in_each_path(paths):
    from app.engine.artifacts import _path_evidence, _PathIndex

    for _bucket, patterns, *_rest in _path_evidence(RULESET):
        expected = sorted({p for p in paths if any(re.search(pattern, p, re.I) for pattern in patterns)})
        assert _PathIndex(paths).matching(patterns) == expected


BLOCKS = ["# Acme-7B", "Acme-7B is an open-source model.", "We thank the open-source community.",
          "The weights are released under the Llama 2 Community License.", "| Model | License |\n|---|---|\n"
          "| Acme-7B | Apache-2.0 |", "- fully open source\n  and free", "```\nopen source\n```",
          "<div>\nAcme is 100% open source\n\n</div>", "> Acme is open source.", "Trained on RedPajama and the Pile.",
          "Fine-tuned from Llama-2-7b.", "Download the weights from [the hub](https://huggingface.co/acme/acme-7b).",
          "Intermediate checkpoints are released.", "Acme 是开源模型。", "Acme はオープンソースです。",
          "İ ı ſ \u212a open SOURCE", "Licensed under CC-BY-NC-4.0."]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=14))
def test_scans_are_identical_with_the_prefilter_and_with_a_search_of_every_segment(blocks):
    from app.engine.markdown import Document
    from app.engine.scan import scan
    from app.engine.snapshot import Snapshot
    from app.report.jsonfmt import as_dict

    files = {"README.md": "\n\n".join(blocks) + "\n", "LICENSE": "MIT License\n\nPermission is hereby granted"}
    snapshot = Snapshot.from_mapping(files, ["model.safetensors"])
    fast = as_dict(scan(snapshot))
    original = Document.segments_with
    try:
        Document.segments_with = lambda self, p: [s for s in self.segments if p is not None and p.search(s.raw)]
        plain = as_dict(scan(snapshot))
    finally:
        Document.segments_with = original
    assert fast == plain


# The link patterns' word boundary, moved after the first letter so the engine can skip ahead:
# the same matches as the plain patterns, on text built from the pieces that could tell them apart.
PLAIN_LINK_PATTERNS = {
    "_HREF": re.compile(r"""\b(?:href|src)\s{0,16}=\s{0,16}["']([^"'\n]{1,2048})["']""", re.I),
    "_BARE_URL": re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]]{1,2048}"),
}
LINK_PIECES = ["h", "H", "s", "S", "ſ", "K", "İ", "ı", "_", "é", "1", " ", "\n", "<", "=", "'", '"', "x", "ref",
               "REF", "rc", "RC", "href", "src", "www.", "ww", "http://", "https://", "ttp://", ":/", "/", "."]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(LINK_PIECES), max_size=24).map("".join), st.sampled_from(sorted(PLAIN_LINK_PATTERNS)))
def test_link_patterns_match_as_the_plain_ones_do(text, name):
    def found(pattern: re.Pattern[str]) -> list:
        return [(m.span(), m.groups()) for m in pattern.finditer(text)]

    assert found(getattr(markdown, name)) == found(PLAIN_LINK_PATTERNS[name])
