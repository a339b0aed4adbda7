"""The receiver: signatures first, limits, duplicates, ignored events, durability across restarts."""

from __future__ import annotations

import json

from tests.github.conftest import REPO, SECRET, model_repo_files, payload, push_payload, raw_payload, wait_for


def test_bad_signature_is_rejected_before_any_work(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    for signature in ("", "sha256=" + "0" * 64, "sha1=abc"):
        response = app.deliver("push", push_payload(sha), delivery="d-bad", signature=signature)
        assert response.status_code == 401
    response = app.deliver("push", push_payload(sha), delivery="d-bad", secret="wrong secret")
    assert response.status_code == 401
    assert app.store.state("d-bad") is None and app.store.counts() == {}
    assert fake.requests == []


def test_duplicate_delivery_does_no_work_twice(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    first = app.deliver("push", push_payload(sha), delivery="same-guid")
    second = app.deliver("push", push_payload(sha), delivery="same-guid")
    assert first.status_code == 202 and second.status_code == 200
    assert "duplicate" in second.json()["message"]
    wait_for(lambda: app.store.state("same-guid") == "done")
    assert len(fake.runs_for(REPO, sha)) == 1
    assert len(fake.calls("POST", "/check-runs$")) == 1


def test_push_and_pull_request_for_one_sha_make_one_check_run(fake, start_app):
    base = fake.add_repo(REPO, model_repo_files("# Aurora\n\nA chat model.\n"))
    head = fake.commit(REPO, model_repo_files())
    fake.add_pull(REPO, 7, base, head)
    app = start_app()
    app.deliver("push", push_payload(head))
    pull = payload("pull_request/opened.payload.json", number=7)
    pull["pull_request"]["head"]["sha"] = head
    app.deliver("pull_request", pull)
    wait_for(lambda: len(fake.reviews) == 1 and all(r["status"] == "completed" for r in fake.runs_for(REPO, head)))
    assert len(fake.runs_for(REPO, head)) == 1


def test_malformed_and_oversized_bodies(fake, start_app):
    app = start_app()
    assert app.deliver("push", b"{not json").status_code == 400
    assert app.deliver("push", b"[1, 2]").status_code == 400
    big = b"{" + b" " * (25 * 1024 * 1024) + b"}"
    assert app.deliver("push", big).status_code == 413
    assert app.store.counts() == {}


def test_events_it_does_not_handle_are_acknowledged_and_ignored(fake, start_app):
    app = start_app()
    ping = json.loads((__import__("pathlib").Path(__file__).parent.parent / "fixtures/github/webhooks/ping/"
                       "with-app_id.payload.json").read_text())
    response = app.deliver("ping", ping, delivery="ping-1")
    assert response.status_code == 202 and "ignored" in response.json()["message"]
    closed = payload("pull_request/opened.payload.json", action="closed")
    assert "ignored" in app.deliver("pull_request", closed).json()["message"]
    assert app.store.state("ping-1") == "ignored" and fake.requests == []


def test_installation_events_are_recorded(fake, start_app):
    app = start_app()
    created = raw_payload("installation/created.payload.json")
    installation = created["installation"]["id"]
    app.deliver("installation", created)
    assert app.store.installation_repositories(installation) == ["Codertocat/Hello-World"]
    added = raw_payload("installation_repositories/added.payload.json")
    added["installation"]["id"] = installation
    app.deliver("installation_repositories", added)
    assert "Codertocat/Space" in app.store.installation_repositories(installation)
    assert len(app.store.installation_repositories(installation)) >= 1
    deleted = raw_payload("installation/deleted.payload.json")
    deleted["installation"]["id"] = installation
    app.deliver("installation", deleted)
    assert app.store.installation_repositories(installation) is None


def test_a_job_queued_before_a_restart_is_done_after_it(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    receiver_only = start_app(start_worker=False)
    response = receiver_only.deliver("push", push_payload(sha), delivery="before-restart")
    assert response.status_code == 202 and receiver_only.store.state("before-restart") == "queued"
    receiver_only.stop()
    assert fake.runs_for(REPO, sha) == []
    restarted = start_app()
    wait_for(lambda: restarted.store.state("before-restart") == "done")
    assert [r["status"] for r in fake.runs_for(REPO, sha)] == ["completed"]


def test_work_a_crash_interrupted_is_found_and_done_again(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    first = start_app(start_worker=False)
    first.deliver("push", push_payload(sha), delivery="interrupted")
    # A worker took the task off the queue and died mid-way: the queue is empty, the state says so.
    first.app.state.queue.flush()
    first.store.set_state("interrupted", "processing")
    first.stop()
    second = start_app()
    wait_for(lambda: second.store.state("interrupted") == "done")
    assert len(fake.runs_for(REPO, sha)) == 1


def test_healthz(start_app):
    app = start_app()
    assert app.client.get("/healthz").json()["status"] == "ok"


def test_signature_uses_the_configured_secret(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    assert app.deliver("push", push_payload(sha), secret=SECRET).status_code == 202
