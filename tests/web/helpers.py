"""Pushes to a default branch, as GitHub describes them, for the report-page tests."""

from __future__ import annotations

from tests.github.conftest import completed, push_payload, wait_for


def push_default(app, fake, repo: str, sha: str, private: bool | None = False, branch: str = "main") -> None:
    """Deliver a push of `sha` to `branch` of `repo` (default branch main) and wait for its check."""
    fake.repos[repo]["private"] = private  # what the job's read of the repository answers
    data = push_payload(sha, repo, ref=f"refs/heads/{branch}")
    data["repository"].update(default_branch="main", master_branch="main", private=private,
                              visibility="private" if private else "public")
    if private is None:
        del data["repository"]["private"], data["repository"]["visibility"]
    app.deliver("push", data)
    wait_for(lambda: completed(fake, sha, repo))
    wait_for(lambda: all(app.store.state(d) in ("done", "failed", "ignored", "coalesced") for d in _deliveries(app)))


def _deliveries(app) -> list[str]:
    return [r[0] for r in app.store.engine.query("SELECT id FROM deliveries")]
