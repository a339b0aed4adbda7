"""The SQLite engine: one file in WAL mode, one connection per process behind a lock."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from app.state.forkgate import GATE
from app.state.store import Cursor

CHECKPOINT_SECONDS = 1.0


class SqliteTransaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def execute(self, sql: str, args: tuple = ()) -> Cursor:
        cursor = self.db.execute(sql, args)
        rows = cursor.fetchall() if cursor.description else None
        return Cursor(rows, cursor.rowcount)

    @contextmanager
    def savepoint(self, name: str) -> Iterator[None]:
        self.db.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.db.execute(f"ROLLBACK TO {name}")
            self.db.execute(f"RELEASE {name}")
            raise
        self.db.execute(f"RELEASE {name}")


class SqliteEngine:
    name = "sqlite"
    blob_type = "BLOB"
    real_type = "REAL"

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = url[len("sqlite:///"):] or "openwashing.sqlite3"
        self._lock = threading.Lock()
        with GATE.inside():
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            # WAL with synchronous=NORMAL survives a crash of the app; only a power cut can lose the
            # last transactions, and GitHub's delivery log lets the app ask for those again.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # Checkpoints move the WAL into the database and fsync; done inline they stall whichever
            # request triggers them. A background thread runs them instead, beside the writers.
            self._db.execute("PRAGMA wal_autocheckpoint=0")
        self._closing = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="wal-checkpoint", daemon=True)
        self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        with GATE.inside():
            db = sqlite3.connect(self.path, timeout=30)
        try:
            while not self._closing.wait(CHECKPOINT_SECONDS):
                with GATE.inside(), suppress(sqlite3.Error):  # a full disk or a busy database: next round
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            with GATE.inside():
                db.close()

    @contextmanager
    def transaction(self, migration_lock: bool = False) -> Iterator[SqliteTransaction]:
        with GATE.inside(), self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(self._db)
            except BaseException:
                _rollback(self._db)
                raise
            try:
                self._db.execute("COMMIT")
            except BaseException:
                _rollback(self._db)
                raise

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with GATE.inside(), self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        if self._closing.is_set():
            return
        self._closing.set()
        self._checkpointer.join(timeout=5)
        with GATE.inside(), self._lock:
            with suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()


def _rollback(db: sqlite3.Connection) -> None:
    """Roll back, keeping the error that caused it: a failed rollback (a full disk, a transaction
    SQLite already ended) must not hide the real one."""
    with suppress(sqlite3.Error):
        db.execute("ROLLBACK")
