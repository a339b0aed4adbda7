"""Report pages filled with real-sized data: many repositories with long names, every verdict,
licences kept at 300-character addresses, long histories. Made-up repositories, scanned by the
engine, so every scorecard is one the app could have stored."""

from __future__ import annotations

from functools import lru_cache

from app.report.scorecard import scorecard
from app.state.records import CheckedCommit
from tests.conftest import APACHE_HEAD, scan_files

LONG_URL = "https://licences.example.org/" + "/".join(["model-licence-terms-and-conditions"] * 8) + "/v2"
NAME_LENGTH = 120  # characters of owner/name, beyond GitHub's own limit for names, as a stress


@lru_cache(maxsize=1)
def scorecards() -> dict[str, dict]:
    """One scorecard per verdict, each from a made-up repository."""
    claim = "# Acme\n\nAcme-7B is an open-source model.\n"
    open_release = {"README.md": claim + "\n## Training data\n\nTrained on [the mix](https://huggingface.co/datasets/"
                                         "acme/mix).\n", "LICENSE": APACHE_HEAD}
    elsewhere = {"README.md": claim + f"\nThe weights are released under [the Acme License]({LONG_URL}).\n"}
    restricted = {"README.md": claim, "LICENSE": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n\nMore than 700 million "
                                                 "monthly active users must ask for a licence.\n"}
    weights = ("model.safetensors",)
    return {
        "open-source-ai": scorecard(scan_files(open_release, (*weights, "train.py", "configs/pretrain.yaml"))),
        "open-weights": scorecard(scan_files({"README.md": claim, "LICENSE": APACHE_HEAD}, weights)),
        "restricted-weights": scorecard(scan_files(restricted, weights)),
        "unknown": scorecard(scan_files(elsewhere, weights)),
    }


def long_name(owner: str, index: int) -> str:
    stem = f"{owner}/model-{index:04d}-"
    return stem + "x" * (NAME_LENGTH - len(stem))


def fill(store, owner: str = "acme-ai", count: int = 50, history: int = 30) -> list[str]:
    """`count` public repositories of `owner`, every verdict in turn; the first with `history` checks."""
    cards = scorecards()
    names = []
    for i in range(count):
        level = list(cards)[i % len(cards)]
        name = long_name(owner, i)
        commits = history if i == 0 else 1
        for n in range(commits):
            step = list(cards)[(i + n) % len(cards)] if n < commits - 1 else level
            store.record_check(CheckedCommit(
                name, 1, f"{i:04d}{n:04d}".ljust(40, "a"), step, "failure", f"https://github.example/{name}/runs/{n}",
                cards[step]["unsupported"], cards[step], private=False, default_branch="main"))
        names.append(name)
    return names
