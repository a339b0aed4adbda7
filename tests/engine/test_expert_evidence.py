"""Evidence judged as an expert would (issue 20), each principle on made-up repositories:
data information, training code, model families, tools, whose openness a sentence claims,
licence scope and base models."""

from __future__ import annotations

import pytest

from app.engine.models import Openness
from tests.conftest import APACHE_HEAD, MIT_TEXT, scan_files

CLAIM = "# Acme\n\nAcme-7B is an open-source model.\n"
WEIGHTS = ("model.safetensors",)


def data(files: dict[str, str], extra: tuple[str, ...] = ()):
    report = scan_files({"LICENSE": APACHE_HEAD, **files}, (*WEIGHTS, *extra))
    return report.assessment.components["data_information"]


def found(component) -> bool:
    return component.present and component.sufficient


# 1. Data information ---------------------------------------------------------------------------

def test_a_section_of_amounts_and_public_sources_is_found_but_too_vague():
    readme = CLAIM + "\n## Training Data\n\nAcme was pretrained on 3 trillion tokens of data from publicly " \
                     "available sources. The fine-tuning data includes public instruction sets.\n"
    component = data({"README.md": readme})
    assert component.present and not component.sufficient
    assert "too vague" in component.summary and component.evidence[0].where() == "README.md:5"


def test_a_section_that_names_its_sources_with_their_shares_is_data_information():
    readme = CLAIM + "\n## Training Data\n\n| Source | Tokens | Share |\n|---|---|---|\n| Web crawl (our filtered " \
                     "snapshot) | 1.2T | 60% |\n| Code from permissive repositories | 400B | 20% |\n| Books | 400B |" \
                     " 20% |\n"
    assert found(data({"README.md": readme}))


def test_a_dataset_link_in_a_list_of_artifacts_counts_wherever_the_list_stands():
    readme = CLAIM + "\n## Artifacts\n\n- [Weights](https://huggingface.co/acme/acme-7b)\n" \
                     "- [Data](https://huggingface.co/datasets/acme/acme-mix)\n- [Code](https://github.com/acme/acme)\n"
    component = data({"README.md": readme})
    assert found(component) and component.evidence[0].kind == "dataset-page"


def test_a_data_access_section_that_tells_how_to_download_the_training_set_counts():
    readme = CLAIM + "\n## Data access\n\nThe full training set can be requested with a free account.\n"
    assert found(data({"README.md": readme}))


def test_a_data_section_linking_to_its_download_page_is_a_release():
    readme = CLAIM + "\n## Dataset\n\nThe dataset can be downloaded [here](https://data.example.org/acme-1b/).\n"
    component = data({"README.md": readme})
    assert found(component) and component.evidence[0].kind == "data-access"


def test_data_mixes_listed_in_files_of_the_tree_count():
    component = data({"README.md": CLAIM}, ("configs/data_mix/pretrain_v1.yaml",))
    assert found(component) and component.evidence[0].kind == "data-mix"


def test_inference_time_preprocessing_is_not_data_processing_code():
    component = data({"README.md": CLAIM}, ("models/acme/preprocess.py", "acme/image_processing.py"))
    assert not component.present


def test_the_projects_pipeline_that_builds_its_pretraining_data_counts():
    assert found(data({"README.md": CLAIM}, ("data/pretraining/dedup_shards.py",)))


def test_example_adapter_and_evaluation_data_are_not_the_training_data():
    extra = ("examples/finetune_adapter/data/README.md", "examples/finetune_adapter/data/prepare_dataset.sh",
             "eval/data/build_dataset.py")
    assert not data({"README.md": CLAIM}, extra).present


@pytest.mark.parametrize("line", [
    "Acme-7B scores 71 on the [Acme-Eval](https://huggingface.co/datasets/acme/acme-eval) benchmark.",
    "The weights are under [Apache-2.0](https://huggingface.co/datasets/someone/licenses/blob/main/apache-2.0.md).",
])
def test_evaluation_sets_and_licence_texts_on_a_dataset_hub_are_not_training_data(line):
    assert not data({"README.md": CLAIM + "\n## Models\n\n" + line + "\n"}).present


# 2. Training code ------------------------------------------------------------------------------

def code(files: dict[str, str], extra: tuple[str, ...] = ()):
    report = scan_files({"LICENSE": APACHE_HEAD, **files}, (*WEIGHTS, *extra))
    return report.assessment.components["code"]


def test_fine_tuning_recipes_for_users_are_not_training_code():
    extra = ("configs/train/finetune_lora.yaml", "scripts/sft_chat.sh", "examples/lora/train.py")
    component = code({"README.md": CLAIM}, extra)
    assert not component.present and "fine-tuning" in component.summary


