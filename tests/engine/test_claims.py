"""What counts as a claim, what it is about, and the wording proposed in its place."""

from __future__ import annotations

import pytest

from app.engine.claims import find_claims
from app.engine.markdown import parse_document


def claims(text, ruleset):
    return find_claims(parse_document("README.md", text), ruleset)


@pytest.mark.parametrize(("text", "span", "replacement"), [
    ("Acme is an open-source model.", "open-source", "open-weights"),
    ("Acme is an open source model.", "open source", "open-weights"),
    ("Acme is an opensource LLM.", "opensource", "open-weights"),
    ("We have open-sourced Acme-7B and Acme-70B.", "open-sourced", "released the weights of"),
    ("We open-source Acme-7B today.", "open-source", "release the weights of"),
    ("We are open-sourcing the Acme checkpoints.", "open-sourcing", "releasing the weights of"),
    ("The Acme models will be open-sourced next week.", "open-sourced", "released as open weights"),
    ("# Acme: An Open-Source Chatbot", "Open-Source", "Open-Weights"),
    ("ACME IS AN OPEN SOURCE MODEL.", "OPEN SOURCE", "OPEN-WEIGHTS"),
    ("Acme is a fully open model.", "a fully open", "an open-weights"),
    ("Its weights are fully open for research.", "fully open", "available"),
])
def test_replacement_keeps_the_sentence_grammatical(ruleset, text, span, replacement):
    found = claims(text, ruleset)
    assert len(found) == 1, [(c.text, c.target) for c in found]
    assert found[0].text == span
    assert found[0].replacement == replacement


def test_article_changes_with_the_replacement(ruleset):
    found = claims("Please read an open-source licence before use.", ruleset)
    assert found[0].text == "an open-source " and found[0].replacement == "a "


@pytest.mark.parametrize("text", [
    "Acme is not open source.",
    "Acme isn't an open-source model.",
    "Unlike open-source models, Acme needs no GPU.",
    "It runs on open-source software like llama.cpp.",
    "Join the open source community on Discord.",
    "See the Open Source AI Definition for details.",
    "Write to opensource@example.com with questions.",
    "Read [the blog](https://example.com/open-source-models) first.",
    "Run `pip install open-source-thing`.",
    "Critics call it \u201copen source\u201d in name only.",
    "* [RAGFlow](https://github.com/example/ragflow): an open-source RAG engine.",
    "Our Purple tools are open sourced for the community.",
    "We created and open-sourced a benchmark for tool use.",
    "The training code is open source.",
])
def test_not_a_claim(ruleset, text):
    assert claims(text, ruleset) == [], text


def test_code_blocks_and_html_comments_are_not_prose(ruleset):
    text = "Intro.\n\n```\nAcme is an open-source model\n```\n\n    indented open-source model\n\n" \
           "<!-- Acme is an open-source model -->\n"
    assert claims(text, ruleset) == []


def test_quotations_are_not_claims(ruleset):
    assert claims('Their motto was \u201copen-source\u201d, not ours.\n', ruleset) == []


@pytest.mark.parametrize("text", [
    "> Note: Acme-7B stands as the best-performing open-source model.\n",
    "> [!NOTE]\n> Acme-7B is the first open-source model of its size.\n",
    "Acme-7B is strong.[^1]\n\n[^1]: Acme-7B is the best open-source model we know of.\n",
])
def test_blockquotes_notes_and_footnotes_are_read_like_prose(ruleset, text):
    assert [c.target for c in claims(text, ruleset)] == ["model"]


@pytest.mark.parametrize(("text", "target"), [
    ("Acme is an open-source model.", "model"),
    ("Acme is open source.", "generic"),
    ("Comply with the open-source license.", "license"),
])
def test_claim_target(ruleset, text, target):
    assert [c.target for c in claims(text, ruleset)] == [target]


def test_exact_positions_inside_lists_tables_and_wrapped_lines(ruleset):
    text = ("# Title\n\n"
            "- first item\n"
            "  and Acme is an open-source model.\n\n"
            "| name | kind |\n|---|---|\n| Acme | open-source model |\n")
    found = claims(text, ruleset)
    assert [(c.line, c.column, c.end_line, c.end_column) for c in found] == [(4, 18, 4, 29), (8, 10, 8, 21)]
    lines = text.split("\n")
    for c in found:
        assert lines[c.line - 1][c.column - 1:c.end_column - 1] == c.text


