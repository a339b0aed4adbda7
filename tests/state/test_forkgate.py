"""A fork never happens while a thread is inside SQLite, so forked workers never inherit a held
SQLite mutex (they hung in their first SQLite call when they did)."""

from __future__ import annotations

import os
import threading
import time

from app.state.forkgate import ForkGate


def test_a_fork_waits_for_the_threads_inside_and_the_gate_reopens():
    gate = ForkGate()
    entered, leave = threading.Event(), threading.Event()

    def worker():
        with gate.inside():
            entered.set()
            leave.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    entered.wait(5)
    forked = []

    def fork():
        gate.before_fork()
        forked.append(time.monotonic())
        gate.after_fork_in_parent()

    forker = threading.Thread(target=fork)
    forker.start()
    time.sleep(0.2)
    assert forked == []  # still waiting for the worker to leave SQLite
    released = time.monotonic()
    leave.set()
    forker.join(5)
    thread.join(5)
    assert forked and forked[0] >= released
    with gate.inside():  # open again
        pass


def test_a_thread_already_inside_may_enter_again_while_a_fork_waits():
    gate = ForkGate()
    done = threading.Event()

    def nested():
        with gate.inside():
            time.sleep(0.1)  # the fork starts waiting now
            with gate.inside():
                done.set()

    thread = threading.Thread(target=nested)
    thread.start()
    time.sleep(0.05)
    gate.before_fork()
    gate.after_fork_in_parent()
    thread.join(5)
    assert done.is_set()


def test_forked_children_open_sqlite_while_other_threads_hammer_it(tmp_path):
    """Many forks while threads keep SQLite busy: every child gets its connection and exits."""
    from app.state.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            store.counts()

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(100):  # without the gate about one fork in two hundred hangs
            pid = os.fork()
            if pid == 0:  # the child: one SQLite call, then leave without cleanup
                import sqlite3
                sqlite3.connect(str(tmp_path / "child.sqlite3")).execute("SELECT 1")
                os._exit(0)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                finished, status = os.waitpid(pid, os.WNOHANG)
                if finished:
                    assert os.waitstatus_to_exitcode(status) == 0
                    break
                time.sleep(0.01)
            else:
                os.kill(pid, 9)
                raise AssertionError("a forked child hung in SQLite")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        store.close()
