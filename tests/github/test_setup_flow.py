"""Registering the app from its manifest ends well: GitHub's redirect lands on a page that shows
the next steps, and the one-time code becomes credentials `openwashing serve` reads."""

from __future__ import annotations

import json
import re
import stat
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import yaml

from app.cli import main
from app.settings import Settings
from app.setup import SetupServer
from tests.conftest import ROOT
from tests.github.conftest import REPO, model_repo_files, push_payload, wait_for


def created_app(keys) -> dict:
    """What GitHub answers for a converted code (fields as in its REST docs)."""
    return {"id": 5150, "slug": "openwashing-acme", "name": "openwashing-acme", "node_id": "A_1",
            "owner": {"login": "acme-ai"}, "html_url": "https://github.com/apps/openwashing-acme",
            "client_id": "Iv1.abc123", "client_secret": "cs_secret", "webhook_secret": "whsec_123",
            "pem": keys[0], "permissions": {}, "events": [], "created_at": "2026-11-25T00:00:00Z",
            "updated_at": "2026-11-25T00:00:00Z", "description": "", "external_url": "https://ow.example.com"}


def env_values(path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_setup_code_writes_credentials_serve_can_read(fake, keys, tmp_path, capsys):
    fake.manifest_codes["abc123"] = created_app(keys)
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=sqlite:///kept.sqlite3\nGITHUB_APP_ID=old\n")
    assert main(["setup", "--code", "abc123", "--api-url", fake.base_url, "--env-file", str(env_file)]) == 0
    values = env_values(env_file)
    assert values["GITHUB_APP_ID"] == "5150" and values["GITHUB_WEBHOOK_SECRET"] == "whsec_123"
    assert values["GITHUB_CLIENT_ID"] == "Iv1.abc123" and values["DATABASE_URL"] == "sqlite:///kept.sqlite3"
    key = tmp_path / "openwashing-acme.private-key.pem"
    assert values["GITHUB_PRIVATE_KEY_PATH"] == str(key) and key.read_text() == keys[0]
    assert stat.S_IMODE(key.stat().st_mode) == stat.S_IMODE(env_file.stat().st_mode) == 0o600
    settings = Settings(_env_file=env_file)
    assert settings.github_app_id == "5150" and settings.signin_enabled and settings.private_key() == keys[0]
    assert "https://github.com/apps/openwashing-acme/installations/new" in capsys.readouterr().out
    # A code works once: a second use is a clear error, and nothing is overwritten.
    assert main(["setup", "--code", "abc123", "--api-url", fake.base_url, "--env-file", str(env_file)]) == 2
    assert "codes work once" in capsys.readouterr().err


def test_setup_page_registers_and_finishes_in_the_browser(fake, keys, tmp_path):
    fake.manifest_codes["xyz789"] = created_app(keys)
    server = SetupServer("https://ow.example.com", ROOT / "app.yml", False, "acme-ai", "https://github.com",
                         fake.base_url, tmp_path / ".env", 0)
    import threading
    threading.Thread(target=server.serve_until_done, daemon=True).start()
    form = httpx.get(server.address + "/").text
    target = unescape(re.search(r'<form action="([^"]+)"', form).group(1))
    manifest = json.loads(unescape(re.search(r'name="manifest" value="([^"]*)"', form).group(1)))
    assert target.startswith("https://github.com/organizations/acme-ai/settings/apps/new?state=")
    assert manifest["redirect_url"] == f"{server.address}/setup/done" and manifest["public"] is False
    assert manifest["hook_attributes"]["url"] == "https://ow.example.com/api/github/webhooks"
    assert manifest["callback_urls"] == ["https://ow.example.com/login/callback"]
    state = parse_qs(urlsplit(target).query)["state"][0]
    # GitHub sends the browser back with the code and the state it was given.
    forged = httpx.get(f"{server.address}/setup/done", params={"code": "xyz789", "state": "forged"})
    assert forged.status_code == 400 and "xyz789" in fake.manifest_codes
    done = httpx.get(f"{server.address}/setup/done", params={"code": "xyz789", "state": state})
    assert done.status_code == 200 and "GitHub App openwashing-acme is registered" in done.text
    assert "https://github.com/apps/openwashing-acme/installations/new" in done.text
    assert server.done.wait(5) and env_values(tmp_path / ".env")["GITHUB_APP_ID"] == "5150"


def test_the_running_app_answers_the_redirect_with_next_steps(fake, start_app):
    app = start_app()
    page = app.client.get("/setup/done", params={"code": "c0de42"})
    assert page.status_code == 200 and "openwashing setup --code c0de42" in page.text
    hostile = app.client.get("/setup/done", params={"code": "<script>x</script>"})
    assert hostile.status_code == 200 and "<script>x" not in hostile.text and "setup --code" not in hostile.text


def test_manifest_command_returns_to_the_setup_page(capsys):
    assert main(["manifest", "--url", "https://ow.example.com/"]) == 0
    page = capsys.readouterr().out
    manifest = json.loads(unescape(re.search(r'name="manifest" value="([^"]*)"', page).group(1)))
    assert manifest["redirect_url"] == "https://ow.example.com/setup/done"
    assert yaml.safe_load((ROOT / "app.yml").read_text())["public"] is False


def test_a_converted_app_checks_pushes(fake, keys, tmp_path, start_app):
    """The credentials written by setup are the ones the app then runs with."""
    fake.manifest_codes["go"] = {**created_app(keys), "id": fake.app_id}
    env_file = tmp_path / "app.env"
    assert main(["setup", "--code", "go", "--api-url", fake.base_url, "--env-file", str(env_file)]) == 0
    values = env_values(env_file)
    app = start_app(github_app_id=values["GITHUB_APP_ID"], github_private_key=None,
                    github_private_key_path=values["GITHUB_PRIVATE_KEY_PATH"])
    sha = fake.add_repo(REPO, model_repo_files())
    app.deliver("push", push_payload(sha))
    wait_for(lambda: any(r["status"] == "completed" for r in fake.runs_for(REPO, sha)))


def test_the_setup_page_answers_only_at_its_own_loopback_address(fake, keys, tmp_path):
    """DNS rebinding: a site whose name now points at 127.0.0.1 can neither read the form (and its
    state) nor finish setup with an app of its own."""
    fake.manifest_codes["evil1"] = created_app(keys)
    server = SetupServer("https://ow.example.com", ROOT / "app.yml", False, None, "https://github.com",
                         fake.base_url, tmp_path / ".env", 0)
    import threading
    threading.Thread(target=server.serve_until_done, daemon=True).start()
    rebound = {"Host": f"evil.example:{server.port}"}
    form = httpx.get(server.address + "/", headers=rebound)
    assert form.status_code == 403 and server.state not in form.text
    finish = httpx.get(f"{server.address}/setup/done", params={"code": "evil1", "state": server.state},
                       headers=rebound)
    assert finish.status_code == 403 and not (tmp_path / ".env").exists() and "evil1" in fake.manifest_codes
    assert httpx.get(f"{server.address}/setup/done", params={"code": "x", "state": "\u00e9"}).status_code == 400
    assert httpx.get(f"http://localhost:{server.port}/").status_code == 200
    server.done.set()
