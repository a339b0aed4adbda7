"""A host tells its own dead workers at once; of other hosts' workers it knows nothing."""

from __future__ import annotations

import subprocess
import sys

from app.jobs.heartbeat import Heartbeat
from app.state.holders import dead_here, holder_id


def test_a_host_knows_which_of_its_processes_are_gone():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    holder = holder_id("box", child.pid)
    assert not dead_here(holder, "box") and not dead_here(holder_id("box"), "box")
    child.kill()
    child.wait()
    assert dead_here(holder, "box")
    assert not dead_here(holder, "other-box")  # another host's view: only the lease can tell
    assert not dead_here("worker-7", "box") and not dead_here("box:notapid:1:x", "box")


def test_a_zombie_counts_as_dead_and_a_recycled_pid_is_not_the_old_process():
    import os
    import time

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.3)"])
    holder = holder_id("box", child.pid)
    deadline = time.monotonic() + 10
    while not dead_here(holder, "box") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert dead_here(holder, "box") and os.path.exists(f"/proc/{child.pid}")  # exited, not yet reaped
    child.wait()
    pid = holder_id("box").split(":")[1]
    assert dead_here(f"box:{pid}:1:x", "box")  # this process's pid, another start time


def test_a_heartbeat_renews_survives_failures_and_reports_a_lease_taken_over():
    calls = {"job": 0, "turn": 0}

    def job() -> bool:
        calls["job"] += 1
        if calls["job"] == 2:
            raise ConnectionError("the store is paused")
        return True

    def turn() -> bool:
        calls["turn"] += 1
        return calls["turn"] < 3

    beat = Heartbeat({"job": job, "installation turn": turn}, lease_seconds=0.1)
    with beat:
        import time
        deadline = time.monotonic() + 5
        while calls["turn"] < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert calls["job"] >= 5 and beat.lost == {"installation turn"}  # a failed renewal is tried again
