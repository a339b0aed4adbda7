"""The GitHub App reads the Hub too: a check run and the report page show hub evidence with links
to the page and revision, pages are kept in the store for every worker, and a slow Hub never holds
a check past the Hub's budget."""

from __future__ import annotations

import time

import pytest

from tests.github.conftest import RunningApp, completed, fake, keys, push_payload, settings_for, wait_for  # noqa: F401
from tests.hub.fake_hub import FakeRepo

SHA = "9" * 40
README = "# Acme\n\nAcme-7B is an open-source model: [weights](https://huggingface.co/acme-ai/acme-7b).\n"


@pytest.fixture
def app_with_hub(fake, keys, hub, tmp_path, monkeypatch):  # noqa: F811 - the shared fixtures
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    running: list[RunningApp] = []

    def start(**overrides) -> RunningApp:
        settings = settings_for(fake, keys, tmp_path / "ow.sqlite3", hf_endpoint=hub.url, **overrides)
        running.append(RunningApp(settings, redeliver=False))
        return running[-1]

    yield start
    for app in running:
        app.stop()


def push(app, fake, files: dict[str, str]) -> dict:  # noqa: F811
    sha = fake.add_repo("acme-ai/acme", files)
    data = push_payload(sha, "acme-ai/acme")
    data["repository"].update(default_branch="main", master_branch="main", private=False, visibility="public")
    app.deliver("push", data)
    return wait_for(lambda: completed(fake, sha, "acme-ai/acme"), timeout=30)[0]


def test_a_check_run_links_the_hub_evidence_at_its_revision(app_with_hub, fake, hub):  # noqa: F811
    hub.add(FakeRepo("model", "acme-ai/acme-7b", SHA, {"license": "llama2"},
                     {"README.md": "---\nlicense: llama2\n---\n# Acme-7B\n"}, ("model.safetensors",)))
    app = app_with_hub()
    run = push(app, fake, {"README.md": README, "LICENSE": "MIT License\n\nPermission is hereby granted.\n"})
    summary = run["output"]["summary"]
    link = f"({hub.url}/acme-ai/acme-7b/blob/{SHA}/README.md#L2)"
    assert run["conclusion"] == "failure" and link in summary and "Llama 2 Community License" in summary
    assert app.store.hub_page(f"model:acme-ai/acme-7b@{SHA}") is not None  # kept for every worker
    wait_for(lambda: (app.store.repository("acme-ai/acme") or None) and app.store.repository("acme-ai/acme").sha)
    page = app.client.get("/report/acme-ai/acme").text
    assert f'href="{hub.url}/acme-ai/acme-7b/blob/{SHA}/README.md#L2"' in page


def test_a_slow_hub_never_holds_the_check_past_its_budget(app_with_hub, fake, hub):  # noqa: F811
    hub.add(FakeRepo("model", "acme-ai/acme-7b", SHA, {"license": "llama2"}, {"README.md": "# x\n"}, delay=5.0))
    app = app_with_hub(hub_time_budget_seconds=1.0)
    started = time.monotonic()
    run = push(app, fake, {"README.md": README, "LICENSE": "MIT License\n\nPermission is hereby granted.\n"})
    assert time.monotonic() - started < 4.5
    assert "timed out" in run["output"]["summary"] and "acme-ai/acme-7b" in run["output"]["summary"]
