"""What the app remembers in SQLite: deliveries and their state, pending jobs, check runs, blobs."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, event TEXT NOT NULL, action TEXT, installation_id INTEGER,
    received_at REAL NOT NULL, state TEXT NOT NULL, detail TEXT, payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (state, received_at);
CREATE TABLE IF NOT EXISTS pending_jobs (key TEXT PRIMARY KEY, delivery_id TEXT NOT NULL, queued_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS check_runs (
    repo TEXT NOT NULL, sha TEXT NOT NULL, name TEXT NOT NULL, check_run_id INTEGER NOT NULL,
    PRIMARY KEY (repo, sha, name)
);
CREATE TABLE IF NOT EXISTS installations (id INTEGER PRIMARY KEY, account TEXT, repositories TEXT);
CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, content BLOB NOT NULL);
"""

CHECKPOINT_SECONDS = 1.0
# Delivery states: received -> queued -> processing -> done | failed; or coalesced / ignored.
UNFINISHED = ("received", "queued", "processing")


class Store:
    """One SQLite file in WAL mode, shared by the receiver and the workers of one process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        # WAL with synchronous=NORMAL survives a crash of the app; only a power cut can lose the
        # last transactions, and GitHub's delivery log lets the app ask for those again.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        # Checkpoints move the WAL into the database and fsync; done inline they stall whichever
        # request triggers them. A background thread runs them instead, beside the writers.
        self._db.execute("PRAGMA wal_autocheckpoint=0")
        self._closing = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="wal-checkpoint", daemon=True)
        self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            while not self._closing.wait(CHECKPOINT_SECONDS):
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        if self._closing.is_set():
            return
        self._closing.set()
        self._checkpointer.join(timeout=5)
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

    # Deliveries -----------------------------------------------------------------------------

    def accept_deliveries(self, batch: list[tuple[str, str, str | None, int | None, bytes, list[str]]]
                          ) -> list[list[str] | None]:
        """Store deliveries and claim their jobs, all in one transaction (a group commit).

        For each delivery: the job keys it claimed (the rest coalesce into jobs already pending),
        or None when its id was seen before (a replay or a redelivery). A delivery that only
        coalesces is recorded without its payload: the pending job's own delivery has one.
        """
        results: list[list[str] | None] = []
        with self._tx() as db:
            now = time.time()
            for delivery_id, event, action, installation_id, payload, keys in batch:
                if db.execute("SELECT 1 FROM deliveries WHERE id = ?", (delivery_id,)).fetchone():
                    results.append(None)
                    continue
                claimed = [key for key in keys if db.execute(
                    "INSERT OR IGNORE INTO pending_jobs VALUES (?, ?, ?)", (key, delivery_id, now)).rowcount == 1]
                state = ("queued" if claimed else "coalesced") if keys else "received"
                db.execute("INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                           (delivery_id, event, action, installation_id, now, state,
                            payload if claimed or not keys else b""))
                results.append(claimed)
        return results

    def claim_job(self, key: str, delivery_id: str) -> bool:
        """Mark a job pending; False when the same job is already waiting (the delivery coalesces)."""
        with self._tx() as db:
            claimed = db.execute("INSERT OR IGNORE INTO pending_jobs VALUES (?, ?, ?)",
                                 (key, delivery_id, time.time())).rowcount == 1
            db.execute("UPDATE deliveries SET state = ? WHERE id = ?",
                       ("queued" if claimed else "coalesced", delivery_id))
            return claimed

    def clear_pending_except(self, delivery_ids: set[str]) -> None:
        """After a restart, forget pending-job marks whose task is no longer in the queue."""
        rows = self._query("SELECT key, delivery_id FROM pending_jobs")
        stale = [key for key, delivery in rows if delivery not in delivery_ids]
        with self._tx() as db:
            db.executemany("DELETE FROM pending_jobs WHERE key = ?", [(k,) for k in stale])

    def release_job(self, key: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM pending_jobs WHERE key = ?", (key,))

    def set_state(self, delivery_id: str, state: str, detail: str | None = None) -> None:
        with self._tx() as db:
            db.execute("UPDATE deliveries SET state = ?, detail = ? WHERE id = ?", (state, detail, delivery_id))

    def delivery(self, delivery_id: str) -> tuple[str, str | None, bytes, str] | None:
        rows = self._query("SELECT event, action, payload, state FROM deliveries WHERE id = ?", (delivery_id,))
        return rows[0] if rows else None

    def state(self, delivery_id: str) -> str | None:
        rows = self._query("SELECT state FROM deliveries WHERE id = ?", (delivery_id,))
        return rows[0][0] if rows else None

    def unfinished(self) -> list[str]:
        """Deliveries accepted but not finished: work a crash or restart may have lost."""
        marks = ",".join("?" for _ in UNFINISHED)
        return [r[0] for r in self._query(
            f"SELECT id FROM deliveries WHERE state IN ({marks}) ORDER BY received_at", UNFINISHED)]

    def known_deliveries(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        marks = ",".join("?" for _ in ids)
        return {r[0] for r in self._query(f"SELECT id FROM deliveries WHERE id IN ({marks})", tuple(ids))}

    def counts(self) -> dict[str, int]:
        return dict(self._query("SELECT state, COUNT(*) FROM deliveries GROUP BY state"))

    # Check runs, installations, blobs -----------------------------------------------------------

    def check_run_id(self, repo: str, sha: str, name: str) -> int | None:
        rows = self._query("SELECT check_run_id FROM check_runs WHERE repo = ? AND sha = ? AND name = ?",
                           (repo, sha, name))
        return rows[0][0] if rows else None

    def remember_check_run(self, repo: str, sha: str, name: str, check_run_id: int) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO check_runs VALUES (?, ?, ?, ?)", (repo, sha, name, check_run_id))

    def save_installation(self, installation_id: int, account: str, repositories: list[str]) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO installations VALUES (?, ?, ?)",
                       (installation_id, account, "\n".join(sorted(repositories))))

    def installation_repositories(self, installation_id: int) -> list[str] | None:
        rows = self._query("SELECT repositories FROM installations WHERE id = ?", (installation_id,))
        return [r for r in rows[0][0].split("\n") if r] if rows else None

    def forget_installation(self, installation_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM installations WHERE id = ?", (installation_id,))

    def blob(self, sha: str) -> bytes | None:
        rows = self._query("SELECT content FROM blobs WHERE sha = ?", (sha,))
        return rows[0][0] if rows else None

    def save_blob(self, sha: str, content: bytes) -> None:
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?)", (sha, content))
