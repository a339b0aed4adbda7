"""A repository at one commit, as the engine sees it: one tree read, blobs read only when needed."""

from __future__ import annotations

import base64
import json
import logging
import posixpath
import threading
import time
from dataclasses import dataclass, field

from github import Github, GithubException

from app.engine.config import CONFIG_PATH, Config, ConfigError, merge, parse_config
from app.engine.ruleset import RuleSet
from app.engine.snapshot import Snapshot, UnreadableFile
from app.github.limits import Budget
from app.state.store import Store

log = logging.getLogger("openwashing.github")
SYMLINK_MODE = "120000"
ORG_CONFIG_REPO = ".github"  # Probot's convention for organisation-wide settings
ORG_CONFIG_TTL_SECONDS = 300


@dataclass
class RepositoryView:
    snapshot: Snapshot
    truncated: bool
    config: Config
    config_sources: dict[str, str] = field(default_factory=dict)
    config_error: ConfigError | None = None
    texts: dict[str, str] = field(default_factory=dict)  # files the engine read, for suggestions
    blob_shas: dict[str, str] = field(default_factory=dict)  # path -> blob SHA, for commits
    unreadable: list[str] = field(default_factory=list)  # files the engine needed and could not read
    over_budget: list[str] = field(default_factory=list)  # files left unread by the job's budget


class ConfigCache:
    """Organisation configs change rarely: keep each a few minutes, then revalidate it with its
    ETag, which GitHub answers with a 304 that does not count against the rate limit."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, str | None, str | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, str | None, str | None]:
        """(fresh, text, etag) of a cached config."""
        with self._lock:
            stamp, text, etag = self._entries.get(key, (0.0, None, None))
        return time.monotonic() - stamp < ORG_CONFIG_TTL_SECONDS and stamp > 0, text, etag

    def put(self, key: str, text: str | None, etag: str | None) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), text, etag)


def read_commit(gh: Github, store: Store, full_name: str, sha: str, ruleset: RuleSet,
                configs: ConfigCache, budget: Budget | None = None, retry=None) -> RepositoryView:
    """The snapshot and effective configuration of a commit.

    One tree read; blobs only for the files the engine asks for, from the store's cache when
    seen before. Reads are retried with backoff (timeouts included); a symbolic link is followed
    inside the tree; the job's budget bounds time, files and bytes.
    """
    retry = retry or (lambda call, what: call())
    budget = budget or Budget(3600, 10_000, 10**12)
    repo = gh.get_repo(full_name)
    tree = retry(lambda: repo.get_git_tree(sha, recursive=True), "read the file tree")
    entries = {e.path: e for e in tree.tree if e.type == "blob"}
    view = RepositoryView(Snapshot([], lambda p: b""), bool(tree.raw_data.get("truncated")), Config(),
                          blob_shas={path: e.sha for path, e in entries.items()})

    def blob_bytes(entry) -> bytes:
        data = store.blob(entry.sha)
        if data is None:
            blob = retry(lambda: repo.get_git_blob(entry.sha), "read a file")
            data = base64.b64decode(blob.content) if blob.encoding == "base64" else blob.content.encode()
            store.save_blob(entry.sha, data)
        return data

    def read(path: str) -> bytes:
        entry = _resolved(entries, path, blob_bytes, view)
        if not budget.allow_read(entry.size or 0):
            view.over_budget.append(path)
            raise UnreadableFile("the job's reading allowance was used up (MAX_DOCUMENTS / MAX_BLOB_BYTES)")
        data = blob_bytes(entry)
        view.texts[path] = data.decode("utf-8", errors="replace")
        return data

    view.snapshot = Snapshot(sorted(entries), read, lambda p: entries[p].size if p in entries else None,
                             name=full_name)
    _effective_config(gh, view, full_name, ruleset, configs)
    return view


def _resolved(entries: dict, path: str, blob_bytes, view: RepositoryView, hops: int = 5):
    """The tree entry a path stands for, following symbolic links that stay inside the tree."""
    entry = entries.get(path)
    if entry is None:
        raise FileNotFoundError(path)
    while entry.mode == SYMLINK_MODE:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(entry.path),
                                                   blob_bytes(entry).decode("utf-8", errors="replace")))
        entry = entries.get(target) if hops > 0 and not target.startswith("../") else None
        hops -= 1
        if entry is None:
            view.unreadable.append(path)
            raise UnreadableFile(f"it is a symbolic link to {target!r}, which is not a file of this commit")
    return entry


def _effective_config(gh: Github, view: RepositoryView, full_name: str, ruleset: RuleSet,
                      configs: ConfigCache) -> None:
    known = {r.id for r in ruleset.claims}
    owner = full_name.split("/")[0]
    try:
        if CONFIG_PATH in view.snapshot.paths:
            text = view.snapshot.read_bytes(CONFIG_PATH)[:1_000_000].decode("utf-8", errors="replace")
            own = parse_config(text, CONFIG_PATH, known)
            view.config_sources = {k: f"{full_name}/{CONFIG_PATH}" for k in own.given}
            view.config = own
            if own.extends:
                base_repo = own.extends if "/" in own.extends else f"{owner}/{own.extends}"
                base = _remote_config(gh, base_repo, known, configs)
                if base is not None:
                    view.config = merge(base, own)
                    for key in base.given - own.given:
                        view.config_sources[key] = f"{base_repo}/{CONFIG_PATH} (_extends)"
        else:
            org_repo = f"{owner}/{ORG_CONFIG_REPO}"
            org = _remote_config(gh, org_repo, known, configs)
            if org is not None:
                view.config = org
                view.config_sources = {k: f"{org_repo}/{CONFIG_PATH}" for k in org.given}
    except ConfigError as exc:
        view.config_error = exc


def _remote_config(gh: Github, repo_name: str, known: set[str], configs: ConfigCache) -> Config | None:
    fresh, text, etag = configs.get(repo_name)
    if not fresh:
        text, etag = _fetch_config(gh, repo_name, text, etag)
        configs.put(repo_name, text, etag)
    if text is None:
        return None
    try:
        return parse_config(text, f"{repo_name}/{CONFIG_PATH}", known)
    except ConfigError as exc:
        raise ConfigError.of(f"{repo_name}/{CONFIG_PATH}", exc.problems) from exc


def _fetch_config(gh: Github, repo_name: str, cached: str | None, etag: str | None) -> tuple[str | None, str | None]:
    headers = {"If-None-Match": etag} if etag else None
    status, response_headers, body = gh.requester.requestJson(
        "GET", f"/repos/{repo_name}/contents/{CONFIG_PATH}", headers=headers)
    if status == 304:
        return cached, etag
    if status == 404:
        return None, None
    if status >= 400:
        raise GithubException(status, _json(body), response_headers)
    content = _json(body)
    text = base64.b64decode(content.get("content", "")).decode("utf-8", errors="replace")
    return text, response_headers.get("etag")


def _json(body: str) -> dict:
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return {"message": body[:200]}
    return data if isinstance(data, dict) else {}
