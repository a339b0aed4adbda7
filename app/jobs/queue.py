"""The durable queue: Huey with SQLite storage (the same task code runs on Redis with RedisHuey)."""

from __future__ import annotations

import logging
import os

from huey import SqliteHuey
from huey.consumer import Consumer

from app.jobs.runtime import Runtime, stored_work

log = logging.getLogger("openwashing.queue")

_RUNTIME: Runtime | None = None  # the worker's runtime; Huey tasks find it here


class _EmbeddedConsumer(Consumer):
    """Huey's consumer inside the web process: the server, not Huey, owns the signal handlers."""

    def _set_signal_handlers(self) -> None:
        pass


def create_queue(path: str) -> SqliteHuey:
    huey = SqliteHuey("openwashing", filename=os.path.abspath(path), results=False, utc=True)

    @huey.task(name="run_work")
    def run_work(delivery_id: str, work: dict) -> None:
        if _RUNTIME is None:
            raise RuntimeError("worker started without a runtime")
        _RUNTIME.run(delivery_id, work)

    huey.run_work = run_work
    return huey


def start_workers(huey: SqliteHuey, runtime: Runtime, workers: int) -> Consumer:
    global _RUNTIME
    _RUNTIME = runtime
    consumer = _EmbeddedConsumer(huey, workers=workers, periodic=False, worker_type="thread",
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
