"""Two receivers and two worker hosts as separate processes on PostgreSQL and Redis, against the fake
GitHub: a few hundred pushes spread over both receivers, one worker host killed with SIGKILL half-way
and replaced. Every push ends in exactly one completed check run; a delivery sent to both receivers
is done once; each installation's writes stay WRITE_INTERVAL_SECONDS apart across all workers."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import defaultdict

from tests.conftest import REDIS_URL
from tests.e2e.hosts import Hosts, deliver
from tests.github.conftest import APP_ID, model_repo_files, push_payload, wait_for
from tests.github.fake_github import FakeGitHub, generate_keys

INSTALLATIONS = 20
PUSHES_PER_INSTALLATION = 10
WRITE_INTERVAL = 0.2


def test_receivers_and_workers_on_many_hosts(pg_url, redis_prefix, tmp_path):
    private_key, public_key = generate_keys()
    fake = FakeGitHub(APP_ID, public_key).start()
    cluster = Hosts(fake, private_key, tmp_path, DATABASE_URL=pg_url, QUEUE_URL=REDIS_URL, KEY_PREFIX=redis_prefix,
                    WORKERS="2", WRITE_INTERVAL_SECONDS=str(WRITE_INTERVAL), JOB_TIME_BUDGET_SECONDS="10",
                    LEASE_SECONDS="3", LOST_AFTER_SECONDS="3")
    try:
        pushes = []
        for i in range(INSTALLATIONS):
            repo = f"org-{i}/model"
            shas = [fake.add_repo(repo, model_repo_files())]
            shas += [fake.commit(repo, {**model_repo_files(), "n.md": str(n)})
                     for n in range(1, PUSHES_PER_INSTALLATION)]
            pushes += [(repo, 1000 + i, sha) for sha in shas]
        cluster.receiver("receiver-1")
        cluster.receiver("receiver-2")
        cluster.start("worker-1", "worker")
        cluster.start("worker-2", "worker")

        answers: list[int] = []
        receivers = itertools.cycle(cluster.receivers)
        lock = threading.Lock()

        def send(batch):
            for repo, installation, sha in batch:
                body = push_payload(sha, repo)
                body["installation"]["id"] = installation
                with lock:
                    url = next(receivers)
                answers.append(deliver(url, body, str(uuid.uuid4())))

        half = len(pushes) // 2
        threads = [threading.Thread(target=send, args=(pushes[k:half:4],)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        twice = str(uuid.uuid4())  # one delivery to both receivers
        body = push_payload(pushes[0][2], pushes[0][0])
        body["installation"]["id"] = pushes[0][1]
        assert sorted(deliver(url, body, twice) for url in cluster.receivers) == [200, 202]

        time.sleep(1.0)
        cluster.kill("worker-1")  # a host dies mid-run
        cluster.start("worker-3", "worker")  # and is replaced
        threads = [threading.Thread(target=send, args=(pushes[half + k::4],)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(status == 202 for status in answers), answers

        def all_done() -> bool:
            return all(len([r for r in fake.runs_for(repo, sha) if r["status"] == "completed"]) >= 1
                       for repo, _i, sha in pushes)
        wait_for(all_done, timeout=180, interval=0.5)
        time.sleep(2.0)  # let any duplicate show itself
        for repo, _installation, sha in pushes:
            runs = fake.runs_for(repo, sha)
            assert len(runs) == 1 and runs[0]["status"] == "completed", (repo, sha, runs)

        writes = defaultdict(list)
        for r in fake.requests:
            if r.method in ("POST", "PATCH") and r.installation:
                writes[r.installation].append(r.at)
        gaps = [b - a for times in writes.values() for a, b in itertools.pairwise(sorted(times))]
        assert min(gaps) >= WRITE_INTERVAL * 0.9, sorted(gaps)[:5]
        assert fake.violations == []
    finally:
        cluster.stop()
        fake.stop()