def test_a_link_in_a_fine_tuning_section_is_a_recipe_for_users():
    readme = CLAIM + "\n## Finetune\n\nTo finetune Acme-7B with our training library, see our training scripts " \
                     "[here](https://github.com/acme/trainer/tree/main/scripts).\n"
    assert not code({"README.md": readme}).present


def test_evaluation_configs_and_recipes_for_another_vendors_model_are_not_training_code():
    extra = ("acme/configs/eval/vit_pretrain.yaml", "training/llama3.1/run-llama.sh")
    assert not code({"README.md": CLAIM}, extra).present


@pytest.mark.parametrize("section", ["Friendly Links", "Related Projects", "Acknowledgements", "Community"])
def test_third_party_frameworks_named_in_such_sections_are_not_training_code(section):
    readme = CLAIM + f"\n## {section}\n\n- [FastTrain](https://github.com/someone/fasttrain): the training " \
                     "framework many use to train models with.\n"
    assert not code({"README.md": readme}).present


def test_a_repository_the_readme_names_as_its_own_holds_its_training_code():
    readme = CLAIM + "\n## Training\n\nWe train Acme-7B with [Forge](https://github.com/someone/forge), a training " \
                     "pipeline we developed for training large models.\n"
    component = code({"README.md": readme})
    assert component.present and component.evidence[0].kind == "training-code-elsewhere"


# 3. Model families ------------------------------------------------------------------------------

def test_each_family_gets_its_own_folders_licence_and_one_name_however_spelled():
    table = ("| Model | License |\n|---|---|\n| Acme 3.1 | [Llama 3.1](models/acme3_1/LICENSE) |\n"
             "| Acme 2 | [Llama 2](models/acme2/LICENSE) |\n")
    files = {"README.md": "# Acme models\n\n" + table,
             "models/acme2/LICENSE": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n",
             "models/acme3_1/LICENSE": "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\n",
             "models/acme3_1/MODEL_CARD.md": "# Acme 3.1\n\nThe weights are licensed under the Llama 3.1 Community "
                                             "License Agreement.\n"}
    report = scan_files(files, ("models/acme2/consolidated.00.pth", "models/acme3_1/consolidated.00.pth"))
    families = {f.name: f.licenses for f in report.assessment.families}
    assert set(families) == {"Acme 2", "Acme 3.1"}  # "acme3_1" and "Acme 3.1" are one family
    assert {m.id for m in families["Acme 2"] if not m.binding} == {"Llama-2"}
    assert {m.id for m in families["Acme 3.1"] if not m.binding} == {"Llama-3.1"}
    assert report.assessment.weights_license().id == "Llama-3.1"  # the newest family's, on a tie


# 4. Repositories that are not model releases -------------------------------------------------------

@pytest.mark.parametrize(("intro", "kind", "trains"), [
    ("Forge is a framework for training large language models on clusters.", "training-framework", True),
    ("The simplest repository for training/finetuning medium-sized GPTs.", "training-framework", True),
    ("Chatter runs large language models privately on everyday laptops.", "inference", False),
    ("A desktop app for local LLMs.", "inference", False),
    ("Judge is an evaluation harness for language models.", "evaluation", False),
    ("Tuner is a fine-tuning toolkit for adapting models to your data.", "fine-tuning-toolkit", False),
])
def test_a_tool_gets_no_osaid_verdict(intro, kind, trains):
    readme = f"# Tool\n\n{intro}\n\nThe open-source library is easy to use.\n"
    report = scan_files({"README.md": readme, "LICENSE": MIT_TEXT}, ("train.py", "tool/serve.py"))
    a = report.assessment
    assert a.level is Openness.TOOL and a.kind == kind and not a.osaid
    assert a.components["code"].present is trains
    assert not a.components["data_information"].present
    assert report.findings == []  # judged as a claim about MIT-licensed software


def test_a_tools_wording_about_models_is_judged_against_its_code_licence():
    readme = "# Forge\n\nForge is a framework for training large language models.\n\n" \
             "We have open-sourced several models trained with Forge.\n"
    closed = scan_files({"README.md": readme, "LICENSE": "FORGE SOURCE-AVAILABLE LICENSE\n\nFor non-commercial "
                                                        "use only.\n"})
    assert closed.assessment.level is Openness.TOOL
    assert [f.message for f in closed.findings] and "OSI-approved licence was found for the code" in \
        closed.findings[0].message


def test_the_code_for_training_one_named_model_is_part_of_its_release_not_a_tool():
    readme = "# Acme-65B training\n\nThis repository contains the code for training Acme-65B, a 65 billion " \
             "parameter model.\n"
    report = scan_files({"README.md": readme, "LICENSE": APACHE_HEAD}, ("scripts/pretrain_65b.sh",))
    assert report.assessment.level is not Openness.TOOL


