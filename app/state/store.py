"""What the app remembers: deliveries and their work, pending jobs and their leases, check runs,
installations, backfill progress, review fingerprints, cached blobs and named leases.

One implementation of the store in portable SQL, over two engines chosen by DATABASE_URL:
SQLite (the embedded default: one file, WAL, one connection per process) and PostgreSQL (for
several hosts: a connection pool). The schema is versioned and migrated at start-up.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

from app.state import records
from app.state.work import InstallationChange, RepositoryChange

log = logging.getLogger("openwashing.state")

# Delivery states: received -> queued -> processing -> done | failed; or coalesced / ignored.
UNFINISHED = ("received", "queued", "processing")
MAX_INT64 = 2 ** 63 - 1

# Each migration is a list of statements; {blob} and {real} are the engine's type names.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE IF NOT EXISTS deliveries (
            id TEXT PRIMARY KEY, event TEXT NOT NULL, action TEXT, installation_id BIGINT,
            received_at {real} NOT NULL, state TEXT NOT NULL, detail TEXT, payload {blob} NOT NULL,
            work TEXT, attempts INTEGER NOT NULL DEFAULT 0, lease_until {real}, worker TEXT)""",
        "CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (state, received_at)",
        """CREATE TABLE IF NOT EXISTS pending_jobs (
            key TEXT PRIMARY KEY, delivery_id TEXT NOT NULL, queued_at {real} NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS check_runs (
            repo TEXT NOT NULL, sha TEXT NOT NULL, name TEXT NOT NULL, check_run_id BIGINT NOT NULL,
            conclusion TEXT, checked_at {real}, PRIMARY KEY (repo, sha, name))""",
        """CREATE TABLE IF NOT EXISTS installations (
            id BIGINT PRIMARY KEY, account TEXT, repositories TEXT)""",
        """CREATE TABLE IF NOT EXISTS blobs (
            sha TEXT PRIMARY KEY, content {blob} NOT NULL, used_at {real} NOT NULL DEFAULT 0)""",
        """CREATE TABLE IF NOT EXISTS review_fingerprints (
            repo TEXT NOT NULL, pull INTEGER NOT NULL, fingerprint TEXT NOT NULL,
            PRIMARY KEY (repo, pull, fingerprint))""",
        """CREATE TABLE IF NOT EXISTS backfill (
            installation_id BIGINT NOT NULL, repo TEXT NOT NULL, state TEXT NOT NULL,
            updated_at {real} NOT NULL, detail TEXT, PRIMARY KEY (installation_id, repo))""",
        """CREATE TABLE IF NOT EXISTS leases (
            name TEXT PRIMARY KEY, owner TEXT NOT NULL, until {real} NOT NULL,
            next_start {real} NOT NULL DEFAULT 0)""",
    ],
    records.MIGRATION,
    [
        # Pages read from the Hugging Face Hub, by repository and revision sha (a revision never
        # changes), shared by every worker of every host.
        """CREATE TABLE IF NOT EXISTS hub_pages (
            key TEXT PRIMARY KEY, body TEXT NOT NULL, used_at {real} NOT NULL)""",
    ],
    [
        # GitHub's time of the privacy each repository row holds: newer facts only (records._NEWER).
        "ALTER TABLE repositories ADD COLUMN privacy_at {real}",
    ],
    [
        # What a delivery changes (privacy, names, installations), kept until it has been applied:
        # a failure after the delivery is stored cannot lose it.
        "ALTER TABLE deliveries ADD COLUMN changes TEXT",
        "CREATE INDEX IF NOT EXISTS deliveries_unapplied ON deliveries (received_at) WHERE changes IS NOT NULL",
    ],
    [
        # Sessions from before users' tokens were encrypted (app.web.tokens) held them in plain
        # text: gone, and their users sign in again.
        "DELETE FROM sessions",
    ],
]


@dataclass(frozen=True)
class Delivery:
    id: str
    event: str
    action: str | None
    installation_id: int | None
    payload: bytes
    work: list[dict]
    state: str


@dataclass(frozen=True)
class Incoming:
    """A delivery as the receiver stores it: its work already decided."""

    id: str
    event: str
    action: str | None
    installation_id: int | None
    payload: bytes
    work: list[dict]  # the queued work items (each with "key")
    state_if_no_work: str = "received"
    changes: list[dict] = field(default_factory=list)  # change_form() of what it changes


