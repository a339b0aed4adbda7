"""Openness as data: the Model Openness Framework record validated with the Model Openness Tool's
own schema (vendored in tests/fixtures/mot), and the CycloneDX 1.6 ML-BOM validated with
cyclonedx-python-lib's JSON validator."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from app.cli import main
from app.engine.hub import HubPage, HubRef
from app.report import cyclonedx, mof
from tests.conftest import APACHE_HEAD, EXAMPLE, scan_files

MOT_SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "mot" / "mof_schema.json").read_text())
OPEN_RELEASE = {
    "README.md": "# Acme\n\nAcme-7B is an open-source model, trained on [the mix](https://huggingface.co/datasets/"
                 "acme/mix).\n\n## Evaluation\n\nScores on common benchmarks.\n\nPaper: "
                 "[report](https://arxiv.org/abs/2601.00001)\n",
    "LICENSE": APACHE_HEAD,
}
OPEN_PATHS = ("model.safetensors", "train.py", "modeling_acme.py", "data/prepare_dataset.py", "eval.py")


def valid_mot(record: dict) -> None:
    jsonschema.validate(record, MOT_SCHEMA, format_checker=jsonschema.FormatChecker())


def test_a_mof_record_follows_the_model_openness_tools_schema():
    record = mof.record(scan_files(OPEN_RELEASE, OPEN_PATHS), "acme-ai/acme", dt.date(2026, 12, 7))
    valid_mot(record)
    components = {c["name"]: c for c in record["release"]["components"]}
    assert [c["name"] for c in record["release"]["components"]] == [name for name, *_ in mof.COMPONENTS]
    assert components["Training code"] == {**components["Training code"], "license_name": "Apache-2.0",
                                           "location": "train.py", "license_path": "LICENSE"}
    assert components["Model parameters (Final)"]["license_name"] == "Apache-2.0"
    assert components["Datasets"]["location"] == "README.md:3"
    assert components["Research paper"]["license_name"] == mof.NOT_SPECIFIED
    assert components["Sample model outputs"]["license_name"] == mof.NOT_INCLUDED
    assert record["release"]["producer"] == "acme-ai" and record["release"]["date"] == "2026-12-07"


def test_a_restricted_licence_is_named_as_the_tool_records_it():
    record = mof.record(scan_files({"README.md": "# Acme\n", "LICENSE": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n"},
                                   ("model.safetensors",)), "acme")
    valid_mot(record)
    weights = next(c for c in record["release"]["components"] if c["name"] == "Model parameters (Final)")
    assert weights["license_name"] == "Llama 2 Community License Agreement" and weights["license_path"] == "LICENSE"


def test_the_command_writes_a_mof_file_that_round_trips(capsys, tmp_path):
    assert main(["scan", str(EXAMPLE), "--offline", "--format", "mof", "-o", str(tmp_path / "m.yml")]) == 1
    text = (tmp_path / "m.yml").read_text()
    assert text.startswith("# Model Openness Framework record") and "MOF class" in text
    valid_mot(yaml.safe_load(text))


def validate_bom(document: dict) -> None:
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document))
    assert errors is None, errors


def test_a_cyclonedx_ml_bom_is_valid_and_describes_the_model():
    document = cyclonedx.bom(scan_files(OPEN_RELEASE, OPEN_PATHS), "acme-ai/acme")
    validate_bom(document)
    model = document["metadata"]["component"]
    assert model["type"] == "machine-learning-model" and model["licenses"][0]["license"]["id"] == "Apache-2.0"
    [dataset] = document["components"]
    assert dataset["type"] == "data" and dataset["externalReferences"][0]["url"].endswith("/datasets/acme/mix")
    assert model["modelCard"]["modelParameters"]["datasets"] == [{"ref": dataset["bom-ref"]}]
    properties = {p["name"]: p["value"] for p in model["modelCard"]["properties"]}
    assert properties["openwashing:verdict"] == "open-source-ai"
    assert "training code (train.py)" in [p["value"] for p in model["modelCard"]["properties"]
                                          if p["name"] == "openwashing:training-code:evidence"]


class OneCard:
    """A hub source with one model page (the engine's side of the Hub, without HTTP)."""

    offline = None

    def __init__(self, pages: dict[str, HubPage]) -> None:
        self.pages = pages

    def fetch(self, refs):
        return {ref: self.pages[ref.repo_id] for ref in refs if ref.repo_id in self.pages}


def test_hub_pages_and_base_models_become_references_and_ancestors():
    page = HubPage(HubRef("model", "acme/acme-7b"), "a" * 40, "https://huggingface.co",
                   {"license": "llama3.1", "base_model": "meta-llama/Llama-3.1-8B"},
                   "---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\n---\n# Acme-7B\n",
                   None, ("model.safetensors",))
    readme = "# Acme\n\nAcme-7B: [weights](https://huggingface.co/acme/acme-7b).\n"
    report = scan_files({"README.md": readme}, hub=OneCard({"acme/acme-7b": page}))
    document = cyclonedx.bom(report, "acme/acme")
    validate_bom(document)
    model = document["metadata"]["component"]
    assert model["licenses"][0]["license"]["name"] == "Llama 3.1 Community License Agreement"
    assert {"type": "distribution", "url": "https://huggingface.co/acme/acme-7b",
            "comment": "the model's page on the Hugging Face Hub"} in model["externalReferences"]
    assert [a["name"] for a in model["pedigree"]["ancestors"]] == ["meta-llama/Llama-3.1-8B"]


@pytest.mark.parametrize("fmt", ["mof", "cyclonedx"])
def test_several_paths_give_one_document_each(capsys, tmp_path, fmt):
    other = tmp_path / "other"
    other.mkdir()
    (other / "README.md").write_text("# Other\n")
    main(["scan", str(EXAMPLE), str(other), "--offline", "--format", fmt])
    out = capsys.readouterr().out
    documents = list(yaml.safe_load_all(out)) if fmt == "mof" else json.loads(out)
    assert len(documents) == 2
