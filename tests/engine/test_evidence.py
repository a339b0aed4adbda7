"""Which licence governs the weights, several models in one repository, and what counts as evidence."""

from __future__ import annotations

from app.engine import licenses as lic
from app.engine.models import Openness
from app.engine.scan import scan
from app.engine.snapshot import Snapshot
from tests.conftest import APACHE_HEAD, MIT_TEXT, scan_files

CLAIM = "# Acme\n\nAcme-7B is an open-source model for chat.\n"
NC_LICENSE = "ACME MODEL LICENSE\n\nYou may use the model for non-commercial purposes only.\n"


def named(name: str, files: dict, extra: tuple = ()):
    snapshot = Snapshot.from_mapping(files, extra)
    snapshot.name = name
    return scan(snapshot)


def weights_ids(report) -> set[str]:
    from app.engine.models import governing_terms
    return {m.id for m in governing_terms(report.assessment.licenses)}


# --- which licence governs the weights --------------------------------------------------------


def test_a_news_item_does_not_beat_the_current_licence():
    readme = (CLAIM + "\n## News\n\n- 2024/01/17: the licence was updated to the CC BY-NC 4.0 license.\n\n"
              "## License\n\nThe code and the model weights are distributed under the Apache 2.0 license.\n")
    report = scan_files({"README.md": readme, "LICENSE": APACHE_HEAD}, ("model.safetensors",))
    assert weights_ids(report) == {"Apache-2.0"}
    assert report.assessment.level is Openness.OPEN_WEIGHTS


def test_a_news_item_counts_when_nothing_else_says_anything():
    readme = CLAIM + "\n- 2024/01/17: the weights are now under the CC BY-NC 4.0 license.\n"
    report = scan_files({"README.md": readme}, ("model.safetensors",))
    assert weights_ids(report) == {"CC-BY-NC-4.0"}


def test_a_model_licence_link_to_a_hub_page_is_not_the_repository_licence():
    readme = CLAIM + "\nUse of the model weights is governed by the [Model License](https://huggingface.co/acme/acme-7b/blob/main/LICENSE).\n"
    report = scan_files({"README.md": readme, "LICENSE": APACHE_HEAD}, ("model.safetensors",))
    [terms] = [m for m in report.assessment.licenses if m.applies_to == "weights"]
    assert "not in the repository" in terms.name
    assert report.assessment.level is Openness.UNKNOWN and not report.assessment.osaid
    assert "cannot be determined" in report.findings[0].message


def test_a_code_licence_never_covers_the_weights():
    report = scan_files({"README.md": CLAIM, "LICENSE-CODE": MIT_TEXT}, ("model.safetensors",))
    assert report.assessment.level is Openness.UNKNOWN
    assert report.assessment.reasons == ["the weights licence is not stated in the repository"]
    assert "not stated in the repository" in report.findings[0].message


def test_the_repository_licence_covers_weights_with_a_caveat():
    report = scan_files({"README.md": CLAIM, "LICENSE": APACHE_HEAD}, ("model.safetensors",))
    assert report.assessment.weights_basis == "repository"
    assert any("taken to cover them" in c for c in report.assessment.caveats)


def test_licence_files_of_models_in_subfolders_are_read():
    files = {"README.md": CLAIM, "LICENSE": APACHE_HEAD, "model_licenses/LICENSE-acme-7b": NC_LICENSE,
             "models/acme-70b/USE_POLICY.md": "# Acme Acceptable Use Policy\n\nYou agree not to use the model "
                                              "for military purposes.\n",
             "third_party/vendored/LICENSE": MIT_TEXT}
    report = scan_files(files, ("model.safetensors",))
    paths = {m.path for m in report.assessment.licenses}
    assert {"model_licenses/LICENSE-acme-7b", "models/acme-70b/USE_POLICY.md"} <= paths
    assert "third_party/vendored/LICENSE" not in paths
    assert report.assessment.level is Openness.RESTRICTED_WEIGHTS


def test_a_pointer_file_is_not_a_custom_licence():
    files = {"README.md": CLAIM, "LICENSE": "Please refer to license: https://example.com/acme/LICENSE\n"}
    report = scan_files(files, ("model.safetensors",))
    [terms] = report.assessment.licenses
    assert terms.name == "the licence at https://example.com/acme/LICENSE (not in the repository)"
    assert report.assessment.level is Openness.UNKNOWN


