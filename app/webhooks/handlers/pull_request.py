"""pull_request: check the head commit and review the changed lines."""

from __future__ import annotations

from app.state.work import CheckRequest, github_time, private_flag
from app.webhooks.router import router


@router.register("pull_request", "opened", "synchronize", "reopened", "ready_for_review")
def check_pull_request(payload: dict) -> list[CheckRequest]:
    installation = (payload.get("installation") or {}).get("id")
    pull = payload["pull_request"]
    if installation is None:
        return []
    # The check run belongs to the base repository, also for a pull request from a fork.
    repo = payload["repository"]
    return [CheckRequest(repo["full_name"], pull["head"]["sha"], installation, f"pull_request.{payload['action']}",
                         pull_number=payload["number"], default_branch=repo.get("default_branch"),
                         private=private_flag(repo), privacy_at=github_time(repo))]
