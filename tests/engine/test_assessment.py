"""From repository contents to a verdict, and from claims to findings."""

from __future__ import annotations

from app.engine.config import parse_config
from app.engine.models import Level, Openness
from app.engine.scan import scan
from app.engine.snapshot import Snapshot
from tests.conftest import APACHE_HEAD, EXAMPLE, MIT_TEXT, scan_files

CLAIM = "# Acme\n\nAcme-7B is an open-source model for chat.\n"


def test_bundled_example_is_restricted_and_flagged():
    report = scan(Snapshot.from_folder(EXAMPLE))
    a = report.assessment
    assert a.level is Openness.RESTRICTED_WEIGHTS and not a.osaid
    assert {m.id for m in a.licenses} >= {"LicenseRef-unrecognised", "Llama-3.1", "Apache-2.0"}
    assert [f.rule for f in report.findings] == ["FullyOpenClaim"] + ["OpenSourceClaim"] * 3
    assert all(f.level is Level.ERROR for f in report.findings)
    assert "monthly-active-user cap" in report.findings[0].message


def test_restricted_weights_licence_gives_errors():
    report = scan_files({"README.md": CLAIM, "LICENSE": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n..."},
                        ("model.safetensors",))
    assert report.assessment.level is Openness.RESTRICTED_WEIGHTS
    [finding] = report.findings
    assert finding.level is Level.ERROR and finding.replacement == "open-weights"
    assert "Llama 2 Community License" in finding.message and "LICENSE:1" in finding.message


def test_open_weights_without_training_code_gives_warnings():
    report = scan_files({"README.md": CLAIM, "LICENSE": APACHE_HEAD}, ("model.safetensors",))
    assert report.assessment.level is Openness.OPEN_WEIGHTS
    [finding] = report.findings
    assert finding.level is Level.WARNING
    assert "training code is not published" in finding.message


def test_complete_release_appears_to_meet_osaid():
    files = {"README.md": CLAIM + "\n## Training data\n\nTrained on [the corpus](https://huggingface.co/datasets/org/corpus).\n",
             "LICENSE": APACHE_HEAD}
    report = scan_files(files, ("model.safetensors", "train.py", "configs/pretrain.yaml"))
    assert report.assessment.level is Openness.OPEN_SOURCE_AI and report.assessment.osaid
    assert report.findings == []


def test_no_weights_and_no_licence_is_unknown():
    report = scan_files({"README.md": CLAIM})
    assert report.assessment.level is Openness.UNKNOWN
    assert report.findings[0].level is Level.ERROR


def test_software_repository_may_call_itself_open_source():
    report = scan_files({"README.md": "# Tool\n\nOpen source, no telemetry.\n", "LICENSE": MIT_TEXT})
    assert report.findings == []
    assert not report.assessment.is_model


def test_front_matter_license_other_follows_license_name():
    card = "---\nlicense: other\nlicense_name: gemma\n---\n" + CLAIM
    report = scan_files({"README.md": card}, ("model.safetensors",))
    assert [m.id for m in report.assessment.licenses] == ["Gemma"]
    assert report.assessment.level is Openness.RESTRICTED_WEIGHTS


def test_front_matter_license_link_reads_the_file():
    card = "---\nlicense: other\nlicense_name: acme-license\nlicense_link: LICENSE\n---\n" + CLAIM
    text = "ACME LICENSE\n\nYou may use the model for non-commercial purposes only.\n"
    report = scan_files({"README.md": card, "LICENSE": text}, ("model.safetensors",))
    assert any("non-commercial" in [r.id for r in m.restrictions] for m in report.assessment.licenses)


def test_base_model_binds_a_fine_tune_that_says_apache():
    card = "---\nlicense: apache-2.0\nbase_model: meta-llama/Meta-Llama-3-8B\n---\n" + CLAIM
    report = scan_files({"README.md": card}, ("model.safetensors",))
    assert report.assessment.level is Openness.RESTRICTED_WEIGHTS
    assert "Llama-3" in {m.id for m in report.assessment.licenses}


def test_readme_statement_names_the_weights_licence():
    readme = CLAIM + "\n## License\n\nThe model weights are released under the CC BY-NC 4.0 license.\n"
    report = scan_files({"README.md": readme, "LICENSE": MIT_TEXT}, ("model.safetensors",))
    weights = [m for m in report.assessment.licenses if m.applies_to == "weights"]
    assert [m.id for m in weights] == ["CC-BY-NC-4.0"] and weights[0].line == 7
    assert report.assessment.level is Openness.RESTRICTED_WEIGHTS


def test_manifest_declares_the_code_licence():
    report = scan_files({"README.md": "# x\n", "pyproject.toml": '[project]\nname="x"\nlicense = "MIT"\n'})
    [match] = report.assessment.licenses
    assert (match.id, match.applies_to, match.path, match.line) == ("MIT", "code", "pyproject.toml", 3)


def test_licence_claim_is_checked_against_the_linked_licence():
    readme = "# Acme\n\nPlease comply with the [open-source license](MODEL_LICENSE).\n"
    files = {"README.md": readme, "LICENSE": APACHE_HEAD,
             "MODEL_LICENSE": "ACME MODEL LICENSE\n\nFor research purposes only.\n"}
    report = scan_files(files, ("model.safetensors",))
    [finding] = report.findings
    assert finding.rule == "OpenSourceLicenseClaim" and "ACME MODEL LICENSE" in finding.message


def test_declared_facts_fill_in_what_the_tree_cannot_show():
    config = parse_config("declared:\n  weights:\n    url: https://example.com/w\n    license: apache-2.0\n"
                          "  training_code: https://example.com/train\n"
                          "  data_information: https://example.com/datacard\n")
    report = scan_files({"README.md": CLAIM, "LICENSE": APACHE_HEAD}, config=config)
    assert report.assessment.osaid and report.findings == []


def test_config_ignore_and_levels():
    files = {"README.md": CLAIM, "LICENSE": APACHE_HEAD}
    assert scan_files(files, ("m.safetensors",), parse_config("ignore: [OpenSourceClaim]\n")).findings == []
    report = scan_files(files, ("m.safetensors",), parse_config("levels:\n  OpenSourceClaim: notice\n"))
    assert report.findings[0].level is Level.NOTICE


def test_exclude_keeps_a_document_out():
    config = parse_config("exclude: ['README.md']\n")
    assert scan_files({"README.md": CLAIM}, config=config).documents == []


def test_include_adds_documents():
    config = parse_config("include: ['docs/*.md']\n")
    report = scan_files({"README.md": "# x\n", "docs/intro.md": CLAIM}, config=config)
    assert "docs/intro.md" in report.documents and report.findings


def test_chinese_documents_are_checked_with_their_own_words():
    readme = "# Acme\n\n" + "Acme-7B 是一个开源的对话语言模型，我们发布了它的权重。" * 5 + "\n"
    report = scan_files({"README_CN.md": readme, "LICENSE": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n"},
                        ("model.safetensors",))
    assert {(f.text, f.replacement) for f in report.findings} == {("开源", "开放权重")}
    assert report.notices == []


def test_documents_in_languages_without_rules_are_noted_not_checked():
    readme = "# 모델\n\n" + "이것은 오픈 소스 모델이며 가중치를 공개합니다. " * 20 + "\nopen source model\n"
    report = scan_files({"README_KO.md": readme})
    assert report.findings == []
    assert any("not written in a language the rules read" in n.message for n in report.notices)


def test_front_matter_tags_are_evidence():
    card = ("---\ntags:\n  - license:llama3.1\n  - base_model:google/gemma-2-9b\n  - dataset:org/chat-mix\n---\n"
            + CLAIM)
    report = scan_files({"README.md": card}, ("model.safetensors",))
    assert {"Llama-3.1", "Gemma"} <= {m.id for m in report.assessment.licenses}
    assert any("org/chat-mix" in e.detail for e in report.assessment.components["data_information"].evidence)


def test_nested_readme_with_front_matter_is_a_model_card():
    card = "---\nlicense: llama3\n---\n# Acme-7B\n\nAcme-7B is an open-source model.\n"
    files = {"README.md": "# Monorepo\n", "models/acme-7b/README.md": card,
             "tools/cli/README.md": "# CLI\n\nAn open-source model runner.\n"}
    report = scan_files(files, ("models/acme-7b/model.safetensors",))
    assert "models/acme-7b/README.md" in report.documents and "tools/cli/README.md" not in report.documents
    assert [f.path for f in report.findings] == ["models/acme-7b/README.md"]
    assert "Llama-3" in {m.id for m in report.assessment.licenses}
