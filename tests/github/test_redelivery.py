"""After downtime the app asks GitHub to redeliver what failed (GitHub never retries by itself)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.github.conftest import REPO, model_repo_files, push_payload, wait_for


def delivery(id_: int, guid: str, status: str, hours_ago: float = 1) -> dict:
    when = (datetime.now(UTC) - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": id_, "guid": guid, "delivered_at": when, "redelivery": False, "duration": 0.1,
            "status": status, "status_code": 502 if status != "OK" else 202, "event": "push",
            "action": None, "installation_id": 77, "repository_id": 1}


def test_missed_deliveries_are_redelivered_once(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    fake.hook_deliveries = [
        delivery(1, "g-ok", "OK"),
        delivery(2, "g-missed", "Invalid HTTP Response: 502"),
        delivery(3, "g-known", "Invalid HTTP Response: 502"),
        delivery(4, "g-old", "Invalid HTTP Response: 502", hours_ago=100),
        delivery(5, "g-fixed", "Invalid HTTP Response: 502"),
        delivery(6, "g-fixed", "OK"),
    ]
    first = start_app(start_worker=False)
    first.deliver("push", push_payload(sha), delivery="g-known")
    first.stop()
    start_app(redeliver=True)
    wait_for(lambda: fake.redelivered)
    assert fake.redelivered == [2]
    assert all(r.auth == "Bearer" for r in fake.calls(None, "^/app/hook/"))


def test_redeliveries_are_bounded(fake, start_app):
    fake.hook_deliveries = [delivery(i, f"g{i}", "Invalid HTTP Response: 502") for i in range(10, 30)]
    start_app(redeliver=True, redeliver_max=5)
    wait_for(lambda: len(fake.redelivered) == 5)
