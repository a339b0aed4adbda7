"""Fault injection: hostile repositories, noisy neighbours, a GitHub that fails, a store that
cannot write. Each case was first reproduced, then fixed; every one runs the real app."""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import threading
import time
import uuid

from tests.github.conftest import (
    INSTALLATION,
    LLAMA_LICENSE,
    REPO,
    completed,
    model_repo_files,
    payload,
    push_payload,
    wait_for,
)
from tests.github.fake_github import Fault, Symlink
from tests.github.test_commands import comment, replies, setup

OTHER = "other-org/model"


def test_a_slow_installation_does_not_hold_up_another(fake, start_app):
    """Jobs waiting for their installation's turn go back to the queue instead of holding a worker."""
    slow_a = fake.add_repo(REPO, model_repo_files())
    slow_b = fake.commit(REPO, {**model_repo_files(), "x.md": "x"})
    quick = fake.add_repo(OTHER, model_repo_files())
    fake.faults.append(Fault("GET", r"/acme-ai/aurora/git/trees/", 200, times=2, delay=3.0, applied=True))
    app = start_app(workers=2)
    app.deliver("push", push_payload(slow_a))
    app.deliver("push", push_payload(slow_b))
    time.sleep(0.3)
    started = time.time()
    other = payload("push/with-new-branch.payload.json", OTHER, installation=INSTALLATION + 1,
                    ref="refs/heads/main", after=quick, deleted=False, created=False)
    app.deliver("push", other)
    wait_for(lambda: completed(fake, quick, OTHER))
    assert time.time() - started < 2.5, "the other installation waited behind the slow one"
    wait_for(lambda: completed(fake, slow_a) and completed(fake, slow_b), timeout=30)


def test_a_symlinked_readme_is_followed_inside_the_tree(fake, start_app):
    files = {**model_repo_files(), "README.md": Symlink("docs/README.md"),
             "docs/README.md": "# Aurora\n\nAurora is an open-source model.\n"}
    sha = fake.add_repo(REPO, files)
    app = start_app()
    app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    assert run["conclusion"] == "failure" and "open-source" in json.dumps(fake.annotations[run["id"]])


def test_a_symlink_out_of_the_tree_is_not_a_pass(fake, start_app):
    sha = fake.add_repo(REPO, {**model_repo_files(), "README.md": Symlink("../../etc/passwd")})
    app = start_app()
    app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    assert run["conclusion"] == "failure" and run["output"]["title"].startswith("Could not check")
    assert "could not read" in run["output"]["summary"]


