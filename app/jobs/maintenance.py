"""Housekeeping that exactly one process does, however many workers and hosts there are.

Every worker host runs this loop. Each host first takes back the work of its own dead workers —
a killed worker process, or the whole previous incarnation of this host at start — at once, since
it can see which of its processes still run (app.state.holders). Then the one holding the store's
"maintenance" lease does the shared work: requeue jobs whose worker vanished on another host (their
lease, renewed by a running job's heartbeat, ran out) and deliveries stored but never queued,
ask GitHub every REDELIVER_EVERY_MINUTES for failed deliveries (it never retries by itself),
prune what retention no longer needs, and publish the gauges read from shared state.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from app.github.calls import describe
from app.jobs import queue as jobs_queue
from app.metrics import BACKFILL, QUEUE_DEPTH
from app.state.holders import dead_here
from app.state.work import change_from_dict

log = logging.getLogger("openwashing.maintenance")
TICK_SECONDS = 2.0
TICKS_PER_LEASE = 3  # the leader renews its lease each tick; a dead leader is replaced after LEASE_SECONDS
PRUNE_EVERY_SECONDS = 3600.0


class Maintenance:
    def __init__(self, runtime, redeliver: bool = True) -> None:
        self.runtime = runtime
        self.owner = f"maintenance:{uuid.uuid4().hex}"
        self.redeliver = redeliver
        # A dead host may have been the leader: its successor must not wait longer than for its jobs.
        self.lease_seconds = max(runtime.settings.lease_seconds, TICKS_PER_LEASE * TICK_SECONDS)
        self._stop = threading.Event()
        self._next_redelivery = 0.0
        self._next_prune = 0.0
        self._thread = threading.Thread(target=self._loop, name="maintenance", daemon=True)

    def start(self) -> Maintenance:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            try:
                self.reclaim_own()
                if self.runtime.store.try_lease("maintenance", self.owner, self.lease_seconds):
                    self.tick()
            except Exception as exc:  # a store or GitHub outage: try next round
                log.warning("maintenance skipped a round: %s", describe(exc))
            if self._stop.wait(TICK_SECONDS):
                return

    def tick(self, now: float | None = None) -> dict[str, int]:
        now = now or time.time()
        done = {"changes_applied": self.apply_stored_changes(), "requeued_expired": self.requeue_expired(),
                "requeued_lost": self.requeue_lost()}
        if self.redeliver and now >= self._next_redelivery:
            from app.github.deliveries import redeliver_missed
            done["redelivered"] = len(redeliver_missed(self.runtime.github, self.runtime.store,
                                                       self.runtime.settings))
            self._next_redelivery = now + self.runtime.settings.redeliver_every_minutes * 60
        if now >= self._next_prune:
            done.update(self.prune())
            self._next_prune = now + PRUNE_EVERY_SECONDS
        self._gauges()
        return done

    def reclaim_own(self) -> int:
        """This host's jobs and installation turns whose worker process no longer runs, back at once."""
        host, store = self.runtime.host, self.runtime.store
        count = sum(self._requeue(delivery_id) for delivery_id, worker in store.jobs_in_progress()
                    if dead_here(worker, host) and store.reclaim_job(delivery_id, worker))
        turns = self.runtime.turns.release_dead(lambda holder: dead_here(holder, host))
        if count or turns:
            log.warning("took back %d jobs and %d installation turns of this host's dead workers", count, turns)
        return count

    def requeue_expired(self) -> int:
        """Jobs a dead worker held: their lease ran out, so the work goes back to the queue."""
        store = self.runtime.store
        count = sum(self._requeue(delivery_id) for delivery_id in store.expired_jobs()
                    if store.reclaim_job(delivery_id))
        if count:
            log.warning("requeued %d jobs whose worker stopped answering", count)
        return count

    def apply_stored_changes(self) -> int:
        """Changes of deliveries the receiver stored but could not apply (the store failed after
        the commit): applied now, then marked applied; a delivery without work is then done."""
        store, count = self.runtime.store, 0
        for delivery_id, changes in store.unapplied_changes(self.runtime.settings.lost_after_seconds):
            for change in changes:
                self.runtime.apply(change_from_dict(change))
            store.changes_applied(delivery_id)
            record = store.delivery(delivery_id)
            if record is not None and not record.work and record.state == "received":
                store.set_state(delivery_id, "done")
            count += 1
        if count:
            log.warning("applied the changes of %d deliveries the receiver had stored but not applied", count)
        return count

    def requeue_lost(self) -> int:
        """Deliveries stored but not in the queue (the process died between the two)."""
        store, queue = self.runtime.store, self.runtime.queue
        waiting = jobs_queue.waiting_deliveries(queue)
        count = 0
        for delivery_id in store.unfinished():
            record = store.delivery(delivery_id)
            if record is None or record.state == "processing" or delivery_id in waiting:
                continue
            if self._age(delivery_id) > self.runtime.settings.lost_after_seconds:
                count += self._requeue(delivery_id)
        if count:
            log.warning("requeued %d deliveries that were stored but never queued", count)
        return count

    def _age(self, delivery_id: str) -> float:
        rows = self.runtime.store.engine.query("SELECT received_at FROM deliveries WHERE id = ?", (delivery_id,))
        return time.time() - rows[0][0] if rows else 0.0

    def _requeue(self, delivery_id: str) -> int:
        record = self.runtime.store.delivery(delivery_id)
        if record is None or not record.work:
            self.runtime.store.set_state(delivery_id, "failed", "no stored work to run again")
            return 0
        if record.state != "queued":  # a reclaimed job is queued already, in the statement that took it back
            self.runtime.store.set_state(delivery_id, "queued")
        for item in record.work:
            jobs_queue.enqueue(self.runtime.queue, delivery_id, item)
        return 1

    def prune(self) -> dict[str, int]:
        s = self.runtime.settings
        pruned = self.runtime.store.prune(s.retention_days * 86400, s.blob_retention_days * 86400)
        pruned["lock_files_removed"] = self.runtime.turns.prune(s.retention_days * 86400)
        log.info("pruned: %s", pruned)
        return pruned

    def _gauges(self) -> None:
        QUEUE_DEPTH.set(jobs_queue.depth(self.runtime.queue))
        for (installation, state), count in self.runtime.store.backfill_progress().items():
            BACKFILL.labels(str(installation), state).set(count)