def test_a_licence_file_that_bundles_another_licence_reports_both(ruleset):
    text = APACHE_HEAD + "\n" * 10 + "Some files are under another licence.\n\nMIT License\n\n" + MIT_TEXT
    ids = [m.id for m in scan_files({"README.md": "# x\n", "LICENSE": text}).assessment.licenses]
    assert ids == ["Apache-2.0", "MIT"]


def test_a_specific_licence_beats_its_generic_family(ruleset):
    text = ("CreativeML Open RAIL++-M License\ndated November 24, 2022\n\nUse-based restrictions as set out in "
            "Attachment A. RAIL.\n")
    assert lic.identify_text(text, ruleset).id == "CreativeML-OpenRAIL++-M"


def test_a_use_policy_is_named_for_the_licence_it_serves():
    policy = "# Llama 3.1 Acceptable Use Policy\n\nYou agree not to use the model to harm people.\n"
    report = scan_files({"README.md": CLAIM, "USE_POLICY.md": policy}, ("model.safetensors",))
    [terms] = report.assessment.licenses
    assert terms.id == "LicenseRef-Llama-3.1-use-policy" and terms.binding
    assert terms.name == "Llama 3.1 Acceptable Use Policy"


def test_base_models_are_followed_through_the_repository():
    top = "---\nlicense: apache-2.0\nbase_model: acme/acme-base-7b\n---\n# Acme-Chat\n\nAcme-Chat is a chat model.\n"
    middle = "---\nmodel_name: acme-base-7b\nbase_model: meta-llama/Llama-2-7b-hf\n---\n# Acme-Base\n"
    report = scan_files({"README.md": top, "acme-base-7b/README.md": middle}, ("model.safetensors",))
    assert "Llama-2" in weights_ids(report)
    report = scan_files({"README.md": CLAIM + "\nAcme-Chat-7B is tuned from Acme-Base-7B. Acme-Base-7B is based "
                                              "on Llama 2.\n", "LICENSE": APACHE_HEAD}, ("model.safetensors",))
    assert "Llama-2" in weights_ids(report)


def test_checkpoints_bound_by_their_base_models_licences_cannot_be_shown_open():
    readme = CLAIM + ("\nThe checkpoints are subject to the licenses of their base language models.\n")
    report = scan_files({"README.md": readme, "LICENSE": APACHE_HEAD}, ("model.safetensors", "train.py"))
    assert not report.assessment.osaid
    assert any("base models" in c for c in report.assessment.caveats)


# --- several models in one repository -----------------------------------------------------------


FAMILY_README = """# Acme

| Model | Hub | License |
|---|---|---|
| Acme-Small | https://huggingface.co/acme/acme-small | [Apache 2.0](model_licenses/LICENSE-small) |
| Acme-Large | https://huggingface.co/acme/acme-large | [Acme Model License](model_licenses/LICENSE-large) |

Acme-Small is an open-source model.

Acme-Large is an open-source model.
"""


def test_each_family_gets_its_own_terms_and_claims_are_judged_by_them():
    files = {"README.md": FAMILY_README, "LICENSE": APACHE_HEAD, "model_licenses/LICENSE-small": APACHE_HEAD,
             "model_licenses/LICENSE-large": NC_LICENSE}
    report = named("acme/acme", files, ("model.safetensors",))
    families = {f.name: f.open_terms for f in report.assessment.families}
    assert families == {"Acme-Small": True, "Acme-Large": False}
    assert report.assessment.level is Openness.RESTRICTED_WEIGHTS
    levels = {f.line: f.level.value for f in report.findings}
    assert levels == {8: "warning", 10: "error"}


# --- what counts as evidence ----------------------------------------------------------------------


def test_fine_tuning_scripts_are_not_training_code():
    report = scan_files({"README.md": CLAIM, "LICENSE": APACHE_HEAD},
                        ("model.safetensors", "finetune/finetune_acme.py", "scripts/sft_lora.sh"))
    code = report.assessment.components["code"]
    assert not code.present and code.summary.startswith("fine-tuning code only")


def test_examples_tests_and_fixtures_are_not_releases():
    report = scan_files({"README.md": "# x\n", "LICENSE": APACHE_HEAD},
                        ("test_fixtures/tiny.safetensors", "examples/train.py", "tutorials/train_toy.py"))
    assert not report.assessment.is_model
    assert not report.assessment.components["code"].present


