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
    "Unlike other open-source models, Acme needs no GPU.",
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
    assert claims("> Acme is an open-source model, they said.\n", ruleset) == []


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
