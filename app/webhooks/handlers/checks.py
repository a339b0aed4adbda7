"""check_suite / check_run rerequested: somebody pressed "Re-run"."""

from __future__ import annotations

from app.state.work import CheckRequest
from app.webhooks.router import router


def _pull_number(pulls: list[dict]) -> int | None:
    return pulls[0]["number"] if pulls else None


@router.register("check_suite", "rerequested")
def rerun_suite(payload: dict) -> list[CheckRequest]:
    suite = payload["check_suite"]
    return [CheckRequest(payload["repository"]["full_name"], suite["head_sha"], payload["installation"]["id"],
                         "check_suite.rerequested", _pull_number(suite.get("pull_requests") or []))]


@router.register("check_run", "rerequested")
def rerun_check(payload: dict) -> list[CheckRequest]:
    run = payload["check_run"]
    return [CheckRequest(payload["repository"]["full_name"], run["head_sha"], payload["installation"]["id"],
                         "check_run.rerequested", _pull_number(run.get("pull_requests") or []))]
