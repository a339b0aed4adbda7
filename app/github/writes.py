"""Changing repositories for the fix and ignore commands: commits through the contents API, with
the expected SHAs so nobody's concurrent commit is overwritten, branches and pull requests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import yaml
from github import GithubException
from github.Repository import Repository

from app.engine.config import CONFIG_PATH
from app.engine.fix import apply_fixes
from app.engine.models import Finding

CONFLICT_STATUSES = (409, 422)


class Conflict(Exception):
    """The branch or a file moved since the analysis; nothing was changed."""


@dataclass
class FileFix:
    path: str
    blob_sha: str
    content: str
    applied: int


def fixed_files(findings: list[Finding], texts: dict[str, str], blob_shas: dict[str, str]) -> list[FileFix]:
    """New contents for every file with findings that have a replacement."""
    fixes = []
    for path in sorted({f.path for f in findings if f.replacement is not None}):
        original = texts.get(path)
        if original is None:
            continue
        crlf = "\r\n" in original
        text, applied = apply_fixes(original.replace("\r\n", "\n"),
                                    [f for f in findings if f.path == path and f.replacement is not None])
        if applied:
            fixes.append(FileFix(path, blob_shas[path], text.replace("\n", "\r\n") if crlf else text, applied))
    return fixes


def head_sha(repo: Repository, ref: str) -> str:
    """The commit a branch (or any ref) points at now, read from GitHub, not from a lazy object."""
    _headers, data = repo.requester.requestJsonAndCheck("GET", f"{repo.url}/commits/{quote(ref, safe='')}")
    return data["sha"]


def commit_fixes(repo: Repository, branch: str, expected_head: str, fixes: list[FileFix], message: str,
                 retry=None) -> str:
    """Commit every fixed file to `branch` in one commit, or change nothing.

    Through the Git Data API: a blob per file, one tree on top of the analysed commit's tree, one
    commit whose parent is that commit, then the branch moved to it with `force: false` — GitHub
    refuses the move unless it is a fast-forward, so a branch that moved meanwhile is never
    overwritten. If the move's answer is lost (a 502 that GitHub applied), the branch is read
    again: pointing at the new commit means the fix landed.
    """
    retry = retry or (lambda call, what: call())
    requester, base = repo.requester, repo.url
    if head_sha(repo, branch) != expected_head:
        raise Conflict(f"{branch} moved from {expected_head[:7]} while the fix was prepared")
    _h, parent = retry(lambda: requester.requestJsonAndCheck("GET", f"{base}/git/commits/{expected_head}"),
                       "read commit")
    entries = []
    for fix in fixes:  # creating a blob twice gives the same blob: safe to retry
        _h, blob = retry(lambda fix=fix: requester.requestJsonAndCheck(
            "POST", f"{base}/git/blobs", input={"content": fix.content, "encoding": "utf-8"}), "create blob")
        entries.append({"path": fix.path, "mode": "100644", "type": "blob", "sha": blob["sha"]})
    _h, tree = retry(lambda: requester.requestJsonAndCheck(
        "POST", f"{base}/git/trees", input={"base_tree": parent["tree"]["sha"], "tree": entries}), "create tree")
    _h, commit = retry(lambda: requester.requestJsonAndCheck(
        "POST", f"{base}/git/commits", input={"message": message, "tree": tree["sha"], "parents": [expected_head]}),
        "create commit")
    _move_branch(repo, branch, commit["sha"], expected_head)
    return commit["sha"]


def _move_branch(repo: Repository, branch: str, new_sha: str, expected_head: str) -> None:
    ref = f"{repo.url}/git/refs/heads/{quote(branch, safe='/')}"
    try:
        repo.requester.requestJsonAndCheck("PATCH", ref, input={"sha": new_sha, "force": False})
    except GithubException as exc:
        if exc.status in CONFLICT_STATUSES:
            raise Conflict(f"{branch} moved while the fix was prepared; nothing was changed") from exc
        now = head_sha(repo, branch)  # was the move applied before the error?
        if now == new_sha:
            return
        if now != expected_head:
            raise Conflict(f"{branch} moved while the fix was prepared; nothing was changed") from exc
        repo.requester.requestJsonAndCheck("PATCH", ref, input={"sha": new_sha, "force": False})


def create_branch(repo: Repository, name: str, sha: str) -> str:
    repo.create_git_ref(ref=f"refs/heads/{name}", sha=sha)
    return name


_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


# Characters that change how the text around them is shown without being seen: C1 controls,
# bidirectional overrides and isolates (the "Trojan Source" reorderings), zero-width characters.
_INVISIBLE = re.compile(r"[\x80-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# "@login" in a commit message or pull request notifies that person; a full-width at sign reads
# the same and notifies no one.
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")


def safe_comment(reason: str, limit: int = 200) -> str:
    """A reason that stays one YAML comment and one line of a commit message: every kind of line
    break, control and invisible formatting character gone, and no mention in it."""
    text = _INVISIBLE.sub("", _CONTROL.sub("", _LINE_BREAKS.sub(" ", reason)))
    return _MENTION.sub("\uff20", text).strip()[:limit]


def config_with_ignored(current: str | None, rule: str, reason: str) -> str:
    """The configuration text with `rule` added to `ignore`, the reason kept as a comment."""
    reason = safe_comment(reason)
    comment = f"  # {reason}" if reason else ""
    if not current or not current.strip():
        return f"ignore:\n  - {rule}{comment}\n"
    data = yaml.safe_load(current) or {}
    ignored = data.get("ignore") if isinstance(data, dict) else None
    if not ignored:
        return current.rstrip("\n") + f"\nignore:\n  - {rule}{comment}\n"
    if rule in ignored:
        return current
    flow = re.search(r"^ignore:\s*\[(.*)\]\s*(#.*)?$", current, re.M)
    if flow:
        items = ", ".join([*ignored, rule])
        return current[:flow.start()] + f"ignore: [{items}]{comment}" + current[flow.end():]
    lines = current.rstrip("\n").split("\n")
    start = next(i for i, line in enumerate(lines) if re.match(r"^ignore:\s*(#.*)?$", line))
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "-", "\t")) or not lines[end].strip()):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    indent = re.match(r"^(\s*)-", lines[start + 1]).group(1) if start + 1 < len(lines) else "  "
    lines.insert(end, f"{indent}- {rule}{comment}")
    return "\n".join(lines) + "\n"


def config_text(repo: Repository, ref: str) -> tuple[str | None, str | None]:
    """The repository's configuration file at `ref` and its blob SHA, or (None, None)."""
    try:
        content = repo.get_contents(CONFIG_PATH, ref=ref)
    except GithubException as exc:
        if exc.status == 404:
            return None, None
        raise
    return content.decoded_content.decode("utf-8", errors="replace"), content.sha
