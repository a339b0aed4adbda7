"""Redis or PostgreSQL paused mid-job (a stop signal, a network stall): nothing is lost or run
twice, and nothing is held longer than the pause and one lease."""

from __future__ import annotations

import time

import pytest

from tests.e2e.proxy import PausableRelay
from tests.github.conftest import REPO, completed, model_repo_files, push_payload, wait_for

PAUSE_SECONDS, LEASE_SECONDS, SLOW_TREE = 2.0, 3.0, 1.0


@pytest.mark.parametrize("paused", ["redis", "postgresql"])
def test_a_pause_of_the_store_or_queue_shorter_than_the_lease_loses_nothing(paused, fake, start_app, pg_url,
                                                                            redis_prefix):
    """Redis or PostgreSQL stops answering for a while mid-job (its connections stay open): every
    check still completes once, and the installation's turn is held no longer than the pause and
    a lease."""
    import psycopg.conninfo

    redis_relay = PausableRelay("127.0.0.1", 6379)
    pg = psycopg.conninfo.conninfo_to_dict(pg_url)
    pg_relay = PausableRelay(pg.get("host", "127.0.0.1"), int(pg.get("port", 5432)))
    relay = redis_relay if paused == "redis" else pg_relay
    shas = [fake.add_repo(REPO, {**model_repo_files(), "n.md": "0"})]
    shas += [fake.commit(REPO, {**model_repo_files(), "n.md": str(i)}) for i in range(1, 3)]
    fake.slow[r"/git/trees/"] = SLOW_TREE
    app = start_app(workers=2, lease_seconds=LEASE_SECONDS, write_interval_seconds=0.0, key_prefix=redis_prefix,
                    queue_url=redis_relay.url("redis", "/0"),
                    database_url=pg_relay.url("postgresql", f"/{pg['dbname']}?user={pg.get('user', 'postgres')}"))
    try:
        for sha in shas:
            assert app.deliver("push", push_payload(sha)).status_code == 202
        wait_for(lambda: app.store.engine.query("SELECT 1 FROM deliveries WHERE state = 'processing'"), timeout=30)
        relay.pause()
        time.sleep(PAUSE_SECONDS)
        relay.resume()
        resumed = time.monotonic()
        wait_for(lambda: all(completed(fake, sha) for sha in shas), timeout=60)
        took = time.monotonic() - resumed
        time.sleep(1.0)
        assert [len(fake.runs_for(REPO, sha)) for sha in shas] == [1, 1, 1]
        # What was left to do after the pause (at most the three slow reads and their writes),
        # plus at most one lease of waiting.
        assert took <= LEASE_SECONDS + len(shas) * (SLOW_TREE + 1.0), took
    finally:
        app.stop()
        redis_relay.close()
        pg_relay.close()