def test_tutorial_datasets_are_not_the_models_training_data():
    readme = CLAIM + "\n## Evaluation\n\nWe report [GSM8K](https://huggingface.co/datasets/other/gsm8k) scores.\n"
    report = scan_files({"README.md": readme, "LICENSE": APACHE_HEAD}, ("model.safetensors", "train.py"))
    assert not report.assessment.components["data_information"].present


def test_own_model_pages_download_sections_and_hosted_ids_are_weights():
    readme = ("# Acme\n\nWeights: [Acme-7B](https://huggingface.co/acme/Acme-7B)\n")
    assert named("acme/acme", {"README.md": readme}).assessment.is_model
    other = "# Tool\n\nRuns [Other-7B](https://huggingface.co/other/Other-7B) on a laptop.\n"
    assert not named("acme/tool", {"README.md": other}).assessment.is_model
    gated = "# Acme\n\n## Download\n\nTo download the model weights, accept the licence on our website.\n"
    assert scan_files({"README.md": gated}).assessment.is_model
    code = "# Acme\n\n```python\nmodel = AutoModel.from_pretrained(\"acme/acme-7b\")\n```\n"
    assert named("acme/acme", {"README.md": code}).assessment.is_model


def test_training_code_in_a_separate_repository_named_as_such():
    readme = CLAIM + "\nThe training code lives in [acme-train](https://github.com/acme/acme-train).\n"
    report = scan_files({"README.md": readme, "LICENSE": APACHE_HEAD}, ("model.safetensors",))
    assert report.assessment.components["code"].present


def test_data_described_only_in_general_terms_is_too_vague():
    readme = CLAIM + "\n## Training data\n\nAcme was trained on a private crawl of 2T tokens (see the paper).\n"
    report = scan_files({"README.md": readme, "LICENSE": APACHE_HEAD}, ("model.safetensors", "train.py"))
    data = report.assessment.components["data_information"]
    assert data.present and not data.sufficient and "too vague" in data.summary
    assert data.evidence[0].where() == "README.md:5" and "general sources only" in data.evidence[0].detail
    assert not report.assessment.osaid


def test_a_datasheet_is_data_information():
    report = scan_files({"README.md": CLAIM, "LICENSE": APACHE_HEAD, "DATASHEET.md": "# Data\n"},
                        ("model.safetensors", "train.py"))
    assert report.assessment.osaid


# --- wording ----------------------------------------------------------------------------------------


def test_code_called_open_source_under_an_osi_licence_is_true():
    readme = "# Acme\n\nThe code is open source under the MIT license.\n\nThe weights are open source.\n"
    report = scan_files({"README.md": readme, "LICENSE": MIT_TEXT, "MODEL_LICENSE": NC_LICENSE},
                        ("model.safetensors",))
    assert [f.line for f in report.findings] == [5]


def test_no_open_weights_wording_without_weights():
    report = scan_files({"README.md": "# Acme\n\nAcme is an open-source model.\n"})
    [finding] = report.findings
    assert finding.replacement is None and "open-weights" not in finding.message


def test_foss_and_fully_open_are_judged_alike():
    readme = "# Acme\n\nAcme is a FOSS model.\n\nAcme is 100% open source.\n\nAcme is free and open source.\n"
    report = scan_files({"README.md": readme, "LICENSE": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n"},
                        ("model.safetensors",))
    assert {f.rule for f in report.findings} == {"FossClaim", "FullyOpenClaim"}
    assert all(f.level.value == "error" for f in report.findings)


def test_licence_folders_per_model_become_families():
    files = {
        "README.md": "# Acme models\n\nEach model has its own licence.\n",
        "models/acme2/LICENSE": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n",
        "models/acme3/LICENSE": "META LLAMA 3 COMMUNITY LICENSE AGREEMENT\n",
        "models/acme3_1/LICENSE": "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\n",
    }
    report = scan_files(files, ("models/acme2/consolidated.00.pth", "models/acme3/model.safetensors"))
    families = {f.name: f for f in report.assessment.families}
    assert {"acme2", "acme3", "acme3_1"} <= set(families)
    assert not any(f.open_terms for f in families.values())
