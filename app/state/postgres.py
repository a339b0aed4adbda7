"""The PostgreSQL engine: a connection pool (psycopg 3), for receivers and workers on many hosts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from psycopg_pool import ConnectionPool

from app.state.store import Cursor

MIGRATION_LOCK = 7_162_738  # pg_advisory_xact_lock key: one host migrates, the others wait


@lru_cache(maxsize=256)
def _placeholders(sql: str) -> str:
    return re.sub(r"\?", "%s", sql.replace("%", "%%"))


class PostgresTransaction:
    def __init__(self, connection) -> None:
        self.connection = connection

    def execute(self, sql: str, args: tuple = ()) -> Cursor:
        with self.connection.cursor() as cursor:
            cursor.execute(_placeholders(sql), args)
            rows = cursor.fetchall() if cursor.description else None
            return Cursor(rows, cursor.rowcount)

    @contextmanager
    def savepoint(self, name: str) -> Iterator[None]:
        with self.connection.transaction():  # nested: psycopg makes it a savepoint
            yield


class PostgresEngine:
    name = "postgresql"
    blob_type = "BYTEA"
    real_type = "DOUBLE PRECISION"

    def __init__(self, url: str, max_size: int = 8) -> None:
        self.url = url
        self._pool = ConnectionPool(url, min_size=1, max_size=max_size, open=True, timeout=10,
                                    kwargs={"connect_timeout": 5})
        self._pool.wait(timeout=10)

    @contextmanager
    def transaction(self, migration_lock: bool = False) -> Iterator[PostgresTransaction]:
        with self._pool.connection() as connection, connection.transaction():
            tx = PostgresTransaction(connection)
            if migration_lock:
                tx.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            yield tx

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._pool.connection() as connection, connection.cursor() as cursor:
            cursor.execute(_placeholders(sql), args)
            return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        self._pool.close()
