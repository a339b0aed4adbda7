"""What the report pages read: each checked repository's latest verdict and scorecard, the
history of its verdicts by commit, and the sessions of people signed in with GitHub.

A repository's privacy comes from GitHub's payloads (`repository.private`) and `repository`
events; until GitHub has said a repository is public, it counts as private.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import orjson

HISTORY_KEPT = 200  # verdicts kept per repository
MIGRATION = [
    """CREATE TABLE IF NOT EXISTS repositories (
        name TEXT PRIMARY KEY, full_name TEXT NOT NULL, owner TEXT NOT NULL, installation_id BIGINT,
        private INTEGER, default_branch TEXT, sha TEXT, checked_at {real}, level TEXT, conclusion TEXT,
        check_run_url TEXT, unsupported INTEGER, scorecard TEXT)""",
    "CREATE INDEX IF NOT EXISTS repositories_owner ON repositories (owner)",
    """CREATE TABLE IF NOT EXISTS verdicts (
        name TEXT NOT NULL, sha TEXT NOT NULL, checked_at {real} NOT NULL, level TEXT NOT NULL,
        conclusion TEXT, unsupported INTEGER NOT NULL, PRIMARY KEY (name, sha))""",
    """CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY, login TEXT NOT NULL, token TEXT NOT NULL, expires_at {real} NOT NULL,
        access TEXT, access_checked_at {real})""",
]


@dataclass(frozen=True)
class CheckedCommit:
    """One default-branch check, as the report pages keep it."""

    full_name: str
    installation_id: int
    sha: str
    level: str
    conclusion: str
    check_run_url: str | None
    unsupported: int
    scorecard: dict
    private: bool | None = None
    default_branch: str | None = None
    privacy_at: float | None = None  # GitHub's time of that privacy


@dataclass(frozen=True)
class RepositoryRecord:
    full_name: str
    owner: str
    installation_id: int | None
    private: bool | None
    default_branch: str | None
    sha: str | None
    checked_at: float | None
    level: str | None
    conclusion: str | None
    check_run_url: str | None
    unsupported: int | None
    scorecard: dict | None

    @property
    def public(self) -> bool:
        """Only a repository GitHub said is public is shown to anyone."""
        return self.private is False


@dataclass(frozen=True)
class Verdict:
    sha: str
    checked_at: float
    level: str
    conclusion: str | None
    unsupported: int


@dataclass(frozen=True)
class Session:
    login: str
    token: str
    expires_at: float
    access: dict | None  # "owner#installation" -> {"names": readable repositories, "at": when asked}
    access_checked_at: float | None


_COLUMNS = ("full_name, owner, installation_id, private, default_branch, sha, checked_at, level, conclusion, "
            "check_run_url, unsupported, scorecard")


def _record(row: tuple) -> RepositoryRecord:
    *head, private, branch, sha, at, level, conclusion, url, unsupported, card = row
    return RepositoryRecord(*head, None if private is None else bool(private), branch, sha, at, level,
                            conclusion, url, unsupported, orjson.loads(card) if card else None)


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


# Whether what a payload says of a repository's privacy is newer than what is known, by GitHub's
# own time: deliveries arrive in any order, and a late or replayed one must not make a private
# repository public again. On a tie, private wins; a fact without a time may only make it private
# (or say public of a repository nothing was known of). Unknown privacy is private.
_NEWER = ("(excluded.private IS NOT NULL AND ((excluded.privacy_at IS NOT NULL AND (repositories.privacy_at IS NULL "
          "OR excluded.privacy_at > repositories.privacy_at OR (excluded.privacy_at = repositories.privacy_at AND "
          "excluded.private = 1))) OR (excluded.privacy_at IS NULL AND (excluded.private = 1 OR "
          "(repositories.private IS NULL AND repositories.privacy_at IS NULL)))))")


def _note(tx, full_name: str, installation_id: int | None, private: bool | None, default_branch: str | None,
          privacy_at: float | None = None) -> None:
    tx.execute("INSERT INTO repositories (name, full_name, owner, installation_id, private, default_branch, "
               "privacy_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
               "ON CONFLICT (name) DO UPDATE SET full_name = excluded.full_name, "
               "installation_id = COALESCE(excluded.installation_id, repositories.installation_id), "
               f"private = CASE WHEN {_NEWER} THEN excluded.private ELSE repositories.private END, "
               f"privacy_at = CASE WHEN {_NEWER} THEN COALESCE(excluded.privacy_at, repositories.privacy_at) "
               "ELSE repositories.privacy_at END, "
               "default_branch = COALESCE(excluded.default_branch, repositories.default_branch)",
               (full_name.lower(), full_name, full_name.split("/", 1)[0].lower(), installation_id, _flag(private),
                default_branch, privacy_at))


class RepositoryRecords:
    """Mixed into the Store: methods over its engine."""

    engine: object

    def note_repository(self, full_name: str, installation_id: int | None, private: bool | None = None,
                        default_branch: str | None = None, privacy_at: float | None = None) -> None:
        """What a payload or listing said about a repository; unsaid fields keep their value, and its
        privacy changes only for a newer fact (see _NEWER)."""
        with self.engine.transaction() as tx:
            _note(tx, full_name, installation_id, private, default_branch, privacy_at)

    def record_check(self, c: CheckedCommit) -> None:
        """The latest verdict of a repository's default branch, and one more line of its history:
        one transaction per check."""
        now, name = time.time(), c.full_name.lower()
        with self.engine.transaction() as tx:
            _note(tx, c.full_name, c.installation_id, c.private, c.default_branch, c.privacy_at)
            tx.execute("UPDATE repositories SET sha = ?, checked_at = ?, level = ?, conclusion = ?, "
                       "check_run_url = ?, unsupported = ?, scorecard = ? WHERE name = ?",
                       (c.sha, now, c.level, c.conclusion, c.check_run_url, c.unsupported,
                        json.dumps(c.scorecard), name))
            tx.execute("INSERT INTO verdicts VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name, sha) DO UPDATE SET "
                       "checked_at = excluded.checked_at, level = excluded.level, conclusion = excluded.conclusion, "
                       "unsupported = excluded.unsupported", (name, c.sha, now, c.level, c.conclusion, c.unsupported))
            tx.execute("DELETE FROM verdicts WHERE name = ? AND sha NOT IN (SELECT sha FROM verdicts WHERE name = ? "
                       "ORDER BY checked_at DESC LIMIT ?)", (name, name, HISTORY_KEPT))

    def repositories_of(self, owner: str) -> list[RepositoryRecord]:
        """Every checked repository of an owner (an organisation or a user)."""
        rows = self.engine.query(f"SELECT {_COLUMNS} FROM repositories WHERE owner = ? AND sha IS NOT NULL "
                                 "ORDER BY name", (owner.lower(),))
        return [_record(r) for r in rows]

    def repository(self, full_name: str) -> RepositoryRecord | None:
        rows = self.engine.query(f"SELECT {_COLUMNS} FROM repositories WHERE name = ?", (full_name.lower(),))
        return _record(rows[0]) if rows else None

    def history(self, full_name: str, limit: int = 50) -> list[Verdict]:
        rows = self.engine.query("SELECT sha, checked_at, level, conclusion, unsupported FROM verdicts "
                                 "WHERE name = ? ORDER BY checked_at DESC LIMIT ?", (full_name.lower(), limit))
        return [Verdict(*r) for r in rows]

    def change_repository(self, change) -> None:
        """Apply a RepositoryChange: privacy, a new name or owner, or deletion."""
        if change.deleted:
            self.forget_repositories([change.full_name])
        elif change.renamed_to:
            self._rename(change.full_name, change.renamed_to)
        if change.private is not None and not change.deleted:
            self.note_repository(change.renamed_to or change.full_name, change.installation_id, change.private,
                                 privacy_at=change.privacy_at)

    def _rename(self, old: str, new: str) -> None:
        with self.engine.transaction() as tx:
            tx.execute("DELETE FROM repositories WHERE name = ?", (new.lower(),))
            tx.execute("DELETE FROM verdicts WHERE name = ?", (new.lower(),))
            tx.execute("UPDATE repositories SET name = ?, full_name = ?, owner = ? WHERE name = ?",
                       (new.lower(), new, new.split("/", 1)[0].lower(), old.lower()))
            tx.execute("UPDATE verdicts SET name = ? WHERE name = ?", (new.lower(), old.lower()))

    def forget_repositories(self, names: list[str], installation_id: int | None = None) -> None:
        """Repositories the app can no longer read leave the pages (all of an installation's with
        `installation_id` and no names)."""
        with self.engine.transaction() as tx:
            if installation_id is not None:
                rows = tx.execute("SELECT name FROM repositories WHERE installation_id = ?", (installation_id,))
                names = [*names, *(r[0] for r in rows.fetchall())]
            for name in {n.lower() for n in names}:
                tx.execute("DELETE FROM repositories WHERE name = ?", (name,))
                tx.execute("DELETE FROM verdicts WHERE name = ?", (name,))

    # Sessions ---------------------------------------------------------------------------------

    def save_session(self, key: str, login: str, token: str, expires_at: float) -> None:
        with self.engine.transaction() as tx:
            tx.execute("DELETE FROM sessions WHERE expires_at < ?", (time.time(),))
            tx.execute("INSERT INTO sessions (id, login, token, expires_at) VALUES (?, ?, ?, ?)",
                       (key, login, token, expires_at))

    def session(self, key: str) -> Session | None:
        rows = self.engine.query("SELECT login, token, expires_at, access, access_checked_at FROM sessions "
                                 "WHERE id = ? AND expires_at > ?", (key, time.time()))
        if not rows:
            return None
        login, token, expires, access, checked = rows[0]
        return Session(login, token, expires, json.loads(access) if access else None, checked)

    def save_access(self, key: str, access: dict) -> None:
        with self.engine.transaction() as tx:
            tx.execute("UPDATE sessions SET access = ?, access_checked_at = ? WHERE id = ?",
                       (json.dumps(access), time.time(), key))

    def end_session(self, key: str) -> None:
        with self.engine.transaction() as tx:
            tx.execute("DELETE FROM sessions WHERE id = ?", (key,))
