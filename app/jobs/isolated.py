"""Scans in a process of their own, so that a job's budget is kept from outside the scan.

A regular expression holds the interpreter until it returns: no timer inside the process can stop
it, and a pattern that backtracks over a hostile README would hold a worker — or, with thread
workers, the receiver's event loop — for as long as it likes. So each worker keeps a scan process
(`python -m app.jobs.scan_child`, started once, with the engine and its rules loaded), reads what
a scan needs, hands the files over a socket and waits at most the time left of the job's budget;
when it runs out, the scan process is ended and a new one started for the next job, and the check
concludes `timed_out`, once. The scan process asks the worker for Hub pages over the same socket,
so the Hub is read where the store is.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

from app.engine.config import Config
from app.engine.hub import HubSource
from app.engine.models import Report
from app.engine.snapshot import Snapshot, UnreadableFile
from app.github.limits import BudgetExceeded

STARTUP_SECONDS = 60.0  # a scan process that cannot say it is ready in this long is a broken install
_local = threading.local()  # one scan process per worker (thread or process)
_all: list[ScanProcess] = []


class ScanTimedOut(BudgetExceeded):
    """The scan did not finish within the job's time budget; its process was ended."""


class ScanProcess:
    """A child process that scans what it is sent, one snapshot at a time."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        env = {**os.environ, "OPENWASHING_SCAN_FD": str(theirs.fileno()), "OPENWASHING_PARENT": str(os.getpid())}
        self.process = subprocess.Popen([sys.executable, "-m", "app.jobs.scan_child"], env=env,
                                        pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, close_fds=True)
        theirs.close()
        self.conn = Connection(ours.detach())
        if not self.conn.poll(STARTUP_SECONDS) or self.conn.recv() != ("ready", None):
            self.stop()
            raise RuntimeError("the scan process did not start")
        _all.append(self)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        with contextlib.suppress(OSError):
            self.conn.close()
        if self in _all:
            _all.remove(self)

    def scan(self, snapshot: Snapshot, config: Config, hub: HubSource | None, seconds: float) -> Report:
        deadline = time.monotonic() + seconds
        self.conn.send(("scan", (snapshot.paths, snapshot.name, _files(snapshot, config), config,
                                 None if hub is None else (hub.offline or ""))))
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ScanTimedOut(f"the scan did not finish within the job's {seconds:.0f}-second budget "
                                   "and was stopped")
            if self.conn.poll(min(left, 0.5)):
                kind, payload = self.conn.recv()
                if kind == "fetch":
                    self.conn.send(hub.fetch(payload))
                elif kind == "report":
                    return payload
                else:
                    raise RuntimeError(f"the scan failed: {payload}")
            elif not self.alive():
                raise RuntimeError(f"the scan process ended without a report (exit code {self.process.returncode})")


def scan_isolated(snapshot: Snapshot, config: Config, hub: HubSource | None, seconds: float) -> Report:
    """scan(snapshot, config, rules, hub) in this worker's scan process, given at most `seconds`;
    a scan process that overran or died is replaced before the next scan."""
    helper = getattr(_local, "helper", None)
    if helper is None or not helper.alive():
        helper = _local.helper = ScanProcess()
    try:
        return helper.scan(snapshot, config, hub, seconds)
    except BaseException:
        helper.stop()  # whatever it was doing is abandoned: the next job gets a fresh process
        _local.helper = None
        raise


def _files(snapshot: Snapshot, config: Config) -> dict[str, tuple]:
    """What the scan will read, read here (where the GitHub client and the job's budget are):
    (size, bytes), (size, None) above the size limit, or (size, the error it raised)."""
    from app.engine.scan import files_read

    files: dict[str, tuple] = {}
    for path in files_read(snapshot, config):
        size = snapshot.size_of(path)
        if size is not None and size > config.max_file_bytes:
            files[path] = (size, None)
            continue
        try:
            files[path] = (size, snapshot.read_bytes(path))
        except (FileNotFoundError, UnreadableFile, OSError) as exc:
            files[path] = (size, (type(exc).__name__, str(exc)))
    return files


@atexit.register
def _stop_all() -> None:
    for helper in list(_all):
        helper.stop()
