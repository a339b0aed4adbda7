"""The durable queue: Huey, on a SQLite file by default or on Redis (QUEUE_URL), the same task code."""

from __future__ import annotations

import logging
import os

from huey import RedisHuey, SqliteHuey

from app.settings import Settings
from app.state.forkgate import GATE

log = logging.getLogger("openwashing.queue")

_RUNNER = None  # set by each worker process: what a queued task calls


def create_queue(settings: Settings):
    """The Huey instance for these settings, with the one task the app queues."""
    if settings.queue_is_redis:
        # Workers block on the list (BRPOP): a task starts the moment it is queued.
        huey = RedisHuey(settings.key_prefix, url=settings.queue_url, results=False, utc=True, blocking=True,
                         read_timeout=1)
    else:
        # The queue has its own file: workers polling it never hold the lock that the receiver
        # needs to store deliveries.
        huey = SqliteHuey(settings.key_prefix, filename=queue_path(settings), results=False, utc=True)

    @huey.task(name="run_work")
    def run_work(delivery_id: str, work: dict) -> None:
        if _RUNNER is None:
            raise RuntimeError("a task ran in a process without a worker runtime")
        _RUNNER(delivery_id, work)

    huey.run_work = run_work
    return huey


def set_runner(runner) -> None:
    global _RUNNER
    _RUNNER = runner


def queue_path(settings: Settings) -> str:
    if settings.queue_url and settings.queue_url.startswith("sqlite:///"):
        return os.path.abspath(settings.queue_url[len("sqlite:///"):])
    return f"{settings.local_base}.queue.sqlite3"


def enqueue(huey, delivery_id: str, work: dict, delay: float = 0.0) -> None:
    with GATE.inside():  # the queue may be a SQLite file (see app.state.forkgate)
        if delay > 0:
            huey.run_work.schedule(args=(delivery_id, work), delay=delay)
        else:
            huey.run_work(delivery_id, work)


def waiting_deliveries(huey) -> set[str]:
    """Delivery ids with a task queued or scheduled: work that is not lost."""
    with GATE.inside():
        tasks = list(huey.pending()) + list(huey.scheduled())
    return {task.args[0] for task in tasks if task.args}


def depth(huey) -> int:
    with GATE.inside():
        return huey.pending_count() + huey.scheduled_count()
