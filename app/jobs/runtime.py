"""What a worker does with a queued delivery: take the installation's turn, run the job within its
budget, record the outcome. A job never waits for a turn inside a worker: it goes back to the
queue for as long as the turn is taken."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from app.engine.ruleset import RuleSet, default_ruleset
from app.github.calls import describe, with_backoff
from app.github.client import GitHubApp
from app.github.limits import Budget, waits_until
from app.jobs import queue as jobs_queue
from app.jobs.heartbeat import Heartbeat
from app.metrics import JOB_SECONDS
from app.settings import Settings
from app.state.holders import holder_id, host_name
from app.state.store import Store, open_store
from app.state.turns import FileTurns, RedisTurns, StoreTurns, Turn
from app.state.work import BackfillRequest, CheckRequest, CommandRequest, InstallationChange, work_from_dict

log = logging.getLogger("openwashing.jobs")


@dataclass
class Runtime:
    settings: Settings
    store: Store
    github: GitHubApp
    ruleset: RuleSet
    turns: object
    queue: object
    worker_id: str = ""

    def __post_init__(self) -> None:
        self.host = host_name(self.settings.host_id)
        self.worker_id = self.worker_id or holder_id(self.host)

    @classmethod
    def create(cls, settings: Settings, queue=None, store: Store | None = None) -> Runtime:
        store = store or open_store(settings.database_url)
        return cls(settings, store, GitHubApp(settings), default_ruleset(), make_turns(settings, store),
                   queue or jobs_queue.create_queue(settings))

    # What jobs use ------------------------------------------------------------------------------

    def retry(self, call, what: str):
        return with_backoff(call, self.settings.max_retries, self.settings.retry_base_seconds, what)

    def budget(self) -> Budget:
        s = self.settings
        return Budget(s.job_time_budget_seconds, s.max_documents, s.max_blob_bytes)

    def public_url(self, repo: str) -> str | None:
        base = self.settings.public_url
        return f"{base.rstrip('/')}/report/{repo}" if base else None

    # Running one delivery's work ---------------------------------------------------------------

    def run(self, delivery_id: str, work: dict) -> None:
        """Do one unit of work. Failures are recorded on the delivery, never dropped silently."""
        request = work_from_dict(work)
        if self.store.state(delivery_id) in ("done", "failed", "ignored"):
            return  # a duplicate task (a requeue raced the original): the work is done
        turn = self.turns.take(request.installation_id, self.worker_id)
        if not isinstance(turn, Turn):
            jobs_queue.enqueue(self.queue, delivery_id, work, delay=turn)  # back to the queue, worker freed
            return
        try:
            self._run_in_turn(request, delivery_id, turn)
        finally:
            self.turns.give_back(turn)

    def _run_in_turn(self, request, delivery_id: str, turn: Turn) -> None:
        lease = self.settings.lease_seconds
        attempt = self.store.start_job(delivery_id, self.worker_id, lease)
        self.store.release_job(request.key)
        if attempt > self.settings.max_job_attempts:
            self._give_up(request, delivery_id, attempt)
            return
        started, outcome = time.monotonic(), "done"
        renewals = {"job": lambda: self.store.renew_job(delivery_id, self.worker_id, lease),
                    "installation turn": lambda: self.turns.renew(turn)}
        deadline = time.monotonic() + self.settings.job_time_budget_seconds
        try:
            with Heartbeat(renewals, lease), waits_until(deadline):
                self._dispatch(request, delivery_id, attempt)
            self.store.set_state(delivery_id, "done")
        except Exception as exc:
            outcome = "failed"
            log.error("delivery %s failed: %s", delivery_id, describe(exc))
            self.store.set_state(delivery_id, "failed", describe(exc))
        finally:
            kind = type(request).__name__.removesuffix("Request").lower()
            JOB_SECONDS.labels(kind, outcome).observe(time.monotonic() - started)

    def _dispatch(self, request, delivery_id: str, attempt: int) -> None:
        from app.jobs.backfill import run_backfill
        from app.jobs.check import run_check
        from app.jobs.commands import run_commands
        if isinstance(request, CommandRequest):
            run_commands(self, request, delivery_id)
        elif isinstance(request, BackfillRequest):
            run_backfill(self, request, delivery_id)
        else:
            run_check(self, request, delivery_id, attempt)

    def _give_up(self, request, delivery_id: str, attempt: int) -> None:
        """A job that keeps dying (it takes its worker with it) is stopped, and said so."""
        reason = f"the job was started {attempt - 1} times and never finished; it has been given up"
        log.error("delivery %s: %s", delivery_id, reason)
        self.store.set_state(delivery_id, "failed", reason)
        if isinstance(request, CheckRequest):
            from app.jobs.check import could_not_check
            could_not_check(self, request, delivery_id, RuntimeError(reason))

    def apply(self, change: InstallationChange) -> None:
        self.store.apply_change(change)
        if change.deleted:
            self.github.forget_installation(change.installation_id)


def make_turns(settings: Settings, store: Store):
    """Redis keys with a Redis queue; leases in the store with PostgreSQL; lock files otherwise."""
    lease = settings.lease_seconds
    if settings.queue_is_redis:
        import redis
        return RedisTurns(redis.Redis.from_url(settings.queue_url), settings.key_prefix,
                          settings.write_interval_seconds, lease)
    if not settings.is_sqlite:
        return StoreTurns(store, settings.write_interval_seconds, lease)
    return FileTurns(f"{settings.local_base}.locks", settings.write_interval_seconds)