def test_own_weights_make_a_model_release_whatever_the_introduction_says():
    readme = "# Forge\n\nForge is a framework for training large language models. We release Forge-7B:\n\n" \
             "- [Forge-7B](https://huggingface.co/forge/forge-7b)\n"
    report = scan_files({"README.md": readme, "LICENSE": APACHE_HEAD}, ("forge-7b/model.safetensors",))
    assert report.assessment.is_model and report.assessment.level is not Openness.TOOL


# 5. Whose openness -------------------------------------------------------------------------------

RESTRICTED = {"LICENSE": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n"}


def findings(sentence: str) -> list:
    readme = "# Acme\n\nAcme-7B is a language model.\n\n" + sentence + "\n"
    return scan_files({"README.md": readme, **RESTRICTED}, WEIGHTS).findings


@pytest.mark.parametrize("sentence", [
    "We open-source our inference and fine-tuning stacks.",
    "We are open-sourcing the pretraining dataset.",
    "We open-source a deployment recipe and a demo.",
    "Llama has become the backbone of the majority of state-of-the-art open-source models.",
    "Acme supports the most popular open-source LLMs.",
    "Unfortunately, Beta-13B's checkpoint was not open-sourced.",
    "Beta-13B was open-sourced last year by another lab.",
    "- [Chatter](https://github.com/someone/chatter): an open source chat project built on Acme-7B.",
])
def test_what_is_not_a_claim_about_the_own_model(sentence):
    assert findings(sentence) == []


@pytest.mark.parametrize("sentence", [
    "> Note: Acme-7B stands as the best-performing open-source model.",
    "Acme is a fully open-source project.",
    "Acme-7B was open-sourced last year.",
])
def test_what_is_a_claim_about_the_own_model_or_system(sentence):
    assert len(findings(sentence)) == 1


# 6. Licence scope -------------------------------------------------------------------------------

def test_a_restrictive_licence_bundled_for_a_part_binds_the_release_with_its_scope():
    licence = APACHE_HEAD + "\nLicensed under the Apache License.\n" * 10 + "\nEND OF TERMS AND CONDITIONS\n\n" \
        "The bundled autoencoder is licensed under the following terms:\n\nLLAMA 2 COMMUNITY LICENSE AGREEMENT\n\n" \
        "You must comply with the Acceptable Use Policy.\n"
    report = scan_files({"README.md": CLAIM, "LICENSE": licence}, WEIGHTS)
    by_id = {m.id: m for m in report.assessment.licenses}
    assert by_id["Apache-2.0"].open_terms  # the main licence is read without the bundled part's terms
    assert by_id["Llama-2"].binding and "autoencoder" in by_id["Llama-2"].role
    assert report.assessment.level is Openness.RESTRICTED_WEIGHTS


@pytest.mark.parametrize("readme", [
    "# Acme\n\nAcme-7B is a model.\n\nThe code is released under the Apache 2.0 license.\n",
    "# Acme\n\nAcme-7B 是一个模型。\n\n本仓库的代码遵循 Apache-2.0 协议。\n",
    "# Acme\n\nAcme-7B はモデルです。\n\nコードは Apache-2.0 ライセンスで公開されています。\n",
])
def test_a_code_only_statement_never_covers_the_weights_in_any_language(readme):
    report = scan_files({"README.md": readme}, WEIGHTS)
    assert [m.applies_to for m in report.assessment.licenses] == ["code"]
    assert report.assessment.level is Openness.UNKNOWN


# 7. Base models -------------------------------------------------------------------------------

def test_a_fine_tune_of_a_base_with_closed_data_lacks_data_information_and_names_the_base():
    card = "---\nlicense: apache-2.0\nbase_model: mistralai/Mistral-7B-v0.1\ndatasets:\n  - acme/chat-mix\n---\n" \
           "# Acme-Chat\n\nAcme-Chat is an open-source chat model.\n"
    report = scan_files({"README.md": card, "LICENSE": APACHE_HEAD}, (*WEIGHTS, "train.py"))
    component = report.assessment.components["data_information"]
    assert component.sufficient  # its own fine-tuning data is released
    assert component.inherited_gap is not None and "Mistral" in component.summary
    assert report.assessment.level is Openness.OPEN_WEIGHTS
    assert any("Mistral does not disclose its training data" in r for r in report.assessment.reasons)


def test_a_fine_tuned_from_sentence_names_the_base_but_a_borrowed_architecture_does_not():
    tuned = CLAIM + "\nAcme-7B is fine-tuned from Llama 2 on our own chat data.\n"
    borrowed = CLAIM + "\nAcme-7B is based on the Llama architecture and trained from scratch.\n"
    assert data({"README.md": tuned}).inherited_gap is not None
    assert data({"README.md": borrowed}).inherited_gap is None


def test_a_base_with_open_data_leaves_nothing_missing():
    card = "---\nbase_model: EleutherAI/pythia-12b\n---\n# Acme\n\nAcme-Chat is a chat model.\n"
    assert data({"README.md": card}).inherited_gap is None
