"""push: check the pushed commit of any branch; ignore tags and branch deletions."""

from __future__ import annotations

from app.state.work import CheckRequest, github_time, private_flag
from app.webhooks.router import router

NULL_SHA = "0" * 40


@router.register("push")
def check_pushed_commit(payload: dict) -> list[CheckRequest]:
    ref, after = payload.get("ref", ""), payload.get("after") or NULL_SHA
    if payload.get("deleted") or after == NULL_SHA or not ref.startswith("refs/heads/"):
        return []
    installation = (payload.get("installation") or {}).get("id")
    if installation is None:
        return []
    repo = payload["repository"]
    return [CheckRequest(repo["full_name"], after, installation, "push", branch=ref.removeprefix("refs/heads/"),
                         default_branch=repo.get("default_branch"), private=private_flag(repo),
                         privacy_at=github_time(repo))]
