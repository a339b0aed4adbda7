"""One pass over all segments gives the same answer as a search in each (differential, hypothesis)."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
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
         "开源", "协议", "オープンソース", "weight", "\x00", "x", "model", "the", "based on pile", "compile",
         "on the pile", "fine-tuned on redpajama", "É", "é", "Σ", "ς", "ß", "ẞ", "开源模型", "许可协议", "ライセンス",
         "\u212aelvin", "LİCENSE", "lıcense"]
segments = st.lists(st.lists(st.sampled_from(WORDS), max_size=12).map("".join), max_size=12)


@settings(max_examples=300, deadline=None)
@given(segments, st.sampled_from(REAL + EDGY))
def test_one_pass_finds_exactly_the_segments_a_search_in_each_finds(texts, pattern):
    expected = [i for i, text in enumerate(texts) if pattern.search(text)]
    assert prefilter.matching(prefilter.prepare(texts), pattern) == expected


@settings(max_examples=300, deadline=None)
@given(segments, st.sampled_from(REAL + EDGY))
def test_one_pass_of_every_expected_word_finds_the_same_segments(texts, pattern):
    # The words all readers' patterns require, found in one pass (the longest at each place,
    # words inside others read back from the text): the same answer as searching each segment.
    expected = [i for i, text in enumerate(texts) if pattern.search(text)]
    prepared = prefilter.prepare(texts, tuple(REAL + EDGY))
    assert prepared.found is not None
    assert prefilter.matching(prepared, pattern) == expected


def test_every_occurrence_includes_words_inside_and_across_others():
    text = "we compiled it; based on pile data"
    found = prefilter.every_occurrence(text, frozenset({"compile", "pile", "based on", "on pile"}))
    assert found == {"compile": [3], "pile": [6, 25], "based on": [16], "on pile": [22]}


def test_patterns_that_look_past_an_edge_are_recognised():
    assert all(prefilter.sees_past_edges(p) for p in EDGY)
    assert not any(prefilter.sees_past_edges(p) for p in REAL)  # the readers' own patterns get one pass


PATH_PARTS = ["src", "Train", "train.py", "TRAINING", "eval", "Model", "model-00001-of-00002.safetensors",
              "weights.GGUF", "data", "prepare_data.py", "README.md", "finetune_lora.py", "convert_to_hf.py",
              "paper.PDF", "download.sh", "x.bin", "pytorch_model.bin", "datasheet.md", "generate.py", "a",
              "TRAİN.py", "ſafetensors", "模型.safetensors", "évaluation", "EVAL_\u212a.py"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PATH_PARTS), min_size=1, max_size=4).map("/".join), max_size=30))
def test_the_path_index_finds_what_each_pattern_finds_in_each_path(paths):
    from app.engine.artifacts import _path_evidence, _PathIndex

    for _bucket, patterns, *_rest in _path_evidence(RULESET):
        expected = sorted({p for p in paths if any(re.search(pattern, p, re.I) for pattern in patterns)})
        assert _PathIndex(paths, patterns).matching(patterns) == expected


OVERLAPPING = ["rain", "train", "training", "ingest", "strain", "gest", "x", "TRAIN"]
# Shaped like the rules' path patterns: a pattern without a slash is about a file's name alone.
OVERLAPPING_PATTERNS = [r"(?:^|/)rain", r"train[^/]*$", "training_", r"ingest[^/]*\.py$", r"(?:^|/)gest",
                        "strain/", r"s?train\.py$"]
FILLER = [f"lib/part_{i}/file_{i}.c" for i in range(400)]  # makes the words rare enough to be used


@settings(max_examples=200, deadline=None)
@example(["x/strain/training_ingest.py", "rain/ingest_gest.py", "TRAIN/x_strain.py"])
@given(st.lists(st.lists(st.sampled_from(OVERLAPPING), min_size=1, max_size=5)
                .map(lambda parts: "/".join([*parts[:-1], "_".join(parts[-2:]) + ".py"])), max_size=20))
def test_one_pass_of_all_words_misses_no_word_inside_another(paths):
    # "train" inside "training", "rain" inside "train", "gest" inside "ingest": every occurrence
    # counts, so every path holding one must be a candidate.
    from app.engine.artifacts import _PathIndex

    tree = FILLER + paths
    index = _PathIndex(tree, OVERLAPPING_PATTERNS)
    for pattern in OVERLAPPING_PATTERNS:
        expected = sorted({p for p in tree if re.search(pattern, p, re.I)})
        assert index.matching([pattern]) == expected
    inside = "x/strain/training_ingest.py"  # the example: "train" is inside "strain/" and "training_"
    if inside in paths:
        line = index.lowered.find(inside)
        assert sum(line <= s < line + len(inside) for s in index._words_found().get("train", [])) == 2
        assert inside in index.matching([r"train[^/]*$"])


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
               "REF", "rc", "RC", "href", "src", "www.", "ww", "http://", "https://", "ttp://", ":/", "/", ".",
               "HrEf", "Src", "ſrc", "ſRC"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(LINK_PIECES), max_size=24).map("".join), st.sampled_from(sorted(PLAIN_LINK_PATTERNS)))
def test_link_patterns_match_as_the_plain_ones_do(text, name):
    def found(pattern: re.Pattern[str]) -> list:
        return [(m.span(), m.groups()) for m in pattern.finditer(text)]

    assert found(getattr(markdown, name)) == found(PLAIN_LINK_PATTERNS[name])
    if name == "_HREF" and found(markdown._HREF):  # the quick test that lets a document skip it
        assert markdown._may_have_attributes(text)


def test_a_path_pattern_that_can_match_a_folder_is_not_searched_in_names_alone():
    from app.engine.artifacts import _about_names, _PathIndex

    assert not _about_names(r"(?:^|/)checkpoints?")  # a folder as well as a file
    assert _about_names(r"(?:^|/)train[\w-]*\.py$")
    # The word is in every line, so the pattern itself is searched, not the word first.
    tree = [f"lib/x_checkpoint_{i}.c" for i in range(400)] + ["checkpoints/step_100/model.bin"]
    assert _PathIndex(tree, [r"(?:^|/)checkpoints?"]).matching([r"(?:^|/)checkpoints?"]) == \
        ["checkpoints/step_100/model.bin"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80) | st.lists(st.sampled_from(WORDS)).map(" ".join))
def test_latin_words_are_counted_alike_split_in_c_or_found_by_pattern(text):
    from collections import Counter

    from app.engine.languages import _LATIN, _word_counts

    assert _word_counts(text) == Counter(word.lower() for word in _LATIN.findall(text))


def test_each_alternative_is_filtered_by_its_rarest_words_counted_in_the_text():
    # Without the text, the alternative "fully/truly … open" would be filtered by "open" (the
    # longer words' set holds the short "100"); counted, "fully"/"truly"/"100" are rarer here.
    pattern = re.compile(r"(?:\b(?:fully|truly|100\s?%)[\s-]+open\b)|(?:\bfoss\b)", re.I)
    texts = [f"Please open an issue ({i})." for i in range(30)] + ["A fully open model.", "FOSS tools."]
    prepared = prefilter.prepare(texts, (pattern,))
    assert prefilter._branch_candidates(prepared, prefilter.alternatives(pattern), 0.5) == {30, 31}
    assert prefilter.matching(prepared, pattern) == [30, 31]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12).map("".join),
       st.sampled_from(REAL + EDGY + [t for rule in RULESET.claims for w in rule.wordings().values()
                                      for t in w.token_patterns]))
def test_a_text_said_to_lack_a_needed_word_has_no_match(text, pattern):
    folded = prefilter.fold(text)
    if prefilter.lacks_words(pattern, folded):
        assert pattern.search(text) is None


INTRODUCTIONS = [p for language in RULESET.languages.values() for p in language._introductions]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*WORDS, "`we release`", "[we](x)", "<b>meet</b>", "we", " release", "Meet"]),
                max_size=12).map("".join),
       st.sampled_from(REAL + EDGY + INTRODUCTIONS))
def test_a_raw_text_said_to_lack_a_needed_word_has_no_match_once_masked(raw, pattern):
    if prefilter.masked_lacks_words(pattern, prefilter.fold(raw)):
        assert pattern.search(markdown._mask(raw)) is None


def test_folding_keeps_one_character_for_each():
    # Offsets found in folded text are offsets in the text itself (the path index relies on it).
    every = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF)
    assert len(prefilter.fold(every)) == len(every)
