"""`openwashing scan hf://ORG/NAME[@REVISION]`: a Hub model judged without downloading weights,
in every format, beside a repository's scan that reads the Hub; --fix refused, offline refused."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli as run
from tests.hub.fake_hub import FakeRepo

SHA = "c" * 40
CARD = ("---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\ndatasets:\n  - acme/mix\n---\n"
        "# Acme-8B\n\nAcme-8B is a fully open-source model.\n")


@pytest.fixture
def acme_hub(hub, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("OPENWASHING_NO_CACHE", "1")
    hub.add(FakeRepo("model", "acme/acme-8b", SHA, {"license": "llama3.1", "base_model": "meta-llama/Llama-3.1-8B",
                                                    "datasets": ["acme/mix"]},
                     {"README.md": CARD, "USE_POLICY.md": "# Acme Acceptable Use Policy\n\nNo harm.\n"},
                     ("model-00001-of-00002.safetensors", "config.json")))
    hub.add(FakeRepo("model", "meta-llama/Llama-3.1-8B", "d" * 40, {"license": "llama3.1"},
                     {"README.md": "---\nlicense: llama3.1\n---\n# Llama\n"}, gated=True))
    hub.add(FakeRepo("dataset", "acme/mix", "e" * 40, {"license": "odc-by"}, {"README.md": "# Mix\n"}))
    return hub


def test_a_hub_model_is_judged_in_text_with_positions_in_its_card(capsys, acme_hub):
    code, out, _ = run(capsys, "scan", "hf://acme/acme-8b", "--color", "never")
    assert code == 1
    assert out.startswith("README.md:9:12:")  # the claim, at its place in the card
    assert "Llama 3.1 Community License Agreement" in out and "USE_POLICY.md" in out
    assert f"{acme_hub.url}/datasets/acme/mix" in out  # the dataset, read on the Hub and linked


def test_a_hub_model_in_json_and_sarif(capsys, acme_hub):
    _, out, _ = run(capsys, "scan", f"https://huggingface.co/acme/acme-8b/tree/{SHA}", "--format", "json")
    data = json.loads(out)
    assert data["assessment"]["level"] == "restricted-weights" and data["findings"][0]["path"] == "README.md"
    weights = data["assessment"]["components"]["parameters"]["evidence"]
    assert any(e["path"] == "model-00001-of-00002.safetensors" for e in weights)
    _, sarif, _ = run(capsys, "scan", f"hf://acme/acme-8b@{SHA}", "--format", "sarif")
    result = json.loads(sarif)["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "README.md"


def test_several_hub_ids_in_one_call(capsys, acme_hub):
    acme_hub.add(FakeRepo("model", "acme/tiny", "f" * 40, {"license": "apache-2.0"},
                          {"README.md": "---\nlicense: apache-2.0\n---\n# Tiny\n"}, ("model.safetensors",)))
    _, out, _ = run(capsys, "scan", "hf://acme/acme-8b", "hf://acme/tiny", "--format", "json")
    levels = [r["assessment"]["level"] for r in json.loads(out)["reports"]]
    assert levels == ["restricted-weights", "open-weights"]


def test_fix_is_refused_and_offline_says_why(capsys, acme_hub, monkeypatch):
    code, _, err = run(capsys, "scan", "hf://acme/acme-8b", "--fix")
    assert code == 2 and "nothing local to rewrite" in err
    code, _, err = run(capsys, "scan", "hf://acme/acme-8b", "--offline")
    assert code == 2 and "not consulted" in err
    code, _, err = run(capsys, "scan", "hf://acme/nothing-here")
    assert code == 2 and "not found" in err


def test_a_repository_scan_reads_its_models_pages_unless_offline(capsys, acme_hub, tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "README.md").write_text("# Acme\n\nAcme-8B is an open-source model: "
                                        "[weights](https://huggingface.co/acme/acme-8b).\n")
    _, out, _ = run(capsys, "scan", str(tmp_path), "--format", "json")
    data = json.loads(out)
    assert data["assessment"]["level"] == "restricted-weights"
    assert any(m["path"].startswith(f"{acme_hub.url}/acme/acme-8b/blob/{SHA}/") for m in data["assessment"]["licenses"])
    _, offline, _ = run(capsys, "scan", str(tmp_path), "--format", "json", "--offline")
    assert json.loads(offline)["assessment"]["level"] == "unknown"
    assert "not consulted (offline: --offline)" in json.loads(offline)["notices"][-1]["message"]
