"""Every repository-controlled string the bot writes in Markdown comes out inert."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import yaml
from markdown_it import MarkdownIt

from app.engine.ruleset import default_ruleset
from app.github.writes import config_with_ignored
from app.report.scorecard import scorecard
from app.report.templating import ZWSP, code_span, md_escape, render
from tests.conftest import scan_files

HOSTILE = ("@octocat </details><img src=x onerror=alert(1)> [click](https://evil.example) "
           "https://evil.example/x www.evil.example #12 `tick` **bold** | pipe <!-- c -->")


def assert_inert(markdown: str) -> None:
    """Render as CommonMark (HTML allowed, as GitHub allows some) and check what GitHub would make
    live: HTML elements, links, and in plain text (not in code) mentions, bare URLs, references."""
    html = MarkdownIt("commonmark", {"html": True}).render(markdown)
    assert "<img" not in html and "<details" not in html.replace("<details><summary>", ""), "live HTML"
    assert not re.search(r"<a href=\"https?://evil", html), "a live link"
    assert "<!--" not in html, "an HTML comment hiding text"
    text = re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    assert not re.search(r"@(?!" + ZWSP + r")octocat", text), "a live mention"
    assert not re.search(r"https?://evil|www\.evil", text), "a bare URL GitHub would link"
    assert not re.search(r"(?<![\w&])#12", text), "an issue reference"


def test_escape_and_code_span_primitives():
    assert_inert(md_escape(HOSTILE))
    span = code_span("a `b` ``c``")
    assert span.startswith("```") and span.endswith("```")  # a fence longer than any run inside
    assert code_span("x|y") == "`x\\|y`"


def test_check_summary_with_hostile_licences_paths_and_wording():
    readme = ("---\nlicense: other\nlicense_name: " + HOSTILE.replace(":", " ") + "\n---\n# Acme\n\n"
              f"Acme is an open-source model. {HOSTILE}\n")
    files = {"README.md": readme, "LICENSE": f"{HOSTILE}\n\nFor non-commercial use only.\n",
             "docs/<b>@octocat</b>.md": "x"}
    report = scan_files(files, ("model.safetensors",))
    summary = render("check_summary.md.j2", card=scorecard(report), findings=report.findings,
                     notices=report.notices, config_error=None, config={"include": HOSTILE},
                     sources={"include": HOSTILE}, version="1", sha="a" * 40, truncated=False, max_listed=100,
                     max_annotations=500, documents=report.documents, unreadable=[HOSTILE], config_file=HOSTILE)
    html = MarkdownIt("commonmark", {"html": True}).render(summary)
    assert html.count("</details>") == 1  # only the template's own: the layout holds
    assert_inert(summary.replace("<details><summary>", "").replace("</details>", ""))


@dataclass
class _Finding:
    rule: str
    level: object
    message: str


@pytest.mark.parametrize(("template", "context"), [
    ("reply_unknown.md.j2", {"name": HOSTILE}),
    ("reply_unknown_id.md.j2", {"identifier": HOSTILE}),
    ("reply_failed.md.j2", {"name": "fix", "reason": HOSTILE}),
    ("reply_conflict.md.j2", {"reason": HOSTILE}),
    ("reply_already_ignored.md.j2", {"rule": HOSTILE}),
    ("reply_nothing_to_fix.md.j2", {"sha": HOSTILE}),
    ("reply_fork.md.j2", {"sha": HOSTILE}),
    ("check_failed.md.j2", {"reason": HOSTILE, "timed_out": False}),
])
def test_replies_with_hostile_arguments(template, context):
    assert_inert(render(template, **context))


def test_pull_request_bodies_and_review_comments():
    @dataclass
    class Request:
        user: str = "someone"
        number: int = 3

    rule = default_ruleset().claim("OpenSourceClaim")
    assert_inert(render("pr_ignore_body.md.j2", rule=rule, reason=HOSTILE, request=Request()))

    @dataclass
    class Fix:
        path: str = HOSTILE
        applied: int = 1

    assert_inert(render("pr_fix_body.md.j2", fixes=[Fix()], request=Request()))
    assert_inert(render("reply_fixed.md.j2", fixes=[Fix()], branch=HOSTILE, commit="b" * 40, pull=None))

    @dataclass
    class Level:
        value: str = "error"

    @dataclass
    class Suggestion:
        findings: list
        new_text: str = "Acme is an open-weights model."
        fingerprint: str = "0" * 16

    comment = render("review_comment.md.j2", suggestion=Suggestion([_Finding(HOSTILE, Level(), HOSTILE)]),
                     fence="```")
    assert_inert(comment.split("```suggestion")[0])


def test_the_ignore_reason_stays_one_yaml_comment():
    reason = "because\r\nfail_on: never\u2028ignore: [X]\x85# more\x0bmore"
    text = config_with_ignored("fail_on: error\n", "FossClaim", reason)
    data = yaml.safe_load(text)
    assert data == {"fail_on": "error", "ignore": ["FossClaim"]}
    assert "\r" not in text and "\u2028" not in text and "\x85" not in text
