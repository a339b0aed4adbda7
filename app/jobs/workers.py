"""Worker processes (or threads) under a supervisor: dead workers are replaced, and forked
workers die with the process that started them, so a killed server leaves no orphans taking jobs."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import threading

from huey.consumer import Consumer

from app.gcpolicy import tune_for_scanning
from app.jobs import queue as jobs_queue

log = logging.getLogger("openwashing.workers")
PR_SET_PDEATHSIG = 1
HEALTH_CHECK_SECONDS = 1.0


class _EmbeddedConsumer(Consumer):
    """Huey's consumer inside another program: the program, not Huey, owns the signal handlers."""

    def _set_signal_handlers(self) -> None:
        pass


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this process when its parent dies (prctl PR_SET_PDEATHSIG), and leave at
    once if the parent is already gone."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the supervisor's stop ends them
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(0)


_forking_pid = 0
_pool_forking = threading.local()  # set while a pool starts or replaces its processes
_hook_registered = False


def _note_forking_process() -> None:
    global _forking_pid
    _forking_pid = os.getpid() if getattr(_pool_forking, "on", False) else 0


def _follow_forking_process() -> None:
    if _forking_pid:  # only the pool's own processes; other forks of this process are left alone
        die_with_parent(_forking_pid)


@contextlib.contextmanager
def _forking_workers():
    _pool_forking.on = True
    try:
        yield
    finally:
        _pool_forking.on = False


class WorkerPool:
    """Huey workers plus a supervisor thread that replaces any worker that died (an OOM kill)."""

    def __init__(self, huey, runtime_factory, workers: int, worker_type: str) -> None:
        self.huey, self.worker_type = huey, worker_type
        self.parent = os.getpid()
        self._runtime_factory = runtime_factory
        self._stop = threading.Event()
        self._thread_runtime = runtime_factory() if worker_type == "thread" else None
        if self._thread_runtime is not None:
            jobs_queue.set_runner(self._thread_runtime.run)
        huey.on_startup("openwashing-worker")(self._start_worker)
        self.consumer = _EmbeddedConsumer(huey, workers=workers, periodic=False, worker_type=worker_type,
                                          initial_delay=0.01, backoff=1.5, max_delay=0.1,
                                          check_worker_health=False, scheduler_interval=1)
        self._supervisor = threading.Thread(target=self._supervise, name="worker-supervisor", daemon=True)

    def _start_worker(self) -> None:
        if os.getpid() != self.parent:  # a forked worker: its own store, connections and runtime
            jobs_queue.set_runner(self._runtime_factory().run)
            tune_for_scanning()  # the worker does little but scan: collect as the CLI does

    def start(self) -> WorkerPool:
        global _hook_registered
        if self.worker_type == "process" and not _hook_registered:
            # The pool's processes (workers, Huey's scheduler, replacements) die with this one,
            # before they run any code of their own.
            os.register_at_fork(before=_note_forking_process, after_in_child=_follow_forking_process)
            _hook_registered = True
        with _forking_workers():
            self.consumer.start()
        self._supervisor.start()
        return self

    def _supervise(self) -> None:
        # Workers are forked from this thread: PR_SET_PDEATHSIG fires when the forking thread
        # ends, and this one lives as long as the process.
        while not self._stop.wait(HEALTH_CHECK_SECONDS):
            try:
                with _forking_workers():
                    self.consumer.check_worker_health()
            except Exception:  # supervision must go on
                log.exception("could not check the workers")

    def pids(self) -> list[int]:
        return [p.pid for _w, p in self.consumer.worker_threads if getattr(p, "pid", None)]

    def stop(self, graceful: bool = True) -> None:
        self._stop.set()
        self.consumer.stop(graceful=graceful)
        if self._thread_runtime is not None:  # thread workers share this process's runtime and its store
            self._thread_runtime.store.close()
