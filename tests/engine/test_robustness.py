"""Bad input gives a clear notice and the scan goes on; no input makes the scan raise."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.config import parse_config
from app.engine.scan import scan
from app.engine.snapshot import Snapshot
from tests.conftest import scan_files, write_tree

CLAIM = "Acme is an open-source model.\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_scan_never_raises_on_any_text(text):
    report = scan_files({"README.md": text, "MODEL_CARD.md": "---\n" + text, "LICENSE": text})
    for f in report.findings:
        assert 1 <= f.line <= f.end_line and f.column >= 1


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3000))
def test_scan_never_raises_on_any_bytes(data):
    scan_files({"README.md": data, "LICENSE": data, "pyproject.toml": data, "package.json": data})


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["open source", "open-sourced", "fully open", "[x](y)", "`", "**", "\n",
                                 "<!--", "-->", "---", "|", "# ", "> ", "not ", "model", "license", " "]),
                max_size=60))
def test_scan_never_raises_on_markdown_fragments(parts):
    text = "".join(parts)
    report = scan_files({"README.md": text})
    lines = text.replace("\r\n", "\n").split("\n")
    for f in report.findings:  # every span points at the words it reports
        if f.line == f.end_line:
            assert lines[f.line - 1][f.column - 1:f.end_column - 1] == f.text


def test_binary_file_is_skipped_with_a_notice():
    report = scan_files({"README.md": b"\x89PNG\r\n\x00\x00 open source model"})
    assert report.documents == [] and report.notices[0].message == "skipped: binary file (it holds a NUL byte)"


def test_non_utf8_is_read_with_a_notice():
    report = scan_files({"README.md": "Acme is an open-source model. Caf\xe9.\n".encode("latin-1")},
                        ("model.safetensors",))
    assert "not valid UTF-8" in report.notices[0].message
    assert report.findings, "the rest of the file is still checked"


def test_huge_file_is_skipped_above_the_limit(tmp_path):
    write_tree(tmp_path, {"MODEL_CARD.md": CLAIM, "README.md": ""})
    with open(tmp_path / "README.md", "wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # a 50 MB file
    report = scan(Snapshot.from_folder(tmp_path))
    assert any(n.path == "README.md" and "above the 4,000,000-byte limit" in n.message for n in report.notices)
    assert report.documents == ["MODEL_CARD.md"]


def test_size_limit_is_configurable(tmp_path):
    write_tree(tmp_path, {"README.md": CLAIM * 10})
    report = scan(Snapshot.from_folder(tmp_path), parse_config("max_file_bytes: 100\n"))
    assert report.documents == [] and "above the 100-byte limit" in report.notices[0].message


def test_symlink_leaving_the_root_is_not_followed(tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(CLAIM)
    repo = write_tree(tmp_path / "repo", {"MODEL_CARD.md": "# fine\n"})
    os.symlink(outside, repo / "README.md")
    report = scan(Snapshot.from_folder(repo))
    assert any("outside the repository" in n.message for n in report.notices)
    assert "README.md" not in report.documents


def test_malformed_front_matter_is_a_notice_and_the_text_is_still_read():
    report = scan_files({"README.md": "---\nlicense: [oops\n---\n" + CLAIM}, ("model.safetensors",))
    assert any(n.key == "front-matter" and n.line == 1 for n in report.notices)
    assert report.findings


def test_broken_manifests_are_ignored():
    report = scan_files({"README.md": "# x\n", "pyproject.toml": "[project\n", "package.json": "{",
                         "CITATION.cff": "license: [\n"})
    assert report.assessment.licenses == []


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))


def test_alias_bombs_in_front_matter_are_refused_with_a_notice():
    report = scan_files({"README.md": "---\n" + BOMB + "---\n# Acme\n"})
    assert any("expands to more than" in n.message for n in report.notices)


def test_alias_bombs_and_deep_nesting_in_the_config_are_errors():
    import pytest

    from app.engine.config import ConfigError
    with pytest.raises(ConfigError, match="expands to more than"):
        parse_config(BOMB)
    with pytest.raises(ConfigError, match="nested too deeply"):
        parse_config("[" * 5000 + "]" * 5000)


def test_deeply_nested_manifests_and_front_matter_do_not_crash():
    report = scan_files({"README.md": "---\nx: " + "[" * 5000 + "\n---\n# x\n", "package.json": "[" * 50000})
    assert any("nested too deeply" in n.message for n in report.notices)


HOSTILE_UNITS = ["[", "](", "](<", "`", "``", "<!--", "-->", "![", "<http:", "a@", "<a ", "<table>", "<tr>",
                 "| x |", "open source ", "开源", "we open-source Acme, the best open-source model. ", "\n",
                 "**", "www.", "_", "# "]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(HOSTILE_UNITS), st.integers(1, 400)), min_size=1, max_size=8))
def test_long_runs_of_hostile_pieces_scan_without_error(runs):
    text = "".join(unit * count for unit, count in runs)
    report = scan_files({"README.md": text}, ("model.safetensors",))
    for f in report.findings:
        assert 1 <= f.line <= f.end_line and f.column >= 1


def test_a_document_with_too_many_claims_is_reported_in_part():
    from app.engine.claims import MAX_CLAIMS_PER_DOCUMENT
    text = "Acme is an open-source model. " * (MAX_CLAIMS_PER_DOCUMENT + 50)
    report = scan_files({"README.md": text}, ("model.safetensors",))
    assert len(report.findings) == MAX_CLAIMS_PER_DOCUMENT
    assert any("claims only" in n.message for n in report.notices)


def test_a_path_whose_lower_case_is_longer_hides_no_licence_after_it():
    # "İ".lower() is two characters: offsets found in a lower-cased listing would point past
    # every later path, and a model's licence one folder down would be missed.
    from app.engine.reading import select_paths

    paths = ["README.md", "İ" * 30 + "/notes.txt", "model/LICENSE", "docs/x.txt", "sub/README.md"]
    chosen = select_paths(paths, parse_config(""))
    assert chosen.license_files == ["model/LICENSE"]
    assert chosen.card_candidates == ["sub/README.md"]
