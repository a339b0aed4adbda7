"""Shared helpers: building small repositories on disk or in memory."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from app.engine.ruleset import default_ruleset
from app.engine.scan import scan
from app.engine.snapshot import Snapshot

# Tests never leave 127.0.0.1: the Hugging Face Hub is off unless a test points a client at the fake
# Hub (tests/hub/fake_hub.py) itself. Set before anything reads it, and inherited by the processes
# the tests start.
os.environ["HF_HUB_OFFLINE"] = "1"

ROOT = Path(__file__).resolve().parent.parent
# ../shared (the labelled corpus, licence texts, GitHub's fixtures) sits beside the project on its
# development machines and in CI, never in a user's clone: a test that reads it asks shared_file.
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "examples" / "openwashed-model"

APACHE_HEAD = """
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION
"""

MIT_TEXT = """MIT License

Copyright (c) 2026 Example

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
"""


# The differential tests (hypothesis) draw the same examples on every run, so the suite passes or
# fails alike in CI and in any clone; HYPOTHESIS_PROFILE=explore draws new ones to look for cases.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(scope="session")
def ruleset():
    return default_ruleset()


def shared_file(relative: str) -> Path:
    """A path under ../shared, or a skip that says why: a fresh clone has no ../shared beside it."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"needs ../shared/{relative}, which is not beside this checkout")
    return path


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """`openwashing ARGS` in this process: the exit code, standard output and standard error."""
    from app.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def scan_files(files: dict[str, str | bytes], extra_paths: tuple[str, ...] = (), config=None, hub=None):
    return scan(Snapshot.from_mapping(files, extra_paths), config, hub=hub)


# PostgreSQL and Redis run on every development machine and in CI (.ci/run checks them first).
# Each test gets its own database and its own Redis key prefix; a test never skips for want of them.
PG_ADMIN_URL = os.environ.get("OPENWASHING_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("OPENWASHING_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def pg_url():
    import psycopg

    name = f"ow_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def redis_prefix():
    import redis

    prefix = f"owtest-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"*{prefix}*"))
    if keys:
        client.delete(*keys)


def pytest_sessionfinish(session, exitstatus):
    """A worker process some test left behind would make the interpreter wait for it forever at
    exit (multiprocessing joins its children): end them, and say so."""
    import multiprocessing

    leftovers = multiprocessing.active_children()
    for child in leftovers:
        child.kill()
        child.join(5)
    if leftovers:
        sys.stderr.write(f"\nconftest: ended {len(leftovers)} worker processes left running by the tests\n")
