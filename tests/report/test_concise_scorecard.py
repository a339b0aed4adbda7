"""The scorecard in the shape of a good compiler message: each licence once with every place it is
stated and its failing clauses once, families one line each, evidence strongest first with "N
more", and findings that name the licence and its clauses without repeating its wording. The
same model is rendered by the text, Markdown, HTML and check-run formats, in the same order."""

from __future__ import annotations

import re

from app.report import html, text
from app.report.markdown import render as markdown
from app.report.scorecard import scorecard
from tests.conftest import APACHE_HEAD, scan_files

LICENCES = {"2": "LLAMA 2 COMMUNITY LICENSE AGREEMENT", "3": "META LLAMA 3 COMMUNITY LICENSE AGREEMENT",
            "3_1": "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT", "3_2": "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT",
            "3_3": "LLAMA 3.3 COMMUNITY LICENSE AGREEMENT", "4": "LLAMA 4 COMMUNITY LICENSE AGREEMENT"}


def many_families() -> dict[str, str]:
    """A made-up vendor repository shipping six model generations, each under its own licence,
    use policy and model card, with a README table naming each licence: the shape of the biggest
    multi-family repositories."""
    title = {"2": "Llama 2", "3": "Llama 3", "3_1": "Llama 3.1", "3_2": "Llama 3.2", "3_3": "Llama 3.3",
             "4": "Llama 4"}
    rows = "\n".join(f"| Acme {v.replace('_', '.')} | [weights](https://example.org/acme{v}) | "
                     f"[{title[v]}](models/acme{v}/LICENSE) |" for v in LICENCES)
    files = {"README.md": "# Acme models\n\nUtilities and cards for every Acme generation.\n\n"
                          "| Model | Download | License |\n|---|---|---|\n" + rows + "\n\n"
                          "## Download\n\nDownload the model weights from our site after accepting the licence.\n",
             "LICENSE": "See the licence of each model in its folder.\n"}
    for v, header in LICENCES.items():
        files[f"models/acme{v}/LICENSE"] = (f"{header}\n\nYou must comply with the Acceptable Use Policy. If "
                                            "your products had more than 700 million monthly active users you "
                                            "must request a license from us.\n")
        files[f"models/acme{v}/USE_POLICY.md"] = (f"# {title[v]} Acceptable Use Policy\n\nYou agree not to use "
                                                  "the model to harm people.\n")
        files[f"models/acme{v}/MODEL_CARD.md"] = (f"# Acme {v}\n\n## License\n\nThe weights are licensed under "
                                                  f"the {title[v]} Community License Agreement.\n\n"
                                                  "## Training Data\n\nPretrained on 2 trillion tokens of data "
                                                  "from publicly available sources.\n")
    return files


def test_a_repository_of_many_families_prints_each_licence_once_in_under_40_lines():
    report = scan_files(many_families(), tuple(f"models/acme{v}/consolidated.00.pth" for v in LICENCES))
    short = text.render(report)
    assert len(short.splitlines()) < 40, short
    for header in ("Llama 2 Community", "Meta Llama 3 Community", "Llama 4 Community"):
        assert sum(header in line for line in short.splitlines() if line.startswith("    - ")) == 1, short
    assert short.count("fails on:") <= len(LICENCES) + 1
    verbose = text.render(report, verbose=True)
    assert len(verbose.splitlines()) > len(short.splitlines())
    assert "700 million monthly active users" in verbose  # the clause's wording, in --verbose only once each


def test_each_licence_lists_every_place_it_is_stated_and_joins_its_use_policy():
    report = scan_files(many_families(), tuple(f"models/acme{v}/consolidated.00.pth" for v in LICENCES))
    card = scorecard(report)
    [llama2] = [g for g in card["licences"] if g["id"] == "Llama-2"]
    places = {p["path"] for p in llama2["places"]}
    assert {"models/acme2/LICENSE", "README.md"} <= places
    assert [p["path"] for p in llama2["policies"]] == ["models/acme2/USE_POLICY.md"]
    assert len(llama2["failing"]) == len(set(llama2["failing"])) and "acceptable-use policy" in llama2["failing"]
    assert not any(g["id"].endswith("-use-policy") and g["id"].startswith("LicenseRef-Llama") for g in card["licences"])


def test_evidence_is_listed_strongest_first_and_the_rest_counted():
    readme = ("# Tiny\n\nDownload the model weights from the hub.\n\n## Model weights\n\n"
              "The weights are available at [the hub](https://huggingface.co/acme/tiny).\n")
    weights = ("tiny/model.safetensors", *(f"ckpt/part{i}.safetensors" for i in range(5)))
    report = scan_files({"README.md": readme, "LICENSE": APACHE_HEAD}, (*weights, "download_model.sh"))
    params = next(c for c in scorecard(report)["components"] if c["key"] == "parameters")
    ranks = [("strong", "medium", "weak").index(e["strength"]) for e in params["evidence"]]
    assert ranks == sorted(ranks) and params["evidence"][0]["kind"] == "weight-file"
    shown = text.render(report)
    more = params["evidence_count"] - 3
    assert more > 0 and f"… {more} more (--verbose lists them)" in shown


def test_a_finding_names_the_licence_and_its_clauses_without_quoting_them():
    licence = ("ACME MODEL LICENSE\n\nYou may use the model for non-commercial purposes only, as explained in "
               "the terms that Acme may update from time to time.\n")
    report = scan_files({"README.md": "# Acme\n\nAcme is an open-source model.\n", "LICENSE": licence},
                        ("model.safetensors",))
    [finding] = report.findings
    assert "non-commercial" in finding.message and "“" not in finding.message
    assert ".." not in finding.message
    rendered = text.render(report)
    assert rendered.count("from time to time") <= 1 and "time to time..\u201d" not in rendered


def test_an_unknown_licence_kept_elsewhere_is_called_unknown_not_closed():
    readme = "# Acme\n\nAcme-7B is released under an open source license, see [License](https://example.org/terms).\n"
    report = scan_files({"README.md": readme}, ("model.safetensors",))
    messages = " ".join(f.message for f in report.findings if f.rule == "OpenSourceLicenseClaim")
    assert messages and "which is not an open source licence" not in messages
    assert "cannot be checked" in messages


def test_every_format_says_the_scorecard_in_the_same_order():
    report = scan_files(many_families(), tuple(f"models/acme{v}/consolidated.00.pth" for v in LICENCES))
    headings = {
        "text": (text.render(report), ("verdict:", "] code", "] parameters", "] data information",
                                       "  model families:", "  licences:")),
        "markdown": (markdown(report), ("Openness:", "| Code", "| Parameters", "| Data information",
                                        "| Model family", "### Licences", "### Findings")),
        "html": (html.standalone([(report, "acme")]), ("scorecard", ">code<", ">parameters<", ">data information<",
                                                         "Model families", "Licences", "Findings")),
    }
    for name, (rendered, marks) in headings.items():
        places = [rendered.find(mark) for mark in marks]
        assert -1 not in places and places == sorted(places), (name, list(zip(marks, places, strict=True)))
    llama4 = [re.search(r"Llama 4 Community License Agreement", r) for r, _ in headings.values()]
    assert all(llama4)
