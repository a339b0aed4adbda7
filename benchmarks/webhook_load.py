"""Load benchmark for the GitHub App, against the fake GitHub on 127.0.0.1.

Usage: python benchmarks/webhook_load.py [--pushes N] [--burst-seconds S]

Prints (a) for N pushes to distinct repositories, the time until every check run is completed and
how many deliveries were lost or duplicated; (b) under a burst from wrk (50 connections, a fresh
delivery id per request, all for one commit): acknowledgement p50/p99 and deliveries per second,
beside the same figures for a bare FastAPI endpoint that only verifies the HMAC, the number of
check runs that burst made, and how long a push sent after it waits for its check run; (c) GitHub
API calls per event. The app runs as `openwashing serve` in its own process; wrk comes from
Debian's packages (`apt-get install wrk`); without it part (b) is skipped with a note.

`--distributed` runs the multi-host topology instead, on PostgreSQL and Redis (127.0.0.1): two
receivers (`serve --no-worker`) and a worker host with 1, 2 and 4 worker processes in turn,
printing the pushes per second each completes; then, for the same topology and for the embedded
default, push -> completed check run p50/p99 beside a bare client that makes the same minimal
calls (tree, blobs, one POST) against the same fake GitHub; and a sizing note computed from the
measured calls per push and GitHub's limits.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from app.webhooks.signature import sign  # noqa: E402
from tests.github.fake_github import FakeGitHub, generate_keys  # noqa: E402

SECRET = "benchmark-secret"
APP_ID = 4242
PUSH = json.loads((ROOT / "tests/fixtures/github/webhooks/push/with-new-branch.payload.json").read_text())
README = "# Model\n\nThis model is an open-source model for chat.\n"
LICENSE = "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n\nUsers above 700 million monthly active users must ask.\n"

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = io.open(os.getenv("OW_BODY_FILE"), "rb"):read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-GitHub-Event"] = "push"
wrk.headers["X-Hub-Signature-256"] = os.getenv("OW_SIGNATURE")
local counter = 0
local prefix = tostring(math.random(1, 1000000000))
request = function()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = prefix .. "-" .. counter
  return wrk.format(nil, "/api/github/webhooks")
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def push_body(repo: str, sha: str, installation: int) -> bytes:
    body = dict(PUSH, ref="refs/heads/main", after=sha, deleted=False)
    body["repository"] = dict(PUSH["repository"], full_name=repo, name=repo.split("/")[1])
    body["installation"] = {"id": installation}
    return json.dumps(body).encode()


def start_server(args: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(args, env={**os.environ, **env}, cwd=env.get("OW_CWD"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("server did not start")


def deliver(client: httpx.Client, url: str, body: bytes, delivery: str) -> int:
    headers = {"X-GitHub-Event": "push", "X-GitHub-Delivery": delivery, "Content-Type": "application/json",
               "X-Hub-Signature-256": sign(SECRET, body)}
    return client.post(url, content=body, headers=headers).status_code


def wait_until(predicate, timeout: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def part_a(fake: FakeGitHub, url: str, pushes: int) -> dict:
    client = httpx.Client(timeout=10)
    targets = []
    for i in range(pushes):
        repo = f"bench-org-{i % 10}/model-{i}"
        sha = fake.add_repo(repo, {"README.md": README, "LICENSE": LICENSE, "model.safetensors": "w"})
        targets.append((repo, sha, 100 + i % 10))
    fake.requests.clear()
    start = time.monotonic()
    for i, (repo, sha, installation) in enumerate(targets):
        deliver(client, url, push_body(repo, sha, installation), f"a-{i}")
    acked = time.monotonic() - start

    def all_done() -> bool:
        return all(any(r["status"] == "completed" for r in fake.runs_for(repo, sha)) for repo, sha, _ in targets)

    waited = wait_until(all_done, timeout=600)
    runs = Counter((r["repo"], r["head_sha"]) for r in fake.check_runs.values())
    lost = sum(1 for repo, sha, _ in targets if runs[(repo, sha)] == 0)
    duplicated = sum(1 for repo, sha, _ in targets if runs[(repo, sha)] > 1)
    calls = Counter(_kind(r.method, r.path) for r in fake.requests)
    client.close()
    return {"pushes": pushes, "ack_seconds": acked, "complete_seconds": (waited or float("nan")) + acked,
            "lost": lost, "duplicated": duplicated, "calls_per_event": {k: v / pushes for k, v in calls.items()}}


def _kind(method: str, path: str) -> str:
    for pattern, name in ((r"/access_tokens$", "installation token"), (r"/git/trees/", "tree read"),
                          (r"/git/blobs/", "blob read"), (r"/contents/", "config read"),
                          (r"/commits/.+/check-runs$", "check-run lookup"), (r"/check-runs$", "check-run create"),
                          (r"/check-runs/\d+$", "check-run update")):
        if re.search(pattern, path):
            return f"{method} {name}"
    return f"{method} {path}"


def run_wrk(url: str, body: bytes, seconds: int) -> dict | None:
    if not shutil.which("wrk"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script, body_file = Path(tmp) / "push.lua", Path(tmp) / "body.json"
        script.write_text(WRK_SCRIPT)
        body_file.write_bytes(body)
        env = {**os.environ, "OW_BODY_FILE": str(body_file), "OW_SIGNATURE": sign(SECRET, body)}
        out = subprocess.run(["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", "-s", str(script), url],
                             capture_output=True, text=True, env=env, check=True).stdout
    return {"p50_ms": _latency(out, "50%"), "p99_ms": _latency(out, "99%"),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "errors": "Non-2xx" in out or "Socket errors" in out}


def _latency(out: str, label: str) -> float:
    value, unit = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def part_b(fake: FakeGitHub, app_url: str, bare_url: str, seconds: int) -> dict | None:
    sha = fake.add_repo("burst-org/burst-model", {"README.md": README, "LICENSE": LICENSE, "model.safetensors": "w"})
    body = push_body("burst-org/burst-model", sha, 999)
    floor = run_wrk(bare_url, body, seconds)
    if floor is None:
        return None
    app = run_wrk(app_url, body, seconds)
    after_sha = fake.add_repo("burst-org/after", {"README.md": README, "LICENSE": LICENSE, "model.safetensors": "w"})
    with httpx.Client(timeout=10) as client:
        deliver(client, app_url, push_body("burst-org/after", after_sha, 998), "after-burst")
    def done(repo: str, commit: str) -> bool:
        return any(r["status"] == "completed" for r in fake.runs_for(repo, commit))

    after = wait_until(lambda: done("burst-org/after", after_sha), 120)
    wait_until(lambda: done("burst-org/burst-model", sha), 60)
    return {"floor": floor, "app": app, "burst_check_runs": len(fake.runs_for("burst-org/burst-model", sha)),
            "after_burst_seconds": after if after is not None else float("nan")}


def bare_client_seconds(fake: FakeGitHub, samples: int) -> list[float]:
    """The floor: the same minimal calls as one check (tree, two blobs, one POST) made directly."""
    import base64  # noqa: F401 - the blobs' encoding is the fake's business
    token = "ghs_bench_floor"
    fake.tokens[token] = 1
    times = []
    with httpx.Client(base_url=fake.base_url, headers={"Authorization": f"token {token}"}, timeout=10) as client:
        for i in range(samples):
            repo = f"floor-org/model-{i}"
            sha = fake.add_repo(repo, {"README.md": README, "LICENSE": LICENSE, "model.safetensors": "w"})
            start = time.monotonic()
            tree = client.get(f"/repos/{repo}/git/trees/{sha}", params={"recursive": 1}).json()
            for entry in tree["tree"][:2]:
                client.get(f"/repos/{repo}/git/blobs/{entry['sha']}")
            client.post(f"/repos/{repo}/check-runs", json={"name": "floor", "head_sha": sha, "status": "completed",
                                                          "conclusion": "neutral",
                                                          "output": {"title": "t", "summary": "s"}})
            times.append(time.monotonic() - start)
    return times


def push_latency(fake: FakeGitHub, url: str, samples: int, tag: str) -> list[float]:
    """Push -> completed check run, one at a time, each for a fresh installation (no pacing wait)."""
    times = []
    with httpx.Client(timeout=10) as client:
        for i in range(samples):
            repo = f"latency-{tag}/model-{i}"
            sha = fake.add_repo(repo, {"README.md": README, "LICENSE": LICENSE, "model.safetensors": "w"})
            start = time.monotonic()
            deliver(client, url, push_body(repo, sha, 50_000 + i + hash(tag) % 10_000), f"lat-{tag}-{i}")
            wait_until(lambda repo=repo, sha=sha: any(r["status"] == "completed" for r in fake.runs_for(repo, sha)),
                       timeout=60)
            times.append(time.monotonic() - start)
    return times


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def distributed(args, private: str, fake: FakeGitHub) -> int:
    import uuid

    import psycopg
    name = f"ow_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    work = Path(tempfile.mkdtemp(prefix="ow-bench-"))
    base = {"GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": private, "GITHUB_WEBHOOK_SECRET": SECRET,
            "GITHUB_API_URL": fake.base_url, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{name}",
            "QUEUE_URL": "redis://127.0.0.1:6379/0", "KEY_PREFIX": f"bench-{name}", "WRITE_INTERVAL_SECONDS": "0",
            "WORKER_TYPE": "process", "PYTHONPATH": str(ROOT)}
    processes = []
    try:
        receivers = []
        for k in range(2):
            port = free_port()
            processes.append(start_server([sys.executable, "-m", "app", "serve", "--no-worker", "--host",
                                           "127.0.0.1", "--port", str(port)],
                                          {**base, "OW_CWD": str(_cwd(work / f"r{k}"))}, port))
            receivers.append(f"http://127.0.0.1:{port}/api/github/webhooks")
        print("(d) distributed: PostgreSQL, Redis, two receivers, one worker host")
        for workers in (1, 2, 4):
            worker = subprocess.Popen([sys.executable, "-m", "app", "worker"], cwd=_cwd(work / f"w{workers}"),
                                      env={**os.environ, **base, "WORKERS": str(workers)},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(worker)  # stopped in `finally` even when a measurement fails
            time.sleep(2.0)
            before = len(fake.requests)
            rate = _throughput(fake, receivers, args.pushes // 2, f"w{workers}")
            calls_per_push = (len(fake.requests) - before) / (args.pushes // 2)
            print(f"    {workers} worker process{'es' if workers > 1 else ''}: {rate:.1f} pushes/s completed")
            if workers == 4:
                latency = push_latency(fake, receivers[0], 40, "dist")
            worker.terminate()
            worker.wait(timeout=30)
            processes.remove(worker)
        floor = bare_client_seconds(fake, 40)
        _print_latency("distributed", latency, floor)
        print(f"(e) sizing, from {calls_per_push:.1f} GitHub calls a push measured above:")
        for line in sizing(calls_per_push):
            print(f"    {line}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _cwd(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _throughput(fake: FakeGitHub, receivers: list[str], pushes: int, tag: str) -> float:
    targets = []
    for i in range(pushes):
        repo = f"tp-{tag}/model-{i}"
        sha = fake.add_repo(repo, {"README.md": README, "LICENSE": LICENSE, "model.safetensors": "w"})
        targets.append((repo, sha, 20_000 + i))
    start = time.monotonic()
    with httpx.Client(timeout=10) as client:
        for i, (repo, sha, installation) in enumerate(targets):
            deliver(client, receivers[i % len(receivers)], push_body(repo, sha, installation), f"{tag}-{i}")
    wait_until(lambda: all(any(r["status"] == "completed" for r in fake.runs_for(repo, sha))
                           for repo, sha, _ in targets), timeout=600)
    return pushes / (time.monotonic() - start)


def _print_latency(label: str, times: list[float], floor: list[float]) -> None:
    p50, p99 = _percentiles(times)
    f50, f99 = _percentiles(floor)
    print(f"    push -> completed check run ({label}): p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms; "
          f"bare client p50 {f50 * 1000:.1f} ms, p99 {f99 * 1000:.1f} ms; "
          f"p50 ratio {p50 / f50:.0f}x (target <= 50x)")


def sizing(calls_per_push: float, calls_per_empty_repo: float = 1.0, calls_per_repo_with_docs: float = 6.0,
           share_with_docs: float = 0.3, budget_per_hour: int = 1000, rate_limit: int = 5000) -> list[str]:
    """How much an installation can do within GitHub's limits, from the measured cost of a push."""
    per_repo = (1 - share_with_docs) * calls_per_empty_repo + share_with_docs * calls_per_repo_with_docs
    lines = [f"pushes per hour per installation: about {rate_limit / calls_per_push:,.0f} if pushes had all "
             f"{rate_limit:,} calls ({calls_per_push:.1f} calls a push); with a backfill running, about "
             f"{(rate_limit - budget_per_hour) / calls_per_push:,.0f}"]
    for repos in (1_000, 10_000):
        hours = repos * per_repo / budget_per_hour
        lines.append(f"backfill of {repos:,} repositories ({share_with_docs:.0%} with documents, "
                     f"{per_repo:.1f} calls a repository): about {hours:.1f} h at {budget_per_hour:,} calls an hour")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=300)
    parser.add_argument("--burst-seconds", type=int, default=5)
    parser.add_argument("--distributed", action="store_true", help="PostgreSQL + Redis, several processes")
    args = parser.parse_args(argv)
    if args.distributed:
        private, public = generate_keys()
        fake = FakeGitHub(APP_ID, public).start()
        try:
            return distributed(args, private, fake)
        finally:
            fake.stop()
    private, public = generate_keys()
    fake = FakeGitHub(APP_ID, public).start()
    work = Path(tempfile.mkdtemp(prefix="ow-bench-"))
    app_port, bare_port = free_port(), free_port()
    env = {"GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": private, "GITHUB_WEBHOOK_SECRET": SECRET,
           "GITHUB_API_URL": fake.base_url, "DATABASE_URL": f"sqlite:///{work / 'ow.sqlite3'}",
           "WRITE_INTERVAL_SECONDS": "0", "WORKERS": "4", "OW_CWD": str(work), "PYTHONPATH": str(ROOT)}
    app = start_server([sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(app_port)],
                       env, app_port)
    bare = start_server([sys.executable, "-m", "uvicorn", "benchmarks.bare_endpoint:app", "--host", "127.0.0.1",
                         "--port", str(bare_port), "--log-level", "warning"],
                        {"GITHUB_WEBHOOK_SECRET": SECRET, "PYTHONPATH": str(ROOT), "OW_CWD": str(ROOT)}, bare_port)
    try:
        url = f"http://127.0.0.1:{app_port}/api/github/webhooks"
        a = part_a(fake, url, args.pushes)
        print(f"(a) {a['pushes']} pushes to distinct repositories: acknowledged in {a['ack_seconds']:.2f}s, "
              f"every check run completed after {a['complete_seconds']:.2f}s; "
              f"lost {a['lost']}, duplicated {a['duplicated']}")
        b = part_b(fake, url, f"http://127.0.0.1:{bare_port}/api/github/webhooks", args.burst_seconds)
        if b is None:
            print("(b) skipped: wrk is not installed (apt-get install wrk)")
        else:
            f, s = b["floor"], b["app"]
            print(f"(b) burst, {args.burst_seconds}s, 50 connections, one commit:")
            print(f"    bare HMAC endpoint: p50 {f['p50_ms']:.2f} ms  p99 {f['p99_ms']:.2f} ms  "
                  f"{f['rps']:.0f} deliveries/s")
            print(f"    openwashing:        p50 {s['p50_ms']:.2f} ms  p99 {s['p99_ms']:.2f} ms  "
                  f"{s['rps']:.0f} deliveries/s  ({s['requests']} deliveries)")
            print(f"    p99 ratio {s['p99_ms'] / f['p99_ms']:.2f}x (target <= 1.5x), "
                  f"throughput {s['rps'] / f['rps']:.2f} of the floor (target >= 0.67)")
            print(f"    check runs the burst made for its commit: {b['burst_check_runs']} (target 1); "
                  f"a push after the burst completed in {b['after_burst_seconds']:.2f}s")
        print("(c) GitHub API calls per event:")
        for kind, count in sorted(a["calls_per_event"].items()):
            print(f"    {kind:28s} {count:.2f}")
        _print_latency("embedded default", push_latency(fake, url, 40, "embedded"), bare_client_seconds(fake, 40))
        print("(e) sizing, from the calls measured in (c):")
        for line in sizing(sum(a["calls_per_event"].values())):
            print(f"    {line}")
    finally:
        for process in (app, bare):
            process.terminate()
            process.wait(timeout=15)
        fake.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
