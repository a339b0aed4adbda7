"""check_suite / check_run rerequested: somebody pressed "Re-run"."""

from __future__ import annotations

from app.state.work import CheckRequest, github_time, private_flag
from app.webhooks.router import router


def _pull_number(pulls: list[dict]) -> int | None:
    return pulls[0]["number"] if pulls else None


def _request(payload: dict, head: dict, reason: str, branch: str | None) -> CheckRequest:
    repo = payload["repository"]
    return CheckRequest(repo["full_name"], head["head_sha"], payload["installation"]["id"], reason,
                        _pull_number(head.get("pull_requests") or []), branch=branch,
                        default_branch=repo.get("default_branch"), private=private_flag(repo),
                        privacy_at=github_time(repo))


@router.register("check_suite", "rerequested")
def rerun_suite(payload: dict) -> list[CheckRequest]:
    suite = payload["check_suite"]
    return [_request(payload, suite, "check_suite.rerequested", suite.get("head_branch"))]


@router.register("check_run", "rerequested")
def rerun_check(payload: dict) -> list[CheckRequest]:
    run = payload["check_run"]
    return [_request(payload, run, "check_run.rerequested", (run.get("check_suite") or {}).get("head_branch"))]
