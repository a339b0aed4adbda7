"""No fork while a thread is inside SQLite.

The app forks its worker processes from a process whose other threads use SQLite (the delivery
writer, the WAL checkpointer, maintenance, the SQLite queue). SQLite guards its memory allocator
with a process-wide mutex; a fork taken while another thread holds it leaves the child with a
mutex no thread will ever release, and the child hangs in its first SQLite call. Every use of
SQLite in this process passes through `inside()`; just before a fork the gate closes, waits
until no thread is inside, and opens again in both processes once the fork is done.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ForkGate:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._inside = 0
        self._forking = False
        self._depth = threading.local()  # a thread already inside may enter again without waiting

    @contextmanager
    def inside(self) -> Iterator[None]:
        depth = getattr(self._depth, "value", 0)
        with self._condition:
            while self._forking and depth == 0:
                self._condition.wait()
            self._inside += 1
        self._depth.value = depth + 1
        try:
            yield
        finally:
            self._depth.value = depth
            with self._condition:
                self._inside -= 1
                self._condition.notify_all()

    def before_fork(self) -> None:
        """Close the gate and wait for the threads inside; the lock is held across the fork."""
        self._condition.acquire()
        self._forking = True
        while self._inside:
            self._condition.wait()

    def after_fork_in_parent(self) -> None:
        self._forking = False
        self._condition.notify_all()
        self._condition.release()

    def after_fork_in_child(self) -> None:
        # The child has one thread, the one that forked: nobody else is inside, nobody waits.
        self._inside, self._forking = 0, False
        self._condition.release()


GATE = ForkGate()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=GATE.before_fork, after_in_parent=GATE.after_fork_in_parent,
                        after_in_child=GATE.after_fork_in_child)
