"""Settings from the environment, the manifest, and what the app logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from app.cli import main
from app.settings import SettingsError, load_settings
from tests.github.conftest import REPO, SECRET, model_repo_files, push_payload, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
APP_VARIABLES = ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH", "GITHUB_WEBHOOK_SECRET")


@pytest.fixture
def no_app_settings(monkeypatch, tmp_path):
    """No GitHub App settings in the environment or in a .env file."""
    monkeypatch.chdir(tmp_path)
    for name in APP_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_missing_settings_are_listed_in_one_message(no_app_settings):
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "GITHUB_APP_ID" in message and "GITHUB_WEBHOOK_SECRET" in message


def test_private_key_is_required_one_way_or_the_other(no_app_settings):
    with pytest.raises(SettingsError, match="GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH"):
        load_settings(github_app_id="1", github_webhook_secret="s")


def test_an_empty_webhook_secret_is_refused_at_start(no_app_settings, keys, monkeypatch, capsys):
    for empty in ("", "   "):
        with pytest.raises(SettingsError, match="GITHUB_WEBHOOK_SECRET is empty"):
            load_settings(github_app_id="1", github_private_key=keys[0], github_webhook_secret=empty)
    monkeypatch.setenv("GITHUB_APP_ID", "1")
    monkeypatch.setenv("GITHUB_PRIVATE_KEY", keys[0])
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "")
    assert main(["serve"]) == 2
    assert "GITHUB_WEBHOOK_SECRET is empty" in capsys.readouterr().err


def test_serve_without_settings_exits_2_with_the_list(no_app_settings, capsys):
    assert main(["serve"]) == 2
    assert "GITHUB_APP_ID" in capsys.readouterr().err


def test_enterprise_server_by_changing_the_api_url(keys):
    settings = load_settings(github_app_id="1", github_private_key=keys[0], github_webhook_secret="s",
                             github_api_url="https://ghe.example.com/api/v3")
    assert settings.github_api_url == "https://ghe.example.com/api/v3"


def test_manifest_asks_for_the_least_that_works():
    manifest = yaml.safe_load((ROOT / "app.yml").read_text())
    assert manifest["default_permissions"] == {"checks": "write", "contents": "read", "pull_requests": "write",
                                               "issues": "write", "metadata": "read"}
    assert manifest["default_events"] == ["push", "pull_request", "issue_comment", "repository"]
    assert manifest["hook_attributes"]["url"].endswith("/api/github/webhooks")
    assert {"name", "url", "public", "description"} <= set(manifest)


def test_secrets_never_reach_the_logs(fake, start_app, keys, caplog):
    caplog.set_level(logging.DEBUG)
    sha = fake.add_repo(REPO, model_repo_files())
    app = start_app()
    delivery = app.deliver("push", push_payload(sha)).json()["delivery"]
    wait_for(lambda: app.store.state(delivery) == "done")
    text = caplog.text
    assert fake.tokens and not any(token in text for token in fake.tokens)
    assert SECRET not in text and "PRIVATE KEY" not in text and keys[0][40:80] not in text
    assert "x-ratelimit-remaining 4999 of 5000" in text


def test_worker_without_settings_exits_2(no_app_settings, capsys):
    assert main(["worker"]) == 2
    assert "GITHUB_WEBHOOK_SECRET" in capsys.readouterr().err


def test_separate_worker_process_does_queued_work(fake, start_app, keys, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    sha = fake.add_repo(REPO, model_repo_files())
    receiver = start_app(start_worker=False)
    receiver.deliver("push", push_payload(sha), delivery="for-the-worker")
    env = {**os.environ, "GITHUB_APP_ID": "4242", "GITHUB_PRIVATE_KEY": keys[0], "GITHUB_WEBHOOK_SECRET": SECRET,
           "GITHUB_API_URL": fake.base_url, "DATABASE_URL": receiver.settings.database_url,
           "WRITE_INTERVAL_SECONDS": "0", "WORKER_TYPE": "thread", "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, "-m", "app", "worker", "--workers", "1"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: receiver.store.state("for-the-worker") == "done", timeout=30)
        assert fake.runs_for(REPO, sha)[0]["status"] == "completed"
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