def test_read_timeouts_are_retried(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    fake.faults.append(Fault("GET", r"/git/trees/", 200, times=1, delay=2.5, applied=True))
    app = start_app(github_timeout_seconds=1, max_retries=2)
    app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    assert run["conclusion"] == "failure" and "open source" in run["output"]["summary"].lower()
    wait_for(lambda: len(fake.calls("GET", r"/git/trees/")) >= 2)  # the timed-out read, then its retry


def test_a_job_out_of_time_ends_timed_out(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    fake.faults.append(Fault("GET", r"/git/blobs/", 200, times=10, delay=1.2, applied=True))
    app = start_app(job_time_budget_seconds=1)
    response = app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    assert run["conclusion"] == "timed_out" and "time budget" in run["output"]["summary"]
    wait_for(lambda: app.store.state(response.json()["delivery"]) == "failed")


def test_reading_is_capped_per_job(fake, start_app):
    files = {**model_repo_files(), ".github/openwashing.yml": "include: ['**']\n"}
    files.update({f"pkg/file_{i}.md": "Acme is an open-source model.\n" for i in range(300)})
    sha = fake.add_repo(REPO, files)
    app = start_app(max_documents=40, max_annotations=20)
    app.deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    assert len(fake.calls("GET", r"/git/blobs/")) <= 42  # the documents plus the config and licence
    assert len(fake.annotations[run["id"]]) == 20
    assert "were not read" in run["output"]["summary"] and "shown as annotations" in run["output"]["summary"]


def test_files_left_unread_never_pass(fake, start_app):
    files = {**model_repo_files("# Acme\n\nAcme is an open-weights model.\n"),
             ".github/openwashing.yml": "include: ['**']\n"}
    files.update({f"pkg/file_{i}.md": "Nothing to see here.\n" for i in range(30)})
    files["pkg/zz_last.md"] = "Acme is an open-source model.\n"  # past the allowance
    sha = fake.add_repo(REPO, files)
    start_app(max_documents=10).deliver("push", push_payload(sha))
    [run] = wait_for(lambda: completed(fake, sha))
    assert run["conclusion"] == "failure" and run["output"]["title"].startswith("Not every file was read")


def test_ten_explain_lines_cost_one_analysis(fake, start_app):
    setup(fake)
    app = start_app()
    response = app.deliver("issue_comment", comment("\n".join(["/openwashing explain"] * 10)))
    wait_for(lambda: app.store.state(response.json()["delivery"]) == "done")
    assert len(fake.calls("GET", r"/git/trees/")) == 1
    assert replies(fake, 1)[0].count("The scorecard at") == 10


def test_a_fix_lands_whole_even_when_the_ref_update_answer_is_lost(fake, start_app):
    from tests.github.test_commands import FIXED, open_pull, run

    open_pull(fake, 6)
    fake.faults.append(Fault("PATCH", r"/git/refs/heads/", 502, applied=True))
    app = start_app()
    text = run(app, fake, comment("/openwashing fix", number=6, pull=True), 6)
    assert fake.files_at(fake.repos[REPO]["branches"]["feature"])["README.md"].decode() == FIXED
    assert [c["branch"] for c in fake.repos[REPO]["commit_log"]] == ["feature"]
    assert "Committed the suggested wording" in text


def test_a_create_that_github_made_despite_a_502_is_not_made_twice(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    fake.faults.append(Fault("POST", r"/check-runs$", 502, applied=True))
    app = start_app()
    app.deliver("push", push_payload(sha))
    wait_for(lambda: completed(fake, sha))
    time.sleep(0.5)
    assert len(fake.runs_for(REPO, sha)) == 1


def test_a_locked_store_answers_503_in_time_and_healthz_stays_fast(fake, start_app, tmp_path):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    blocker = sqlite3.connect(tmp_path / "ow.sqlite3", timeout=1)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        result = {}

        def deliver():
            started = time.time()
            result["status"] = app.deliver("push", push_payload(sha)).status_code
            result["seconds"] = time.time() - started

        thread = threading.Thread(target=deliver)
        thread.start()
        time.sleep(0.5)
        started = time.time()
        assert app.client.get("/healthz").status_code == 200 and time.time() - started < 1
        thread.join(timeout=15)
        assert result["status"] == 503 and result["seconds"] < 10
    finally:
        blocker.rollback()
        blocker.close()


def test_one_bad_delivery_never_fails_its_neighbours(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    bad = json.dumps(push_payload(sha)).replace('"push"', '"\\ud800"', 1).encode()
    answers = {}

    def send(name, body):
        answers[name] = app.deliver("push", body).status_code

    threads = [threading.Thread(target=send, args=(f"good-{i}", push_payload(sha))) for i in range(5)]
    threads.append(threading.Thread(target=send, args=("lone-surrogate", bad)))
    threads.append(threading.Thread(target=send, args=("huge-id", {**push_payload(sha), "installation":
                                                                   {"id": 2 ** 80}})))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(answers[f"good-{i}"] in (200, 202) for i in range(5))
    nested = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    assert app.deliver("push", nested).status_code == 400


def _open_body(app, declared: int, client: str = "10.9.9.9", signed_looking: bool = True) -> socket.socket:
    """A delivery's headers announcing `declared` bytes, sent from `client` (X-Forwarded-For, which
    uvicorn trusts from 127.0.0.1); the caller sends the body, or does not."""
    host, port = app.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    signature = b"X-Hub-Signature-256: sha256=" + b"0" * 64 + b"\r\n" if signed_looking else b""
    sock.sendall(b"POST /api/github/webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"X-GitHub-Event: push\r\nX-GitHub-Delivery: " + uuid.uuid4().hex.encode() + b"\r\n" +
                 signature + b"X-Forwarded-For: " + client.encode() + b"\r\n" +
                 b"Content-Length: " + str(declared).encode() + b"\r\n\r\n")
    return sock


def _answer_of(sock: socket.socket) -> bytes:
    sock.settimeout(15)
    try:
        return sock.recv(200)
    finally:
        sock.close()


def test_a_request_without_a_deliverys_headers_is_refused_unread(start_app):
    app = start_app(start_worker=False)
    unsigned = _open_body(app, 20 * 1024 * 1024, signed_looking=False)  # and not one byte of it sent
    assert b"401" in _answer_of(unsigned)
    oversized = _open_body(app, 30 * 1024 * 1024)
    assert b"413" in _answer_of(oversized)


def test_slow_bodies_announcing_many_megabytes_cannot_starve_signed_deliveries(fake, start_app, monkeypatch):
    from app.webhooks import bodies
    monkeypatch.setattr(bodies, "BODY_TIMEOUT_SECONDS", 3.0)
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app(start_worker=False)
    trickles = [_open_body(app, 16 * 1024 * 1024) for _ in range(4)]  # 64 MB announced, then trickled
    for sock in trickles:
        sock.sendall(b"{")
    answers: list[int] = []

    def send(n: int) -> None:
        answers.append(app.deliver("push", push_payload(sha), delivery=f"genuine-{n}").status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(answers)) in ([202], [200, 202]) and len(answers) == 50
    assert all(b"408" in _answer_of(sock) for sock in trickles)  # and the trickles time out


def test_one_client_cannot_hold_more_than_its_share_of_the_bytes_being_read(fake, start_app):
    app = start_app(start_worker=False)
    first, second = (_open_body(app, 20 * 1024 * 1024, client="10.0.0.1") for _ in range(2))
    first.sendall(b"x" * (18 * 1024 * 1024))  # sent, never finished
    with contextlib.suppress(OSError):  # refused part-way: the server answers and closes
        second.sendall(b"x" * (18 * 1024 * 1024))
    assert b"503" in _answer_of(second)  # 36 MB from one address is more than its 32 MB
    sha = fake.add_repo(REPO, model_repo_files())
    other = push_payload(sha)
    other["padding"] = "x" * (2 * 1024 * 1024)  # a large delivery from another address still fits
    assert app.deliver("push", other).status_code == 202
    first.close()


def test_a_full_disk_loses_nothing_that_was_acknowledged(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app(start_worker=False)
    engine = app.store.engine
    with engine._lock:
        pages = engine._db.execute("PRAGMA page_count").fetchone()[0]
        engine._db.execute(f"PRAGMA max_page_count = {pages}")
    answers = [app.deliver("push", push_payload(sha), delivery=f"full-{i}").status_code for i in range(20)]
    assert 503 in answers
    accepted = [f"full-{i}" for i, status in enumerate(answers) if status == 202]
    assert all(app.store.state(d) in ("queued", "coalesced") for d in accepted)
    with engine._lock:
        engine._db.execute("PRAGMA max_page_count = 1073741823")
    assert app.deliver("push", push_payload(sha), delivery="after").status_code in (200, 202)


def test_payloads_of_ignored_events_are_not_kept(start_app):
    app = start_app(start_worker=False)
    response = app.deliver("ping", {"zen": "x" * 100_000, "hook_id": 1})
    assert response.status_code == 202
    assert app.store.delivery(response.json()["delivery"]).payload == b""


def test_worker_dies_and_its_job_is_done_by_a_replacement(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files(LLAMA_LICENSE))
    fake.faults.append(Fault("GET", r"/git/trees/", 200, times=1, delay=4.0, applied=True))
    app = start_app(worker_type="process", workers=1)  # the default budget (300 s) and lease (15 s)
    response = app.deliver("push", push_payload(sha))
    pool = app.app.state.background[0]
    # Generous: on a loaded machine a delivery may reach its worker only through maintenance.
    wait_for(lambda: app.store.state(response.json()["delivery"]) == "processing", timeout=45)
    time.sleep(1.0)  # mid-job: the worker waits for its slow tree read
    [victim] = pool.pids()
    import os
    import signal
    os.kill(victim, signal.SIGKILL)  # as the OOM killer would
    killed = time.monotonic()
    wait_for(lambda: pool.pids() and pool.pids() != [victim], timeout=10)
    # Its own host sees the worker is gone: the job is taken back at once, not after a lease.
    wait_for(lambda: app.store.state(response.json()["delivery"]) == "done", timeout=30)
    assert time.monotonic() - killed < 10
    assert len(completed(fake, sha)) == 1


def test_a_scan_that_outlasts_the_budget_is_stopped_from_outside(fake, start_app):
    """However long the engine would run on a README, the worker stops its scan process when the
    job's budget runs out: the check concludes timed_out once, the receiver keeps answering, and
    the next job gets a fresh scan process."""
    huge = "# Acme\n\n" + "我们开源了在所有开源模型中排名第一的开源大模型，" * 20_000 + "\n"  # 1.5 MB, a minute to scan
    slow = fake.add_repo(REPO, {**model_repo_files(), "README.md": huge})
    app = start_app(job_time_budget_seconds=2)
    started = time.monotonic()
    response = app.deliver("push", push_payload(slow))
    while not completed(fake, slow, REPO):
        assert app.client.get("/healthz").status_code == 200  # the event loop is never held
        time.sleep(0.05)
    [run] = completed(fake, slow, REPO)
    assert run["conclusion"] == "timed_out" and "was stopped" in run["output"]["summary"]
    assert time.monotonic() - started < 10
    wait_for(lambda: app.store.state(response.json()["delivery"]) == "failed")
    assert len(fake.runs_for(REPO, slow)) == 1  # once: not retried into another worker
    fine = fake.add_repo(OTHER, model_repo_files())
    app.deliver("push", payload("push/with-new-branch.payload.json", OTHER, after=fine, deleted=False,
                                created=False, ref="refs/heads/main", installation=INSTALLATION))
    [after] = wait_for(lambda: completed(fake, fine, OTHER))
    assert after["conclusion"] == "failure"  # analysed: the Llama-licensed model's claims are errors


def test_connections_that_never_finish_their_request_head_are_closed(start_app, monkeypatch):
    from app.webhooks import http
    monkeypatch.setattr(http, "HEADER_READ_TIMEOUT_SECONDS", 1.0)
    app = start_app(start_worker=False)
    host, port = app.url.removeprefix("http://").split(":")
    half_open = []
    for n in range(200):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"POST /api/github/webhooks HTTP/1.1\r\nHost: x\r\nX-Slow: " + str(n).encode())  # never ends
        half_open.append(sock)
    silent = socket.create_connection((host, int(port)))  # not a byte sent
    half_open.append(silent)
    time.sleep(1.5)
    for sock in half_open:
        sock.settimeout(5)
        assert sock.recv(100) == b""  # closed by the server
        sock.close()
    assert app.client.get("/healthz").status_code == 200
