"""The app under uvicorn on 127.0.0.1, talking to the fake GitHub; deliveries signed like GitHub's."""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
import uvicorn

from app.settings import load_settings
from app.webhooks.http import server_options
from app.webhooks.server import create_app
from app.webhooks.signature import sign
from tests.github.fake_github import FakeGitHub, generate_keys

APP_ID = 4242
SECRET = "It's a Secret to Everybody"
WEBHOOKS = Path(__file__).resolve().parent.parent / "fixtures" / "github" / "webhooks"
REPO = "acme-ai/aurora"
INSTALLATION = 77


@pytest.fixture(scope="session")
def keys() -> tuple[str, str]:
    return generate_keys()


@pytest.fixture
def fake(keys):
    server = FakeGitHub(APP_ID, keys[1]).start()
    yield server
    server.stop()
    # Every request the app sent, in every test, must fit GitHub's OpenAPI description.
    assert server.violations == [], server.violations


def settings_for(fake: FakeGitHub, keys, db: Path, **overrides):
    values = dict(github_app_id=str(APP_ID), github_private_key=keys[0], github_webhook_secret=SECRET,
                  github_api_url=fake.base_url, database_url=f"sqlite:///{db}", workers=2,
                  worker_type="thread", write_interval_seconds=0, retry_base_seconds=0.01,
                  secondary_rate_wait_seconds=0.2,
                  max_rate_limit_wait_seconds=5)
    values.update(overrides)
    return load_settings(**values)


class RunningApp:
    """The FastAPI app served by uvicorn on a free port of 127.0.0.1, in a thread."""

    def __init__(self, settings, **app_options) -> None:
        self.settings = settings
        self.app = create_app(settings, **app_options)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", **server_options()))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started and time.time() < deadline:
            time.sleep(0.01)
        self.client = httpx.Client(base_url=self.url, timeout=10)

    @property
    def store(self):
        return self.app.state.store

    def deliver(self, event: str, payload: dict | bytes, delivery: str | None = None,
                secret: str = SECRET, signature: str | None = None) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
                   "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/test",
                   "X-Hub-Signature-256": signature if signature is not None else sign(secret, body)}
        return self.client.post("/api/github/webhooks", content=body, headers=headers)

    def stop(self) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def start_app(fake, keys, tmp_path):
    running: list[RunningApp] = []

    def start(**overrides) -> RunningApp:
        options = {k: overrides.pop(k) for k in ("start_worker", "redeliver") if k in overrides}
        options.setdefault("redeliver", False)
        app = RunningApp(settings_for(fake, keys, tmp_path / "ow.sqlite3", **overrides), **options)
        running.append(app)
        return app

    yield start
    for app in running:
        app.stop()


def raw_payload(name: str) -> dict:
    return copy.deepcopy(json.loads((WEBHOOKS / name).read_text()))


@pytest.fixture
def start_app_once(start_app):
    """One running app for a whole property test (hypothesis calls the test many times)."""
    return start_app()


def payload(name: str, repo: str = REPO, installation: int = INSTALLATION, **changes) -> dict:
    """A real GitHub example payload, pointed at a fake repository."""
    data = copy.deepcopy(json.loads((WEBHOOKS / name).read_text()))
    owner, repo_name = repo.split("/")
    data["repository"]["full_name"], data["repository"]["name"] = repo, repo_name
    data["repository"]["owner"]["login"] = owner
    data["installation"] = {"id": installation, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ=="}
    data.update(changes)
    return data


def push_payload(sha: str, repo: str = REPO, ref: str = "refs/heads/main") -> dict:
    return payload("push/with-new-branch.payload.json", repo, ref=ref, after=sha, deleted=False, created=False)


def completed(fake: FakeGitHub, sha: str, repo: str = REPO) -> list[dict]:
    """The completed check runs of a commit."""
    return [r for r in fake.runs_for(repo, sha) if r["status"] == "completed"]


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


OPENWASHING_README = """# Aurora-8B

Aurora-8B is an open-source model for chat. We thank the open-source community.
"""

LLAMA_LICENSE = "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n\nUsers above 700 million monthly active users must ask.\n"


def model_repo_files(readme: str = OPENWASHING_README) -> dict[str, str]:
    return {"README.md": readme, "LICENSE": LLAMA_LICENSE, "model.safetensors": "weights",
            "src/app.py": "print('hi')\n"}
