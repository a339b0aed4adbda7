"""A host killed with SIGKILL mid-job: its checks complete within 30 s of a worker being available
again, none lost and none run twice — on one host (SQLite) and on several (PostgreSQL + Redis)."""

from __future__ import annotations

from tests.conftest import REDIS_URL
from tests.e2e.recovery import many_hosts, one_host
from tests.github.conftest import APP_ID
from tests.github.fake_github import FakeGitHub, generate_keys

GOAL_SECONDS = 30.0


def _fake():
    private_key, public_key = generate_keys()
    return FakeGitHub(APP_ID, public_key).start(), private_key


def test_a_host_killed_mid_job_takes_its_work_back_when_it_starts_again(tmp_path):
    fake, private_key = _fake()
    try:
        result = one_host(fake, private_key, tmp_path)
    finally:
        fake.stop()
    assert result.interrupted >= 1
    assert (result.lost, result.duplicated) == (0, 0), result.check_runs
    assert result.recovery_seconds <= GOAL_SECONDS, result


def test_a_worker_host_killed_mid_job_has_its_work_taken_over_by_another(tmp_path, pg_url, redis_prefix):
    fake, private_key = _fake()
    try:
        result = many_hosts(fake, private_key, tmp_path, pg_url, REDIS_URL, redis_prefix)
    finally:
        fake.stop()
    assert result.interrupted >= 1
    assert (result.lost, result.duplicated) == (0, 0), result.check_runs
    assert result.recovery_seconds <= GOAL_SECONDS, result

