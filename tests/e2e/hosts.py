"""Receivers and workers as separate `python -m app` processes against the fake GitHub, for the
end-to-end tests and for benchmarks/recovery.py: start them, deliver signed pushes, kill them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.webhooks.signature import sign
from tests.github.conftest import APP_ID, SECRET, wait_for
from tests.github.fake_github import FakeGitHub


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def deliver(url: str, body: dict, delivery: str, event: str = "push") -> int:
    raw = json.dumps(body).encode()
    return httpx.post(url + "/api/github/webhooks", content=raw, timeout=30, headers={
        "X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": sign(SECRET, raw),
        "Content-Type": "application/json"}).status_code


class Hosts:
    """Processes sharing one store and queue, each in a folder of its own (its log is there)."""

    def __init__(self, fake: FakeGitHub, private_key: str, root: Path, **settings: str) -> None:
        self.root = root
        self.env = {**os.environ, "GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": private_key,
                    "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": fake.base_url,
                    "WORKER_TYPE": "process", "RETRY_BASE_SECONDS": "0.05", "REDELIVER_EVERY_MINUTES": "60",
                    **settings}
        self.processes: dict[str, subprocess.Popen] = {}
        self.receivers: list[str] = []

    def start(self, name: str, *args: str, **settings: str) -> subprocess.Popen:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        with open(folder / "log", "a") as log:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=folder,
                                       env={**self.env, **settings}, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def receiver(self, name: str, *, workers: bool = False, **settings: str) -> str:
        """A `serve` process (with its workers, or a receiver only); its address once it answers."""
        port = free_port()
        self.start(name, "serve", *(() if workers else ("--no-worker",)), "--host", "127.0.0.1",
                   "--port", str(port), **settings)
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: healthy(url), timeout=60)
        self.receivers.append(url)
        return url

    def kill(self, name: str) -> None:
        """SIGKILL, as a host's power going out; its forked workers go with it."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def log(self, name: str) -> str:
        return (self.root / name / "log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def completed_runs(fake: FakeGitHub, repo: str, sha: str) -> list[dict]:
    return [r for r in fake.runs_for(repo, sha) if r["status"] == "completed"]


def wait_until_done(fake: FakeGitHub, pushes: list[tuple[str, str]], timeout: float) -> float:
    """Seconds until every push has a completed check run."""
    started = time.monotonic()
    wait_for(lambda: all(completed_runs(fake, repo, sha) for repo, sha in pushes), timeout=timeout, interval=0.1)
    return time.monotonic() - started
