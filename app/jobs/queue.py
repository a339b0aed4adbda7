"""The durable queue: Huey with SQLite storage (the same task code runs on Redis with RedisHuey)."""

from __future__ import annotations

import logging
import os

from huey import SqliteHuey
from huey.consumer import Consumer

from app.jobs.runtime import Runtime, stored_work

log = logging.getLogger("openwashing.queue")

_RUNTIME: Runtime | None = None  # the worker's runtime; Huey tasks find it here
_RUNTIME_PID = 0  # process workers are forked: each makes its own runtime (SQLite, HTTP pools)


class _EmbeddedConsumer(Consumer):
    """Huey's consumer inside the web process: the server, not Huey, owns the signal handlers."""

    def _set_signal_handlers(self) -> None:
        pass


def create_queue(path: str) -> SqliteHuey:
    # The queue has its own file: workers polling it then never hold the lock that the receiver
    # needs to store deliveries, which would stall acknowledgements behind SQLite's busy waits.
    huey = SqliteHuey("openwashing", filename=queue_path(path), results=False, utc=True)

    @huey.task(name="run_work")
    def run_work(delivery_id: str, work: dict) -> None:
        _worker_runtime().run(delivery_id, work)

    huey.run_work = run_work
    return huey


def queue_path(database_path: str) -> str:
    base, _ext = os.path.splitext(os.path.abspath(database_path))
    return f"{base}.queue.sqlite3"


def _worker_runtime() -> Runtime:
    global _RUNTIME, _RUNTIME_PID
    if _RUNTIME is None:
        raise RuntimeError("worker started without a runtime")
    if os.getpid() != _RUNTIME_PID:
        _RUNTIME = Runtime.create(_RUNTIME.settings)
        _RUNTIME_PID = os.getpid()
    return _RUNTIME


def start_workers(huey: SqliteHuey, runtime: Runtime, workers: int, worker_type: str = "thread") -> Consumer:
    """Workers inside this process: threads, or forked processes that keep checks off the GIL the
    receiver needs (each process opens its own store and GitHub connections)."""
    global _RUNTIME, _RUNTIME_PID
    _RUNTIME, _RUNTIME_PID = runtime, os.getpid()
    consumer = _EmbeddedConsumer(huey, workers=workers, periodic=False, worker_type=worker_type,
                                 initial_delay=0.02, backoff=1.5, max_delay=0.5, check_worker_health=False)
    consumer.start()
    return consumer


def requeue_lost_work(huey: SqliteHuey, runtime: Runtime) -> int:
    """Deliveries accepted but not finished and not waiting in the queue: a crash lost them."""
    waiting = {task.args[0] for task in huey.pending() if task.args}
    runtime.store.clear_pending_except(waiting)
    requeued = 0
    for delivery_id in runtime.store.unfinished():
        if delivery_id in waiting:
            continue
        for request in stored_work(runtime.store, delivery_id):
            runtime.store.release_job(request.key)
            if runtime.store.claim_job(request.key, delivery_id):
                huey.run_work(delivery_id, request.as_dict())
                requeued += 1
    if requeued:
        log.info("requeued %d deliveries that a restart had interrupted", requeued)
    return requeued
