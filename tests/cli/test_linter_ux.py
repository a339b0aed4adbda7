"""What linter users expect: root-relative paths and config discovery, --quiet, colour, several
paths, standard input, --diff, clear errors, HTML and Markdown reports, loose `explain`."""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest

from tests.conftest import EXAMPLE
from tests.conftest import run_cli as run


@pytest.fixture
def monorepo(tmp_path):
    """A git repository whose model lives in a subfolder, with its configuration at the root."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(EXAMPLE, root / "models" / "aurora")
    (root / ".github").mkdir()
    (root / ".github" / "openwashing.yml").write_text("fail_on: never\n")
    return root


def test_a_subfolder_is_reported_with_paths_from_the_repository_root(capsys, monorepo, monkeypatch):
    monkeypatch.chdir(monorepo)
    code, out, _ = run(capsys, "scan", "models/aurora", "--format", "github")
    assert code == 0  # the root's configuration was found and applied (fail_on: never)
    assert "::error file=models/aurora/README.md,line=13," in out
    _, sarif, _ = run(capsys, "scan", "models/aurora", "--format", "sarif")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(sarif)["runs"][0]["results"]}
    assert uris == {"models/aurora/README.md"}
    _, text, _ = run(capsys, "scan", "models/aurora")
    assert "configuration: .github/openwashing.yml" in text
    _, data, _ = run(capsys, "scan", "models/aurora", "--format", "json")
    assert json.loads(data)["configuration"] == ".github/openwashing.yml"


def test_quiet_prints_the_findings_only(capsys, monorepo):
    _, out, _ = run(capsys, "scan", str(monorepo / "models" / "aurora"), "--quiet")
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines and all(re.match(r"models/aurora/README\.md:\d+:\d+: ", line) or
                         line.startswith("    suggested wording") for line in lines)
    assert "Openness scorecard" not in out


def test_colour_on_a_terminal_unless_no_color(capsys, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    _, coloured, _ = run(capsys, "scan", str(EXAMPLE))
    assert "\x1b[1;31merror\x1b[0m" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    _, plain, _ = run(capsys, "scan", str(EXAMPLE))
    assert "\x1b[" not in plain
    _, forced, _ = run(capsys, "scan", str(EXAMPLE), "--color", "always")
    assert "\x1b[" in forced


def test_colour_is_off_when_piped(capsys, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: False)
    assert "\x1b[" not in run(capsys, "scan", str(EXAMPLE))[1]


def test_repository_text_cannot_drive_the_terminal(capsys, tmp_path):
    """Control characters in what a repository names (clear screen, a forged colour, a carriage
    return) are shown as U+FFFD in the text report: colour stays ours alone."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "weights\x1b[2J\x1b[1;31m\rsrc.safetensors").write_bytes(b"x")
    (repo / "README.md").write_text("# Aurora\n\nAurora is an open-source model.\n")
    _, plain, _ = run(capsys, "scan", str(repo), "--fail-on", "never")
    assert "weights\ufffd[2J\ufffd[1;31m src.safetensors" in plain
    assert not any((ord(c) < 32 and c not in "\n\t") or 127 <= ord(c) < 160 for c in plain)
    _, coloured, _ = run(capsys, "scan", str(repo), "--fail-on", "never", "--color", "always")
    assert "\x1b[2J" not in coloured and "\x1b[1;31m" not in coloured.replace("\x1b[1;31merror\x1b[0m", "")


def test_a_path_with_a_line_break_is_not_read_and_says_so(capsys, tmp_path):
    """The tree is searched as a listing, a path per line: a name with a line break would read as
    two paths (here a weight file that does not exist). It is left out, with a notice."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "notes\nweights.safetensors").write_bytes(b"x")
    (repo / "README.md").write_text("# Aurora\n\nAurora is an open-source model.\n")
    code, out, _ = run(capsys, "scan", str(repo), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["assessment"]["components"]["parameters"]["present"] is False
    assert "1 path(s) with a line break in the name were not read" in [n["message"] for n in report["notices"]]
    _, text, _ = run(capsys, "scan", str(repo), "--fail-on", "never")
    assert "notes weights.safetensors: 1 path(s) with a line break" in text  # shown on one line


def test_several_paths_in_one_call(capsys, tmp_path):
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "README.md").write_text("# A parser\n\nA small parser.\n")
    code, out, _ = run(capsys, "scan", str(clean), str(EXAMPLE), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["version"] == 1
    assert [r["path"] for r in data["reports"]] == [str(clean), str(EXAMPLE)]
    assert [len(r["findings"]) > 0 for r in data["reports"]] == [False, True]
    _, sarif, _ = run(capsys, "scan", str(clean), str(EXAMPLE), "--format", "sarif")
    assert len(json.loads(sarif)["runs"]) == 2
    _, text, _ = run(capsys, "scan", str(clean), str(EXAMPLE))
    assert f"== {clean} ==" in text and f"== {EXAMPLE} ==" in text


def test_standard_input_is_read_as_a_file_of_the_repository(capsys, monkeypatch, tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "model")
    monkeypatch.chdir(tmp_path / "model")
    monkeypatch.setattr("sys.stdin", io.StringIO("# Aurora\n\nAurora is an open-source model.\n"))
    before = (tmp_path / "model" / "README.md").read_text()
    code, out, _ = run(capsys, "scan", "-", "--stdin-filename", "README.md", "--format", "json")
    [finding] = json.loads(out)["findings"]  # the buffer's claim, judged with the repository's licence
    assert code == 1 and (finding["path"], finding["line"]) == ("README.md", 3)
    assert "AURORA COMMUNITY MODEL LICENSE" in finding["message"]
    assert (tmp_path / "model" / "README.md").read_text() == before  # nothing was written


def test_diff_previews_the_fix_and_changes_nothing(capsys, tmp_path):
    target = tmp_path / "model"
    shutil.copytree(EXAMPLE, target)
    before = (target / "README.md").read_text()
    code, out, _ = run(capsys, "scan", str(target), "--diff")
    assert code == 1 and out.startswith("--- a/README.md\n+++ b/README.md\n")
    assert "-Aurora-7B is a fully open-source" in out or re.search(r"^-.*open-source", out, re.M)
    assert re.search(r"^\+.*open-weights", out, re.M)
    assert (target / "README.md").read_text() == before
    run(capsys, "scan", str(target), "--fix")
    code, out, _ = run(capsys, "scan", str(target), "--diff")
    assert (code, out) == (0, "")


def test_unwritable_output_is_a_clear_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "scan", str(EXAMPLE), "--output", str(tmp_path / "missing" / "report.txt"))
    assert code == 2 and "cannot write the report to" in err and "Traceback" not in err
    code, _, err = run(capsys, "scan", str(EXAMPLE), "--output", str(tmp_path))
    assert code == 2 and "cannot write the report to" in err


def test_fix_and_diff_together_are_refused(capsys):
    code, _, err = run(capsys, "scan", str(EXAMPLE), "--fix", "--diff")
    assert code == 2 and "--diff" in err


def test_html_report_is_one_self_contained_file(capsys, tmp_path):
    out_file = tmp_path / "report.html"
    run(capsys, "scan", str(EXAMPLE), "--format", "html", "--output", str(out_file))
    page = out_file.read_text()
    assert page.startswith("<!doctype html>") and "class=\"chart\"" in page and "Content-Security-Policy" in page
    assert "<script" not in page and not re.search(r'(src|href)="(?!https?://opensource\.org)[^"#]', page)
    assert "restricted" in page and "acceptable-use policy" in page


def test_markdown_report_for_the_job_summary(capsys):
    _, out, _ = run(capsys, "scan", str(EXAMPLE), "--format", "markdown")
    assert out.startswith("# openwashing: openwashed-model\n")
    assert "## Openness: `restricted-weights`" in out and "| Where | Level | Wording | Suggested |" in out


@pytest.mark.parametrize("spelling", ["Llama 3.1", "llama-3.1", "LLAMA_3_1", "llama3.1"])
def test_explain_matches_names_loosely(capsys, spelling):
    code, out, _ = run(capsys, "explain", spelling)
    assert code == 0 and out.startswith("Llama 3.1 Community License Agreement")


@pytest.mark.parametrize("empty", ["", "   "])
def test_explain_refuses_an_empty_id(capsys, empty):
    code, _, err = run(capsys, "explain", empty)
    assert code == 2 and "give a rule or licence" in err


def test_explain_never_shows_template_fields(capsys):
    _, out, _ = run(capsys, "explain", "OpenSourceClaim")
    assert "{" not in out and "<the words found>" in out


def test_an_unknown_setting_is_named_with_the_settings_allowed_there(capsys, tmp_path):
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "openwashing.yml").write_text("declared:\n  weights:\n    licence: MIT\n")
    code, _, err = run(capsys, "scan", str(tmp_path))
    assert code == 2 and "declared.weights.licence: not a setting here; the settings are license, url" in err
    assert "Extra inputs" not in err


def test_version_is_answered_before_the_engine_or_argparse_is_imported():
    import subprocess
    import sys
    code = ("import sys; from app.cli import main; main(['--version']); "
            "print(sorted(m for m in ('argparse', 'pydantic', 'yaml', 'app.engine.scan') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["openwashing 0.1.0", "[]"]


def test_o_is_short_for_output_and_verbose_lists_every_clause(capsys, tmp_path):
    target = tmp_path / "report.txt"
    code, out, _ = run(capsys, "scan", str(EXAMPLE), "-o", str(target))
    assert code == 1 and out == "" and "Openness scorecard" in target.read_text()
    _, short, _ = run(capsys, "scan", str(EXAMPLE))
    _, verbose, _ = run(capsys, "scan", str(EXAMPLE), "-v")
    assert "fails on:" in short and "fails: revocable - " in verbose
    assert len(verbose.splitlines()) > len(short.splitlines())


def test_every_configuration_mistake_is_reported_at_once(capsys, tmp_path):
    config = tmp_path / "openwashing.yml"
    config.write_text("fail_on: sometimes\nignore:\n  - NoSuchRule\nmax_file_bytes: -1\n")
    code, _, err = run(capsys, "scan", str(EXAMPLE), "--config", str(config))
    assert code == 2 and "has 3 problems" in err
    for where in (":1: fail_on:", ":3: ignore.0:", ":4: max_file_bytes:"):
        assert where in err, err


def test_quiet_keeps_each_repository_header_when_several_are_scanned(capsys, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(EXAMPLE, other)
    _, out, _ = run(capsys, "scan", str(EXAMPLE), str(other), "--quiet")
    assert f"== {EXAMPLE} ==" in out and f"== {other} ==" in out
    assert "Openness scorecard" not in out


def test_piped_text_takes_the_place_of_its_file_and_only_its_findings_are_reported(capsys, monkeypatch, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(EXAMPLE, model)
    monkeypatch.chdir(model)
    monkeypatch.setattr("sys.stdin", io.StringIO("# Notes\n\nWe open-sourced Aurora-8B.\n"))
    code, out, _ = run(capsys, "scan", "-", "--stdin-filename", "docs/notes.md", "--format", "json")
    data = json.loads(out)
    assert code == 1 and [(f["path"], f["line"]) for f in data["findings"]] == [("docs/notes.md", 3)]
    assert "docs/notes.md" in data["documents"] and "README.md" in data["documents"]  # the rest stays evidence
    assert data["assessment"]["level"] == "restricted-weights"


def test_piped_text_without_a_name_leaves_the_readme_in_place(capsys, monkeypatch, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(EXAMPLE, model)
    monkeypatch.chdir(model)
    _, alone, _ = run(capsys, "scan", ".", "--format", "json")
    monkeypatch.setattr("sys.stdin", io.StringIO("Nothing to see here.\n"))
    _, piped, _ = run(capsys, "scan", "-", "--format", "json")
    assert json.loads(piped)["assessment"]["level"] == json.loads(alone)["assessment"]["level"]
    assert json.loads(piped)["findings"] == []
