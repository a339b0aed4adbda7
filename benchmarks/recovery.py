"""Time recovery after `kill -9` of a host in the middle of its jobs.

Usage: python benchmarks/recovery.py [--only one-host|many-hosts] [--lease 15]

One host: `openwashing serve` on SQLite with two process workers is killed while checks run, then
started again; its new incarnation sees the old one's workers are gone and takes their jobs back
at once. Several hosts: a receiver and two worker hosts on PostgreSQL + Redis (127.0.0.1:5432,
:6379); one host is killed mid-job and the other, which cannot see its processes, takes the work
over when the job and installation leases (LEASE_SECONDS, renewed by a running job's heartbeat)
lapse. Printed: jobs interrupted, seconds from a worker being available again to the last
interrupted check run completing, the floor (one ordinary push to its check run on the same hosts,
in the same run) and the ratio, lost and duplicated check runs. The goal (issue 19) is 30 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.recovery import Recovery, many_hosts, one_host  # noqa: E402
from tests.github.conftest import APP_ID  # noqa: E402
from tests.github.fake_github import FakeGitHub, generate_keys  # noqa: E402

GOAL_SECONDS = 30.0
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


def _print(name: str, result: Recovery) -> bool:
    ok = result.recovery_seconds <= GOAL_SECONDS and result.lost == result.duplicated == 0
    print(f"{name:<11} interrupted {result.interrupted}  recovered in {result.recovery_seconds:5.1f} s  "
          f"floor {result.floor_seconds:4.1f} s  ratio {result.recovery_seconds / result.floor_seconds:5.1f}x  "
          f"lost {result.lost}  duplicated {result.duplicated}  goal <= {GOAL_SECONDS:g} s: "
          f"{'met' if ok else 'MISSED'}")
    return ok


def _many_hosts(fake, key, folder: Path, lease: float) -> Recovery:
    import psycopg
    import redis

    name, prefix = f"ow_bench_{uuid.uuid4().hex[:10]}", f"owbench-{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        return many_hosts(fake, key, folder, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", REDIS_URL, prefix,
                          lease_seconds=lease)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"*{prefix}*"))
        if keys:
            client.delete(*keys)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["one-host", "many-hosts"])
    parser.add_argument("--lease", type=float, default=15.0, help="LEASE_SECONDS of the worker hosts")
    args = parser.parse_args(argv)
    private_key, public_key = generate_keys()
    fake = FakeGitHub(APP_ID, public_key).start()
    ok = True
    try:
        with tempfile.TemporaryDirectory() as folder:
            if args.only in (None, "one-host"):
                (Path(folder) / "one").mkdir()
                ok &= _print("one host", one_host(fake, private_key, Path(folder) / "one"))
            if args.only in (None, "many-hosts"):
                (Path(folder) / "many").mkdir()
                ok &= _print("many hosts", _many_hosts(fake, private_key, Path(folder) / "many", args.lease))
    finally:
        fake.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
