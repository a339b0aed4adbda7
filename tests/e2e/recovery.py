"""Recovery after `kill -9` in the middle of a job, measured end to end: on one host (SQLite,
`serve` with its workers, killed and started again) and on several (PostgreSQL + Redis, a
receiver and two worker hosts, one killed while the other goes on). Used by
tests/e2e/test_recovery.py, which holds the goals, and benchmarks/recovery.py, which prints them."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from app.state.store import open_store
from tests.e2e.hosts import Hosts, completed_runs, deliver, wait_until_done
from tests.github.conftest import model_repo_files, push_payload, wait_for
from tests.github.fake_github import FakeGitHub

SLOW_TREE_SECONDS = 3.0  # each job's first read is slow, so a kill finds jobs running


@dataclass
class Recovery:
    interrupted: int  # jobs running when their host was killed
    recovery_seconds: float  # from a worker being available again to the last interrupted check
    floor_seconds: float  # one ordinary push to its check run, same hosts, same run
    check_runs: dict[str, int] = field(default_factory=dict)  # sha -> check runs created

    @property
    def lost(self) -> int:
        return sum(1 for n in self.check_runs.values() if n == 0)

    @property
    def duplicated(self) -> int:
        return sum(n - 1 for n in self.check_runs.values() if n > 1)


def _pushes(fake: FakeGitHub, installations: int, each: int) -> list[tuple[str, int, str]]:
    pushes = []
    for i in range(installations):
        repo = f"org-{i}/model"
        shas = [fake.add_repo(repo, model_repo_files())]
        shas += [fake.commit(repo, {**model_repo_files(), "n.md": str(n)}) for n in range(1, each)]
        pushes += [(repo, 1000 + i, sha) for sha in shas]
    return pushes


def _send(url: str, pushes: list[tuple[str, int, str]]) -> dict[str, tuple[str, str]]:
    """Deliver each push; delivery id -> (repo, sha)."""
    sent = {}
    for repo, installation, sha in pushes:
        body = push_payload(sha, repo)
        body["installation"]["id"] = installation
        delivery = str(uuid.uuid4())
        assert deliver(url, body, delivery) == 202
        sent[delivery] = (repo, sha)
    return sent


def _running(store, sent: dict, host: str | None = None) -> list[tuple[str, str]]:
    rows = store.engine.query("SELECT id, worker FROM deliveries WHERE state = 'processing'")
    return [sent[d] for d, worker in rows if d in sent and (host is None or (worker or "").startswith(host + ":"))]


def _floor(fake: FakeGitHub, url: str) -> float:
    repo = "floor-org/model"
    sha = fake.add_repo(repo, model_repo_files())
    started = time.monotonic()
    _send(url, [(repo, 9999, sha)])
    wait_for(lambda: completed_runs(fake, repo, sha), timeout=60, interval=0.05)
    return time.monotonic() - started


def _count(fake: FakeGitHub, pushes) -> dict[str, int]:
    time.sleep(2.0)  # let a duplicate show itself
    return {sha: len(fake.runs_for(repo, sha)) for repo, _i, sha in pushes}


def one_host(fake: FakeGitHub, private_key: str, root: Path) -> Recovery:
    """SQLite: `serve` killed mid-job and started again; its new incarnation takes back the old
    one's jobs at once."""
    database = f"sqlite:///{root / 'ow.sqlite3'}"
    hosts = Hosts(fake, private_key, root, DATABASE_URL=database, WORKERS="2")
    try:
        pushes = _pushes(fake, installations=2, each=3)
        fake.slow[r"/git/trees/"] = SLOW_TREE_SECONDS
        url = hosts.receiver("host", workers=True)
        sent = _send(url, pushes)
        store = open_store(database)
        running = wait_for(lambda: _running(store, sent), timeout=60)
        hosts.kill("host")
        store.close()
        fake.slow.clear()
        url = hosts.receiver("host", workers=True)  # a worker is available again
        recovery = wait_until_done(fake, running, timeout=120)
        wait_until_done(fake, [(r, s) for r, _i, s in pushes], timeout=120)
        return Recovery(len(running), recovery, _floor(fake, url), _count(fake, pushes))
    finally:
        hosts.stop()


def many_hosts(fake: FakeGitHub, private_key: str, root: Path, pg_url: str, redis_url: str, prefix: str,
               lease_seconds: float = 15.0) -> Recovery:
    """PostgreSQL + Redis: a receiver and two worker hosts; one is killed mid-job and the other,
    which cannot see its processes, takes its work over when the leases lapse."""
    hosts = Hosts(fake, private_key, root, DATABASE_URL=pg_url, QUEUE_URL=redis_url, KEY_PREFIX=prefix,
                  WORKERS="2", LEASE_SECONDS=str(lease_seconds))
    try:
        pushes = _pushes(fake, installations=4, each=2)
        fake.slow[r"/git/trees/"] = SLOW_TREE_SECONDS
        url = hosts.receiver("receiver")
        hosts.start("host-a", "worker", HOST_ID="host-a")
        store = open_store(pg_url)
        sent = _send(url, pushes)
        running = wait_for(lambda: _running(store, sent, "host-a"), timeout=60)
        hosts.start("host-b", "worker", HOST_ID="host-b")
        time.sleep(1.0)  # host-b is up and taking jobs: a worker is available
        hosts.kill("host-a")
        killed = time.monotonic()
        fake.slow.clear()
        wait_until_done(fake, running, timeout=120)
        recovery = time.monotonic() - killed
        wait_until_done(fake, [(r, s) for r, _i, s in pushes], timeout=120)
        store.close()
        return Recovery(len(running), recovery, _floor(fake, url), _count(fake, pushes))
    finally:
        hosts.stop()
