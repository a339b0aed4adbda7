"""The app on PostgreSQL and Redis, backfill on install, one write per check run, metrics and readiness."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
import uuid

import httpx

from app.webhooks.signature import sign
from tests.conftest import REDIS_URL
from tests.e2e.hosts import free_port, healthy
from tests.github.conftest import (
    APP_ID,
    INSTALLATION,
    REPO,
    SECRET,
    completed,
    model_repo_files,
    push_payload,
    raw_payload,
    wait_for,
)


def distributed(pg_url, redis_prefix, **extra) -> dict:
    return dict(database_url=pg_url, queue_url=REDIS_URL, key_prefix=redis_prefix, **extra)


def test_a_push_on_postgresql_and_redis_costs_one_write(pg_url, redis_prefix, fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app(**distributed(pg_url, redis_prefix))
    response = app.deliver("push", push_payload(sha))
    assert response.status_code == 202
    [run] = wait_for(lambda: completed(fake, sha))
    assert run["conclusion"] == "failure"
    writes = [r for r in fake.requests if r.method in ("POST", "PATCH") and "/check-runs" in r.path]
    assert len(writes) == 1 and writes[0].body["status"] == "completed"
    assert app.deliver("push", push_payload(sha), delivery=response.json()["delivery"]).status_code == 200
    assert app.store.url == pg_url


def test_writes_of_one_installation_keep_their_interval(pg_url, redis_prefix, fake, start_app):
    shas = [fake.add_repo(REPO, {**model_repo_files(), "n.md": str(i)}) if i == 0 else
            fake.commit(REPO, {**model_repo_files(), "n.md": str(i)}) for i in range(4)]
    app = start_app(workers=3, write_interval_seconds=0.4, **distributed(pg_url, redis_prefix))
    for sha in shas:
        app.deliver("push", push_payload(sha))
    wait_for(lambda: all(completed(fake, s) for s in shas), timeout=30)
    writes = sorted(r.at for r in fake.requests if r.method in ("POST", "PATCH") and r.installation == INSTALLATION)
    gaps = [b - a for a, b in itertools.pairwise(writes)]
    assert min(gaps) >= 0.35, gaps


def test_installing_the_app_backfills_every_repository(fake, start_app):
    first = fake.add_repo(REPO, model_repo_files())
    second = fake.add_repo("acme-ai/empty", {"src/main.py": "print(1)\n"})
    app = start_app()
    created = raw_payload("installation/created.payload.json")
    created["installation"]["id"] = INSTALLATION
    created["repositories"] = []  # "all repositories": the app lists them itself
    assert app.deliver("installation", created).status_code == 202
    wait_for(lambda: completed(fake, first))
    wait_for(lambda: app.store.pending_backfill(INSTALLATION, 10) == [])
    assert not completed(fake, second)  # no documents: one tree read, no check run
    empty_calls = [r for r in fake.requests if "/acme-ai/empty/" in r.path]
    assert [(r.method, r.path.split("/acme-ai/empty/")[1].split("/")[0]) for r in empty_calls] == [("GET", "git")]
    progress = app.store.backfill_progress()
    assert progress[(INSTALLATION, "done")] == 1 and progress[(INSTALLATION, "empty")] == 1


def test_metrics_and_readiness(fake, start_app):
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    app.deliver("push", push_payload(sha))
    app.deliver("push", push_payload(sha), signature="sha256=" + "0" * 64)
    wait_for(lambda: completed(fake, sha))
    assert app.client.get("/readyz").json()["status"] == "ready"
    wait_for(lambda: "openwashing_github_calls_total" in app.client.get("/metrics").text)
    text = app.client.get("/metrics").text
    assert 'openwashing_deliveries_total{outcome="accepted"}' in text
    assert 'openwashing_deliveries_total{outcome="rejected"}' in text
    assert 'route="/repos/{owner}/{repo}/git/trees/{ref}"' in text and 'route="other"' not in text
    assert "openwashing_job_duration_seconds_bucket" in text
    assert "ghs_" not in text and SECRET not in text and "acme" not in text


def test_readiness_fails_when_the_store_is_gone(fake, start_app):
    app = start_app()
    app.store.close()
    response = app.client.get("/readyz")
    assert response.status_code == 503 and app.client.get("/healthz").status_code == 200


def test_killed_server_leaves_no_worker_behind(fake, keys, tmp_path):
    """`serve` forks its workers; killed with SIGKILL, it takes them with it (no orphans taking jobs)."""
    env = {**os.environ, "GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": keys[0],
           "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": fake.base_url, "WORKERS": "2",
           "WORKER_TYPE": "process", "DATABASE_URL": f"sqlite:///{tmp_path / 'ow.sqlite3'}"}
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: healthy(f"http://127.0.0.1:{port}"), timeout=30)
        children = wait_for(lambda: _children(server.pid) if len(_children(server.pid)) >= 2 else None)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        wait_for(lambda: not any(_alive(pid) for pid in children), timeout=10)
    finally:
        if server.poll() is None:
            server.kill()


def test_deliveries_signed_as_github_signs_them_reach_a_separate_receiver(fake, keys, tmp_path):
    env = {**os.environ, "GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": keys[0],
           "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": fake.base_url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'ow.sqlite3'}", "LOG_FORMAT": "json"}
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--no-worker", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: healthy(f"http://127.0.0.1:{port}"), timeout=30)
        body = b'{"zen": "Keep it logically awesome.", "hook_id": 1}'
        response = httpx.post(f"http://127.0.0.1:{port}/api/github/webhooks", content=body, headers={
            "X-GitHub-Event": "ping", "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(SECRET, body), "Content-Type": "application/json"})
        assert response.status_code == 202
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=20)[0].decode()
    import json
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert keys[0][40:80] not in output and SECRET not in output


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_time_between_push_and_check_run_is_short(fake, start_app):
    """Not a timing test: it counts what stands between a push and its check run."""
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    app.deliver("push", push_payload(sha))
    wait_for(lambda: completed(fake, sha))
    routes = [(r.method, r.path.split("/")[-1] if "check-runs" in r.path else r.path.split("/")[4])
              for r in fake.requests if r.path.startswith("/repos/")]
    assert sum(1 for m, _ in routes if m != "GET") == 1
    time.sleep(0)
