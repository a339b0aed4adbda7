"""A running job's leases, renewed from a thread of its own.

Leases are short (LEASE_SECONDS, 15 by default) so that a dead worker's job and its installation's
turn are taken over within seconds; a job that runs for minutes keeps them by renewing them every
fifth of a lease. A renewal that fails (the store or Redis paused) is tried again at the next beat:
the job goes on, and a lease someone else took meanwhile is reported once and not fought over.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.github.calls import describe

log = logging.getLogger("openwashing.jobs")
BEATS_PER_LEASE = 5


class Heartbeat:
    def __init__(self, renewals: dict[str, Callable[[], bool]], lease_seconds: float) -> None:
        self.renewals, self.every = renewals, lease_seconds / BEATS_PER_LEASE
        self.lost: set[str] = set()
        self.beats = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lease-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every)  # a renewal stuck on a paused store is left to finish

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.beat()

    def beat(self) -> None:
        """Renew every lease once."""
        self.beats += 1
        for what, renew in self.renewals.items():
            try:
                held = renew()
            except Exception as exc:  # a pause or an outage: the next beat tries again
                log.warning("could not renew the %s lease: %s", what, describe(exc))
                continue
            if not held and what not in self.lost:
                self.lost.add(what)
                log.warning("the %s lease was taken over while this job ran", what)
