"""The Dockerfile's promises, read statically (no Docker engine runs here)."""

from pathlib import Path

DOCKERFILE = (Path(__file__).resolve().parent.parent.parent / "Dockerfile").read_text()


def test_slim_base_non_root_healthcheck_and_serve():
    lines = [line.strip() for line in DOCKERFILE.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[0].startswith("FROM python:") and lines[0].endswith("-slim")
    users = [line for line in lines if line.startswith("USER ")]
    assert users and users[-1] != "USER root"
    assert any(line.startswith("HEALTHCHECK") for line in lines) and "/healthz" in DOCKERFILE
    assert lines[-1] == 'CMD ["openwashing", "serve", "--host", "0.0.0.0", "--port", "3000"]'
    for folder in ("app", "rules", "templates"):
        assert f"COPY {folder} ./{folder}" in DOCKERFILE
