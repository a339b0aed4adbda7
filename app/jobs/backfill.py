"""Backfill on install: check the default branch of every repository an installation can read.

Runs in slices: each slice takes the installation's turn like any job, checks a few pending
repositories, and queues the next slice after a pause that keeps the backfill within
BACKFILL_CALLS_PER_HOUR (most of the installation's 5,000 calls an hour stay for pushes).
Progress lives in the store, so a restart resumes where it stopped. A repository with no
documents costs one call: its tree.
"""

from __future__ import annotations

import logging
import time
import uuid

from github import GithubException

from app.engine.config import Config
from app.engine.reading import listable, select_paths
from app.github.calls import describe
from app.jobs import queue as jobs_queue
from app.state.store import Incoming
from app.state.work import BackfillRequest, CheckRequest, github_time, private_flag

log = logging.getLogger("openwashing.backfill")
SLICE_REPOSITORIES = 10
CALLS_PER_LISTING_PAGE = 100


def run_backfill(ctx, request: BackfillRequest, delivery_id: str) -> dict:
    store, gh = ctx.store, ctx.github.installation(request.installation_id)
    calls = 0
    if not request.repositories and not store.pending_backfill(request.installation_id, 1):
        calls += _plan_all(ctx, gh, request.installation_id)
    started, checked = time.monotonic(), 0
    for repo in store.pending_backfill(request.installation_id, SLICE_REPOSITORIES):
        calls += _backfill_one(ctx, gh, request.installation_id, repo, delivery_id)
        checked += 1
        if time.monotonic() - started > ctx.settings.job_time_budget_seconds / 2:
            break
    remaining = len(store.pending_backfill(request.installation_id, 1))
    log.info("backfill of installation %s: %d repositories checked in this slice with about %d calls; %s",
             request.installation_id, checked, calls, "more to do" if remaining else "finished")
    if remaining:
        _queue_next_slice(ctx, request, calls)
    return {"checked": checked, "calls": calls, "more": bool(remaining)}


def _plan_all(ctx, gh, installation_id: int) -> int:
    """Every repository the installation can read, from GitHub's listing (100 a page)."""
    repos = ctx.retry(lambda: _installation_repositories(gh), "list installation repositories")
    for repo in repos:  # the listing says which are private: the report pages need it
        ctx.store.note_repository(repo["full_name"], installation_id, private_flag(repo), repo.get("default_branch"),
                                  github_time(repo))
    ctx.store.plan_backfill(installation_id, [r["full_name"] for r in repos])
    return max(1, -(-len(repos) // CALLS_PER_LISTING_PAGE))


def _installation_repositories(gh) -> list[dict]:
    listed, page = [], 1
    while True:
        _headers, data = gh.requester.requestJsonAndCheck("GET", "/installation/repositories",
                                                          parameters={"per_page": 100, "page": page})
        batch = data.get("repositories") or []
        listed += batch
        if len(batch) < 100:
            return listed
        page += 1


def _backfill_one(ctx, gh, installation_id: int, repo: str, delivery_id: str) -> int:
    """Check one repository's default branch; the tree alone decides whether there is anything to read."""
    store = ctx.store
    try:
        tree = ctx.retry(lambda: gh.get_repo(repo).get_git_tree("HEAD", recursive=True), "read tree")
    except GithubException as exc:
        store.finish_backfill(installation_id, repo, "failed" if exc.status not in (404, 409) else "empty",
                              describe(exc))
        return 1
    paths = [e.path for e in tree.tree if e.type == "blob"]
    chosen = select_paths(listable(paths)[0], Config())
    if not (chosen.documents or chosen.card_candidates or chosen.license_files):
        store.finish_backfill(installation_id, repo, "empty", "no documents")
        return 1
    _h, commit = ctx.retry(lambda: gh.requester.requestJsonAndCheck("GET", f"/repos/{repo}/commits/HEAD"),
                           "read default branch")
    from app.jobs.check import run_check
    try:
        result = run_check(ctx, CheckRequest(repo, commit["sha"], installation_id, "backfill"), delivery_id)
        store.finish_backfill(installation_id, repo, "done", result["conclusion"])
    except Exception as exc:  # one repository's failure does not stop the backfill
        store.finish_backfill(installation_id, repo, "failed", describe(exc))
    return 4 + min(len(chosen.documents) + len(chosen.license_files), ctx.settings.max_documents)


def _queue_next_slice(ctx, request: BackfillRequest, calls: int) -> None:
    """The next slice, stored like a delivery (so a restart finds it) and queued after the pause
    that keeps this backfill's calls within its hourly budget."""
    delay = calls * 3600.0 / ctx.settings.backfill_calls_per_hour
    next_id = f"backfill:{request.installation_id}:{uuid.uuid4().hex[:12]}"
    work = {**BackfillRequest(request.installation_id).as_dict(), "key": request.key}
    claimed = ctx.store.accept_deliveries([Incoming(next_id, "backfill", None, request.installation_id, b"",
                                                    [work])])[0]
    if claimed:
        jobs_queue.enqueue(ctx.queue, next_id, work, delay=delay)