@pytest.mark.parametrize("text", [
    "Unlike other open-source models, Acme needs no GPU.",
    "Acme ranks first among all open-source models on the leaderboard.",
    "Acme significantly outperforms other open-source models.",
    "Acme is the best-performing open-source model of its size.",
    "Acme-70B is the first open-source model to pass the exam.",
    "- 2025/01/02: Acme-2 achieved the best results among open-source LLMs.",
    "## Acme: the strongest open-source chat model",
])
def test_placing_the_own_model_among_open_source_ones_is_a_claim(ruleset, text):
    assert [c.target for c in claims(text, ruleset)] == ["model"], text


@pytest.mark.parametrize("text", [
    "Acme outperforms open-source models on most benchmarks.",
    "Acme beats Foo-7B, Bar-13B and other open-source models on reasoning.",
    "Attention has become the cornerstone of most open-source models.",
    "We spent a week benchmarking open-source models on our cluster.",
    "Thanks for open-sourcing!",
    "We thank the Foo team for open-sourcing their tokenizer.",
    "We are open-sourcing the deployment code as well.",
    "Open-source models have improved quickly this year.",
    "Acme outperforms the best open-source models.",
])
def test_statements_about_the_field_and_others_are_not_claims(ruleset, text):
    assert claims(text, ruleset) == [], text


def project(name: str, readme: str, ruleset):
    from app.engine.subjects import project_of
    return project_of(name, [parse_document("README.md", readme)], ruleset)


def test_the_nearest_named_model_decides_whose_claim_it_is(ruleset):
    readme = "# Acme\n\nWe fine-tune Llama 2, an open-source model, into Acme.\n\nAcme is an open-source model.\n"
    found = find_claims(parse_document("README.md", readme), ruleset, "en", project("org/acme", readme, ruleset))
    assert [c.line for c in found] == [5]


def test_link_titles_of_other_pages_are_not_claims(ruleset):
    readme = ("# Acme\n\n| talk | link |\n|---|---|\n"
              "| video | [Why open-source models win](https://video.example.com/watch?v=1) |\n\n"
              "See [our open-source model](https://huggingface.co/acme-org/acme-7b).\n")
    found = find_claims(parse_document("README.md", readme), ruleset, "en", project("acme-org/acme", readme, ruleset))
    assert [c.line for c in found] == [7]


def test_own_names_come_from_the_repository_titles_and_hub_links(ruleset):
    readme = "# Zephyrine\n\nWe release Quill-7B today. Weights: [Quill-7B](https://huggingface.co/quillorg/Quill-7B).\n"
    own = project("someone/zephyrine", readme, ruleset)
    assert own.owns_name("Zephyrine-2") and own.owns_name("Quill 7B Chat") and "quillorg" in own.orgs
    assert not own.owns_name("Llama 2")


@pytest.mark.parametrize(("text", "target"), [
    ("Acme-7B 是一个开源的、支持中英双语的对话语言模型。", "model"),
    ("Acme-70B 在所有开源多模态大模型中取得了最优成绩。", "model"),
    ("Acme 大幅领先其它开源模型。", "model"),
    ("本仓库的代码和权重依照 Apache-2.0 协议开源。", "model"),
    ("开源 Acme [FP8 模型权重](https://huggingface.co/org/acme)。", "model"),
    ("我们开源了 Acme 系列，包括 Acme-7B 和 Acme-70B。", "model"),
    ("Acme 的开源离不开社区的支持。", "generic"),
    ("Acme-7B はオープンソースの言語モデルです。", "model"),
])
def test_chinese_and_japanese_claims(ruleset, text, target):
    found = find_claims(parse_document("README.md", text), ruleset, "zh" if "は" not in text else "ja")
    assert [c.target for c in found] == [target], text


@pytest.mark.parametrize("text", [
    "我们使用开源评测工具 Harness 进行了评测。",
    "感谢开源社区的贡献。",
    "为了推动开源大语言模型的发展，我们做了很多工作。",
    "在开源预训练大语言模型的基础上，我们进行了微调。",
    "开源 Acme 多卡并行推理代码。",
    "并开源 [acme.cpp](https://github.com/org/acme.cpp) 和 [Acme-Agent](https://github.com/org/acme-agent)。",
    "Foo 是开源的模型即服务共享平台。",
    "我们在已开源的中文评测数据集上测试了模型。",
    "该模型的训练数据也已经开源。",
    "Acme 不是开源模型。",
    "评価にはオープンソースのベンチマークを使用しました。",
])
def test_chinese_and_japanese_non_claims(ruleset, text):
    language = "ja" if "を" in text else "zh"
    assert find_claims(parse_document("README.md", text), ruleset, language) == [], text
