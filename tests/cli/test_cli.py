"""The command line, run in-process: formats, exit codes, --fix, explain and rules."""

from __future__ import annotations

import json
import shutil

import pytest

from app.cli import main
from tests.conftest import APACHE_HEAD, EXAMPLE, write_tree
from tests.conftest import run_cli as run


@pytest.fixture
def example(tmp_path):
    target = tmp_path / "example"
    shutil.copytree(EXAMPLE, target)
    return target


def test_text_report_lists_findings_and_scorecard(capsys, example):
    code, out, _ = run(capsys, "scan", str(example))
    assert code == 1
    assert "README.md:13:14: error [FullyOpenClaim]" in out
    assert 'suggested wording: "a fully open-source" -> "an open-weights"' in out
    assert "verdict:   restricted-weights" in out and "Openness scorecard" in out


def test_json_report_has_the_documented_shape(capsys, example):
    code, out, _ = run(capsys, "scan", str(example), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["version"] == 1
    assert data["assessment"]["level"] == "restricted-weights" and data["assessment"]["osaid"] is False
    assert set(data["assessment"]["components"]) == {"code", "parameters", "data_information"}
    assert {"id", "applies_to", "path", "line"} <= set(data["assessment"]["licenses"][0])
    assert {"rule", "level", "path", "line", "column", "end_line", "end_column", "text", "message",
            "replacement"} <= set(data["findings"][0])


def test_sarif_report(capsys, example):
    _, out, _ = run(capsys, "scan", str(example), "--format", "sarif")
    log = json.loads(out)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    run_ = log["runs"][0]
    rule_ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    result = run_["results"][0]
    assert rule_ids[result["ruleIndex"]] == result["ruleId"] == "FullyOpenClaim"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (13, 14, 33)
    assert result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == "an open-weights"
    fingerprints = [r["partialFingerprints"]["openwashing/v1"] for r in run_["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_github_workflow_commands(capsys, example):
    _, out, _ = run(capsys, "scan", str(example), "--format", "github")
    first = out.splitlines()[0]
    assert first.startswith("::error file=README.md,line=13,endLine=13,col=14,endColumn=33,title=FullyOpenClaim::")
    assert "%0ASuggested wording" in first and "\n" not in first


def test_fail_on_levels(capsys, tmp_path):
    repo = write_tree(tmp_path, {"README.md": "Acme is an open-source model.\n", "LICENSE": APACHE_HEAD,
                                 "model.safetensors": "x"})
    assert run(capsys, "scan", str(repo))[0] == 0  # a warning does not fail by default
    assert run(capsys, "scan", str(repo), "--fail-on", "warning")[0] == 1
    assert run(capsys, "scan", str(repo), "--fail-on", "never")[0] == 0


def test_config_fail_on_applies_and_flag_wins(capsys, tmp_path):
    repo = write_tree(tmp_path, {"README.md": "Acme is an open-source model.\n", "LICENSE": APACHE_HEAD,
                                 "model.safetensors": "x", ".github/openwashing.yml": "fail_on: warning\n"})
    assert run(capsys, "scan", str(repo))[0] == 1
    assert run(capsys, "scan", str(repo), "--fail-on", "error")[0] == 0


def test_fix_rewrites_the_files(capsys, example):
    code, _, err = run(capsys, "scan", str(example), "--fix")
    readme = (example / "README.md").read_text()
    assert "Aurora-8B is an open-weights model for friendly" in readme
    assert "we release the weights of Aurora-8B so that" in readme
    assert "- An open-weights LLM you can run" in readme
    assert "outperforms other open-weights chat models" in readme
    assert "open-source libraries such as PyTorch" in readme, "mentions that are not claims stay"
    assert "rewrote 4 places" in err and code == 0


def test_bad_config_is_a_usage_error_naming_line_and_key(capsys, tmp_path):
    repo = write_tree(tmp_path, {"README.md": "x\n", ".github/openwashing.yml": "ignore: []\nfail_on: maybe\n"})
    code, _, err = run(capsys, "scan", str(repo))
    assert code == 2 and ".github/openwashing.yml:2: fail_on:" in err


def test_explicit_config_file(capsys, tmp_path, example):
    config = write_tree(tmp_path, {"ow.yml": "ignore: [OpenSourceClaim, FullyOpenClaim]\n"}) / "ow.yml"
    assert run(capsys, "scan", str(example), "--config", str(config))[0] == 0


def test_missing_path_is_a_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "scan", str(tmp_path / "nope"))
    assert code == 2 and "is not a folder" in err


def test_unknown_format_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["scan", ".", "--format", "xml"])
    assert raised.value.code == 2


def test_output_file(capsys, example, tmp_path):
    target = tmp_path / "report.json"
    run(capsys, "scan", str(example), "--format", "json", "--output", str(target))
    assert json.loads(target.read_text())["version"] == 1


@pytest.mark.parametrize(("identifier", "expected"), [
    ("OpenSourceClaim", "OpenSourceClaim (rule"),
    ("opensourceclaim", "OpenSourceClaim (rule"),
    ("Llama-3.1", "monthly-active-user cap"),
    ("llama3", "Meta Llama 3 Community License"),
    ("Apache-2.0", "OSI-approved: yes"),
    ("CC BY-NC 4.0", "non-commercial only"),
])
def test_explain(capsys, identifier, expected):
    code, out, _ = run(capsys, "explain", identifier)
    assert code == 0 and expected in out


def test_explain_unknown(capsys):
    code, _, err = run(capsys, "explain", "NoSuchThing")
    assert code == 2 and "openwashing rules" in err


def test_rules_lists_rules_and_licences(capsys):
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "OpenSourceClaim" in out and "Llama-3.1" in out and "Apache-2.0" in out


def test_manifest_page_posts_app_yml_to_github(capsys, monkeypatch):
    from tests.conftest import ROOT
    monkeypatch.chdir(ROOT)
    code, out, _ = run(capsys, "manifest", "--url", "https://ow.example.com/", "--org", "acme-ai")
    assert code == 0
    assert 'action="https://github.com/organizations/acme-ai/settings/apps/new"' in out
    assert "https://ow.example.com/api/github/webhooks" in out and "&quot;checks&quot;: &quot;write&quot;" in out


def _posted_manifest(page: str) -> dict:
    import html
    import re
    return json.loads(html.unescape(re.search(r'name="manifest" value="([^"]*)"', page).group(1)))


def test_manifest_registers_a_private_app_unless_asked(capsys, monkeypatch):
    from tests.conftest import ROOT
    monkeypatch.chdir(ROOT)
    _, private, _ = run(capsys, "manifest", "--url", "https://ow.example.com")
    _, public, _ = run(capsys, "manifest", "--url", "https://ow.example.com", "--public")
    assert _posted_manifest(private)["public"] is False and _posted_manifest(public)["public"] is True