class Store(records.RepositoryRecords):
    """The store over one engine. Engines give transactions and queries with "?" placeholders."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.url = engine.url
        self._migrate()

    def close(self) -> None:
        self.engine.close()

    def ping(self) -> None:
        self.engine.query("SELECT 1")

    def _migrate(self) -> None:
        with self.engine.transaction(migration_lock=True) as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = tx.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] if row and row[0] is not None else 0
            for version, statements in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                for statement in statements:
                    tx.execute(statement.format(blob=self.engine.blob_type, real=self.engine.real_type))
                tx.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
                log.info("store %s migrated to schema version %d", self.engine.name, version)

    # Hub pages ------------------------------------------------------------------------------

    def hub_page(self, key: str) -> dict | None:
        rows = self.engine.query("SELECT body FROM hub_pages WHERE key = ?", (key,))
        try:
            return json.loads(rows[0][0]) if rows else None
        except ValueError:
            return None

    def keep_hub_page(self, key: str, page: dict) -> None:
        with self.engine.transaction() as tx:
            tx.execute("INSERT INTO hub_pages (key, body, used_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                       "body = excluded.body, used_at = excluded.used_at", (key, json.dumps(page), time.time()))

    # Deliveries -----------------------------------------------------------------------------

    def accept_deliveries(self, batch: list[Incoming]) -> list[list[str] | Exception | None]:
        """Store deliveries and claim their jobs in one transaction (a group commit).

        For each delivery: the job keys it claimed (the rest coalesce into jobs already pending),
        None when its id was seen before, or the exception that kept this one delivery from being
        stored. Each delivery has its own savepoint: one bad delivery never fails the others.
        """
        results: list[list[str] | Exception | None] = []
        with self.engine.transaction() as tx:
            now = time.time()
            for index, item in enumerate(batch):
                try:
                    with tx.savepoint(f"d{index}"):
                        results.append(self._accept(tx, item, now))
                except Exception as exc:  # the reason goes back to that delivery alone
                    results.append(exc)
        return results

    def _accept(self, tx, item: Incoming, now: float) -> list[str] | None:
        if tx.execute("SELECT 1 FROM deliveries WHERE id = ?", (item.id,)).fetchone():
            return None
        keys = [w["key"] for w in item.work]
        claimed = [key for key in keys if tx.execute(
            "INSERT INTO pending_jobs VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (key, item.id, now)).rowcount == 1]
        state = ("queued" if claimed else "coalesced") if keys else item.state_if_no_work
        installation = item.installation_id if item.installation_id is not None and \
            abs(item.installation_id) <= MAX_INT64 else None
        work = [w for w in item.work if w["key"] in claimed]
        tx.execute("INSERT INTO deliveries (id, event, action, installation_id, received_at, state, payload, work, "
                   "changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (item.id, item.event, item.action, installation, now, state,
                    item.payload if claimed or not keys else b"", json.dumps(work),
                    json.dumps(item.changes) if item.changes else None))
        return claimed

    def claim_job(self, key: str, delivery_id: str) -> bool:
        """Mark a job pending; False when the same job is already waiting (the delivery coalesces)."""
        with self.engine.transaction() as tx:
            claimed = tx.execute("INSERT INTO pending_jobs VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                 (key, delivery_id, time.time())).rowcount == 1
            tx.execute("UPDATE deliveries SET state = ? WHERE id = ?",
                       ("queued" if claimed else "coalesced", delivery_id))
            return claimed

    def release_job(self, key: str) -> None:
        with self.engine.transaction() as tx:
            tx.execute("DELETE FROM pending_jobs WHERE key = ?", (key,))

    def clear_pending_except(self, delivery_ids: set[str]) -> None:
        """After a restart, forget pending-job marks whose task is no longer in the queue."""
        rows = self.engine.query("SELECT key, delivery_id FROM pending_jobs")
        stale = [key for key, delivery in rows if delivery not in delivery_ids]
        with self.engine.transaction() as tx:
            for key in stale:
                tx.execute("DELETE FROM pending_jobs WHERE key = ?", (key,))

    def start_job(self, delivery_id: str, worker: str, lease_seconds: float) -> int:
        """Mark a delivery's job taken, with a lease a reaper honours; returns the attempt number."""
        with self.engine.transaction() as tx:
            tx.execute("UPDATE deliveries SET state = 'processing', attempts = attempts + 1, lease_until = ?, "
                       "worker = ? WHERE id = ?", (time.time() + lease_seconds, worker, delivery_id))
            row = tx.execute("SELECT attempts FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
        return row[0] if row else 1

    def renew_job(self, delivery_id: str, worker: str, lease_seconds: float) -> bool:
        """Extend a running job's lease; False when the job is no longer this worker's."""
        with self.engine.transaction() as tx:
            return tx.execute("UPDATE deliveries SET lease_until = ? WHERE id = ? AND worker = ? AND "
                              "state = 'processing'", (time.time() + lease_seconds, delivery_id, worker)).rowcount == 1

    def reclaim_job(self, delivery_id: str, worker: str | None = None) -> bool:
        """Take a running job back for the queue: the given (dead) worker's, or one whose lease ran
        out. Decided in the statement, so a renewal that came first keeps the job where it is."""
        with self.engine.transaction() as tx:
            if worker is not None:
                return tx.execute("UPDATE deliveries SET state = 'queued', lease_until = NULL WHERE id = ? AND "
                                  "state = 'processing' AND worker = ?", (delivery_id, worker)).rowcount == 1
            return tx.execute("UPDATE deliveries SET state = 'queued', lease_until = NULL WHERE id = ? AND "
                              "state = 'processing' AND (lease_until IS NULL OR lease_until < ?)",
                              (delivery_id, time.time())).rowcount == 1

    def jobs_in_progress(self) -> list[tuple[str, str]]:
        """(delivery id, worker) of every job marked running."""
        rows = self.engine.query("SELECT id, worker FROM deliveries WHERE state = 'processing'")
        return [(r[0], r[1] or "") for r in rows]

    def set_state(self, delivery_id: str, state: str, detail: str | None = None) -> None:
        with self.engine.transaction() as tx:
            tx.execute("UPDATE deliveries SET state = ?, detail = ?, lease_until = NULL WHERE id = ?",
                       (state, detail, delivery_id))

    def expired_jobs(self) -> list[str]:
        """Deliveries whose worker took them and then vanished (its lease ran out)."""
        rows = self.engine.query("SELECT id FROM deliveries WHERE state = 'processing' AND "
                                 "(lease_until IS NULL OR lease_until < ?)", (time.time(),))
        return [r[0] for r in rows]

    def delivery(self, delivery_id: str) -> Delivery | None:
        rows = self.engine.query("SELECT id, event, action, installation_id, payload, work, state FROM deliveries "
                                 "WHERE id = ?", (delivery_id,))
        if not rows:
            return None
        id_, event, action, installation, payload, work, state = rows[0]
        return Delivery(id_, event, action, installation, bytes(payload), json.loads(work or "[]"), state)

    def state(self, delivery_id: str) -> str | None:
        rows = self.engine.query("SELECT state FROM deliveries WHERE id = ?", (delivery_id,))
        return rows[0][0] if rows else None

    def attempts(self, delivery_id: str) -> int:
        rows = self.engine.query("SELECT attempts FROM deliveries WHERE id = ?", (delivery_id,))
        return rows[0][0] if rows else 0

    def changes_applied(self, delivery_id: str) -> None:
        with self.engine.transaction() as tx:
            tx.execute("UPDATE deliveries SET changes = NULL WHERE id = ?", (delivery_id,))

    def unapplied_changes(self, older_than_seconds: float) -> list[tuple[str, list[dict]]]:
        """Deliveries stored with changes that were never applied (the receiver failed after storing)."""
        rows = self.engine.query("SELECT id, changes FROM deliveries WHERE changes IS NOT NULL AND received_at < ? "
                                 "ORDER BY received_at", (time.time() - older_than_seconds,))
        return [(r[0], json.loads(r[1])) for r in rows]

    def unfinished(self) -> list[str]:
        """Deliveries accepted but not finished: work a crash or restart may have lost."""
        marks = ",".join("?" for _ in UNFINISHED)
        return [r[0] for r in self.engine.query(
            f"SELECT id FROM deliveries WHERE state IN ({marks}) ORDER BY received_at", UNFINISHED)]

    def known_deliveries(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        marks = ",".join("?" for _ in ids)
        return {r[0] for r in self.engine.query(f"SELECT id FROM deliveries WHERE id IN ({marks})", tuple(ids))}

    def counts(self) -> dict[str, int]:
        return dict(self.engine.query("SELECT state, COUNT(*) FROM deliveries GROUP BY state"))

    # Check runs, installations, backfill, fingerprints, blobs ---------------------------------

    def check_run_id(self, repo: str, sha: str, name: str) -> int | None:
        rows = self.engine.query("SELECT check_run_id FROM check_runs WHERE repo = ? AND sha = ? AND name = ?",
                                 (repo, sha, name))
        return rows[0][0] if rows else None

    def remember_check_run(self, repo: str, sha: str, name: str, check_run_id: int,
                           conclusion: str | None = None) -> None:
        with self.engine.transaction() as tx:
            tx.execute("INSERT INTO check_runs VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (repo, sha, name) DO UPDATE "
                       "SET check_run_id = excluded.check_run_id, conclusion = excluded.conclusion, "
                       "checked_at = excluded.checked_at",
                       (repo, sha, name, check_run_id, conclusion, time.time()))

    def save_installation(self, installation_id: int, account: str, repositories: list[str]) -> None:
        with self.engine.transaction() as tx:
            tx.execute("INSERT INTO installations VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE "
                       "SET account = excluded.account, repositories = excluded.repositories",
                       (installation_id, account, "\n".join(sorted(repositories))))

    def installation_repositories(self, installation_id: int) -> list[str] | None:
        rows = self.engine.query("SELECT repositories FROM installations WHERE id = ?", (installation_id,))
        return [r for r in rows[0][0].split("\n") if r] if rows else None

    def installation_of(self, owner: str) -> int | None:
        """The installation that covers an owner's repositories, as far as the store knows."""
        rows = self.engine.query("SELECT id FROM installations WHERE LOWER(account) = ? ORDER BY id LIMIT 1",
                                 (owner.lower(),))
        rows = rows or self.engine.query("SELECT installation_id FROM repositories WHERE owner = ? AND "
                                         "installation_id IS NOT NULL ORDER BY installation_id LIMIT 1",
                                         (owner.lower(),))
        return rows[0][0] if rows else None

    def installations(self) -> dict[int, str]:
        return dict(self.engine.query("SELECT id, account FROM installations"))

    def apply_change(self, change: InstallationChange | RepositoryChange) -> None:
        """Record which repositories an installation may read now (an InstallationChange); newly
        added ones are planned for backfill. A RepositoryChange goes to the repository records."""
        if isinstance(change, RepositoryChange):
            self.change_repository(change)
            return
        for full_name, private in change.privacy:
            self.note_repository(full_name, change.installation_id, private)
        if change.deleted:
            self.forget_installation(change.installation_id)
            return
        self.forget_repositories(list(change.removed))
        current = set(self.installation_repositories(change.installation_id) or [])
        repos = (current | set(change.added)) - set(change.removed)
        self.save_installation(change.installation_id, change.account, sorted(repos))
        if change.added:
            self.plan_backfill(change.installation_id, list(change.added))

    def forget_installation(self, installation_id: int) -> None:
        with self.engine.transaction() as tx:
            tx.execute("DELETE FROM installations WHERE id = ?", (installation_id,))
            tx.execute("DELETE FROM backfill WHERE installation_id = ?", (installation_id,))
        self.forget_repositories([], installation_id)

    def plan_backfill(self, installation_id: int, repositories: list[str]) -> int:
        """Record repositories to check; those already planned or done are left as they are."""
        now = time.time()
        with self.engine.transaction() as tx:
            return sum(tx.execute("INSERT INTO backfill VALUES (?, ?, 'pending', ?, NULL) ON CONFLICT DO NOTHING",
                                  (installation_id, repo, now)).rowcount for repo in repositories)

    def pending_backfill(self, installation_id: int, limit: int) -> list[str]:
        rows = self.engine.query("SELECT repo FROM backfill WHERE installation_id = ? AND state = 'pending' "
                                 "ORDER BY repo LIMIT ?", (installation_id, limit))
        return [r[0] for r in rows]

    def finish_backfill(self, installation_id: int, repo: str, state: str, detail: str | None = None) -> None:
        with self.engine.transaction() as tx:
            tx.execute("UPDATE backfill SET state = ?, updated_at = ?, detail = ? WHERE installation_id = ? "
                       "AND repo = ?", (state, time.time(), detail, installation_id, repo))

    def backfill_progress(self) -> dict[tuple[int, str], int]:
        """(installation, state) -> repositories, for the metrics."""
        rows = self.engine.query("SELECT installation_id, state, COUNT(*) FROM backfill "
                                 "GROUP BY installation_id, state")
        return {(i, s): n for i, s, n in rows}

    def fingerprints(self, repo: str, pull: int) -> set[str]:
        rows = self.engine.query("SELECT fingerprint FROM review_fingerprints WHERE repo = ? AND pull = ?",
                                 (repo, pull))
        return {r[0] for r in rows}

    def remember_fingerprints(self, repo: str, pull: int, fingerprints: list[str]) -> None:
        with self.engine.transaction() as tx:
            for fingerprint in fingerprints:
                tx.execute("INSERT INTO review_fingerprints VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                           (repo, pull, fingerprint))

    def blob(self, sha: str) -> bytes | None:
        rows = self.engine.query("SELECT content FROM blobs WHERE sha = ?", (sha,))
        return bytes(rows[0][0]) if rows else None

    def save_blob(self, sha: str, content: bytes) -> None:
        with self.engine.transaction() as tx:
            tx.execute("INSERT INTO blobs VALUES (?, ?, ?) ON CONFLICT (sha) DO UPDATE SET used_at = excluded.used_at",
                       (sha, content, time.time()))

    # Leases ----------------------------------------------------------------------------------

    def try_lease(self, name: str, owner: str, seconds: float) -> bool:
        """Hold a named lease (one scheduler, one job per installation) until it expires."""
        now = time.time()
        with self.engine.transaction() as tx:
            tx.execute("INSERT INTO leases (name, owner, until) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE "
                       "SET owner = excluded.owner, until = excluded.until "
                       "WHERE leases.owner = excluded.owner OR leases.until < ?",
                       (name, owner, now + seconds, now))
            row = tx.execute("SELECT owner FROM leases WHERE name = ?", (name,)).fetchone()
        return bool(row and row[0] == owner)

    def renew_lease(self, name: str, owner: str, seconds: float) -> bool:
        """Extend a named lease its owner still holds (even one that ran out while nobody took it)."""
        with self.engine.transaction() as tx:
            return tx.execute("UPDATE leases SET until = ? WHERE name = ? AND owner = ? AND until > 0",
                              (time.time() + seconds, name, owner)).rowcount == 1

    def held_leases(self, prefix: str) -> list[tuple[str, str]]:
        """(name, owner) of the leases whose name starts with `prefix` and that are held now."""
        rows = self.engine.query("SELECT name, owner FROM leases WHERE until > ?", (time.time(),))
        return [(name, owner) for name, owner in rows if name.startswith(prefix)]

    def lease_next_start(self, name: str) -> float:
        rows = self.engine.query("SELECT next_start FROM leases WHERE name = ?", (name,))
        return rows[0][0] if rows else 0.0

    def end_lease(self, name: str, owner: str, next_start: float = 0.0) -> None:
        with self.engine.transaction() as tx:
            tx.execute("UPDATE leases SET until = 0, next_start = ? WHERE name = ? AND owner = ?",
                       (next_start, name, owner))

    # Retention -------------------------------------------------------------------------------

    def prune(self, keep_seconds: float, keep_blob_seconds: float) -> dict[str, int]:
        """Forget what is no longer needed: payloads of finished deliveries (their ids stay for
        deduplication until keep_seconds), whole old deliveries, unused blobs and hub pages, expired leases."""
        now = time.time()
        with self.engine.transaction() as tx:
            emptied = tx.execute("UPDATE deliveries SET payload = ? WHERE state IN ('done', 'ignored', 'coalesced', "
                                 "'failed') AND received_at < ? AND payload <> ?", (b"", now - 3600, b"")).rowcount
            removed = tx.execute("DELETE FROM deliveries WHERE received_at < ? AND state NOT IN "
                                 "('received', 'queued', 'processing')", (now - keep_seconds,)).rowcount
            blobs = tx.execute("DELETE FROM blobs WHERE used_at < ?", (now - keep_blob_seconds,)).rowcount
            blobs += tx.execute("DELETE FROM hub_pages WHERE used_at < ?", (now - keep_blob_seconds,)).rowcount
            leases = tx.execute("DELETE FROM leases WHERE until < ? AND next_start < ?", (now - 86400, now)).rowcount
        return {"payloads_emptied": emptied, "deliveries_removed": removed, "blobs_removed": blobs,
                "leases_removed": leases}


class Cursor:
    """What a transaction's execute returns: rows and rowcount, the same on every engine."""

    def __init__(self, rows: list[tuple] | None, rowcount: int) -> None:
        self._rows, self.rowcount = rows or [], rowcount

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple]:
        return self._rows


def open_store(url: str) -> Store:
    """The store DATABASE_URL names: sqlite:///path (the default) or postgresql://…"""
    if url.startswith(("postgresql://", "postgres://")):
        from app.state.postgres import PostgresEngine
        return Store(PostgresEngine(url))
    if url.startswith("sqlite:///"):
        from app.state.sqlite import SqliteEngine
        return Store(SqliteEngine(url))
    raise ValueError(f"DATABASE_URL must be sqlite:///PATH or postgresql://…, not {url.split(':', 1)[0]}://…")
