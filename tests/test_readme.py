"""The README is a user's document and every example in it must hold: the sample output is the
real output of the quick start's scan, the pre-commit snippet names hooks that exist, and one
repository address is used throughout.

`python -m tests.test_readme --write` puts the current output into the README.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys

import pytest
import yaml

from app.cli import main
from tests.conftest import ROOT

README = ROOT / "README.md"
SAMPLE = re.compile(r"(## What it reports\n.*?```text\n)(.*?)(```\n)", re.S)
QUICK_START = ["scan", "examples/openwashed-model", "--offline", "--color", "never"]
HOME = "https://github.com/openwashing/openwashing"


def quick_start_output() -> str:
    """What the quick start's `openwashing scan examples/openwashed-model --offline` prints from the
    project's root."""
    here = os.getcwd()
    out = io.StringIO()
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(out):
            main(QUICK_START)
    finally:
        os.chdir(here)
    return out.getvalue()


def test_the_sample_output_is_what_the_quick_start_prints():
    if not (ROOT / ".git").exists():
        pytest.skip("the sample shows paths from the clone's root, which needs its .git")
    sample = SAMPLE.search(README.read_text(encoding="utf-8")).group(2)
    assert sample == quick_start_output(), "README sample drifted: run python -m tests.test_readme --write"


def test_the_pre_commit_snippet_works_as_written():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"### With pre-commit\n\n```yaml\n(.*?)```", text, re.S).group(1)
    [repo] = yaml.safe_load(block)["repos"]
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert repo["repo"] == HOME and repo["rev"] == "main"  # a branch that exists, pinned by --freeze
    assert {h["id"] for h in repo["hooks"]} <= hooks


def test_one_repository_address_is_used_throughout():
    texts = [(ROOT / name).read_text(encoding="utf-8") for name in
             ("README.md", "action.yml", ".pre-commit-hooks.yaml", "app.yml", "pyproject.toml")]
    named = {m for text in texts for m in re.findall(r"github\.com/[\w.<>-]+/openwashing\b", text)}
    named |= {f"github.com/{m}" for text in texts for m in re.findall(r"uses: ([\w-]+/openwashing)@", text)}
    assert named == {HOME.removeprefix("https://")}


if __name__ == "__main__" and "--write" in sys.argv:
    text = README.read_text(encoding="utf-8")
    README.write_text(SAMPLE.sub(lambda m: m.group(1) + quick_start_output() + m.group(3), text, count=1),
                      encoding="utf-8")
