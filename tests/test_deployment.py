"""The deployment files, checked without a Docker engine (none runs on these machines): the compose
file describes the topology the end-to-end test runs as processes, with the settings the app reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from app.cli import build_parser
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_postgres_redis_two_receivers_and_two_workers():
    services = compose()["services"]
    assert {"postgres", "redis", "receiver-1", "receiver-2", "worker-1", "worker-2"} <= set(services)
    for name in ("receiver-1", "receiver-2"):
        assert services[name]["command"][:3] == ["openwashing", "serve", "--no-worker"]
    for name in ("worker-1", "worker-2"):
        assert services[name]["command"][:2] == ["openwashing", "worker"]
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_compose_commands_and_settings_are_ones_the_app_knows():
    parser = build_parser()
    known = {name.upper() for name in Settings.model_fields}
    for name, service in compose()["services"].items():
        if "command" in service and service["command"][0] == "openwashing":
            parser.parse_args(service["command"][1:])  # exits on an unknown flag
        for key in (service.get("environment") or {}):
            assert key in known or name in ("postgres", "redis"), (name, key)
    env = compose()["x-openwashing"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and env["QUEUE_URL"].startswith("redis://")


def test_dockerfile_runs_the_app_as_a_non_root_user_with_a_health_check():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER openwashing$", text, re.M) and "HEALTHCHECK" in text and "/healthz" in text
    assert "pip install ." in text
