"""Turns per installation: one job at a time, and WRITE_INTERVAL_SECONDS between one job's last
write and the next job's start, however many workers and hosts there are.

Taking a turn never waits: `take` answers with a Turn, or with the seconds to wait, and the job
goes back to the queue for that long instead of holding a worker (a slow installation must not
occupy the workers other installations need). A turn is a lease: a worker killed mid-job loses
it when the lease runs out, and the next job takes over.

A running job renews its turn (app.jobs.heartbeat), so the lease can be short; a turn's token names
its holder (app.state.holders), so the holder's own host can give back the turns of its dead
workers at once instead of waiting for their leases.

Three backends, one behaviour: lock files on the local disk (the SQLite default, one host),
leases in the store (PostgreSQL, several hosts), keys in Redis (several hosts, with the queue).
"""

from __future__ import annotations

import fcntl
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BUSY_RETRY_SECONDS = 0.5  # how soon a job whose installation is busy tries again


@dataclass
class Turn:
    installation_id: int
    holder: str = ""
    token: str = ""
    handle: object = None

    def __post_init__(self) -> None:
        self.token = self.token or f"{self.holder}#{uuid.uuid4().hex}"


def holder_of(token: str) -> str:
    return token.split("#", 1)[0]


class FileTurns:
    """flock on a file per installation (released by the kernel when a process dies); the file
    holds when the next job may start."""

    def __init__(self, directory: str, interval: float) -> None:
        self.folder = Path(directory)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.interval = interval

    def take(self, installation_id: int, holder: str = "") -> Turn | float:
        path = self.folder / f"installation-{installation_id}.lock"
        handle = open(path, "a+")  # noqa: SIM115 - held open for the length of the turn
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return BUSY_RETRY_SECONDS
        handle.seek(0)
        wait = _float(handle.read()) - time.time()
        if wait > 0:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
            return min(wait, self.interval)
        return Turn(installation_id, holder, handle=handle)

    def renew(self, turn: Turn) -> bool:
        return True  # the lock is held for as long as the process lives

    def release_dead(self, dead: Callable[[str], bool]) -> int:
        return 0  # the kernel released a dead process's locks

    def give_back(self, turn: Turn) -> None:
        handle = turn.handle
        handle.seek(0)
        handle.truncate()
        handle.write(repr(time.time() + self.interval))
        handle.flush()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()

    def prune(self, older_than_seconds: float) -> int:
        """Lock files of installations that have not run for a long time."""
        removed, limit = 0, time.time() - older_than_seconds
        for path in self.folder.glob("installation-*.lock"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
            except OSError:
                pass
        return removed


class StoreTurns:
    """Leases in the store's `leases` table: works wherever the store is shared (PostgreSQL)."""

    def __init__(self, store, interval: float, lease_seconds: float) -> None:
        self.store, self.interval, self.lease_seconds = store, interval, lease_seconds

    def take(self, installation_id: int, holder: str = "") -> Turn | float:
        name = f"installation:{installation_id}"
        wait = self.store.lease_next_start(name) - time.time()
        if wait > 0:  # a read spares the two writes of taking and returning the lease
            return min(wait, self.interval)
        turn = Turn(installation_id, holder)
        if not self.store.try_lease(name, turn.token, self.lease_seconds):
            return BUSY_RETRY_SECONDS
        # Read again once the lease is held: a job ending since the first read sets a next start
        # this job must honour.
        next_start = self.store.lease_next_start(name)
        if next_start > time.time():
            self.store.end_lease(name, turn.token, next_start)
            return min(next_start - time.time(), self.interval)
        return turn

    def give_back(self, turn: Turn) -> None:
        self.store.end_lease(f"installation:{turn.installation_id}", turn.token, time.time() + self.interval)

    def renew(self, turn: Turn) -> bool:
        return self.store.renew_lease(f"installation:{turn.installation_id}", turn.token, self.lease_seconds)

    def release_dead(self, dead: Callable[[str], bool]) -> int:
        """End the turns whose holder is known to be dead; the next job may start at once."""
        ended = 0
        for name, owner in self.store.held_leases("installation:"):
            if dead(holder_of(owner)):
                self.store.end_lease(name, owner, time.time())
                ended += 1
        return ended

    def prune(self, older_than_seconds: float) -> int:
        return 0  # expired leases are pruned with the store


# Take the lock only when nobody holds it and the next start has come, in one step: checked apart,
# a job ending between the two checks would set a next start this one never sees. Answers "busy",
# the seconds still to wait (as text: Lua numbers become integers), or "0" with the lock taken.
_TAKE = """
if redis.call('exists', KEYS[1]) == 1 then return 'busy' end
local wait = tonumber(redis.call('get', KEYS[2]) or '0') - tonumber(ARGV[2])
if wait > 0 then return tostring(wait) end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[3])
return '0'
"""

# Extend our own lock; take it again if it ran out while nobody took it (a pause of Redis itself).
_RENEW = """
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if not holder then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
"""

# Delete a lock only if the given holder still has it.
_DROP = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""

# Release only our own lock, and set the next start in the same step.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
"""


class RedisTurns:
    """SET NX with an expiry per installation, and a key holding when the next job may start."""

    def __init__(self, client, prefix: str, interval: float, lease_seconds: float) -> None:
        self.client, self.prefix = client, prefix
        self.interval, self.lease_seconds = interval, lease_seconds
        self._release = client.register_script(_RELEASE)
        self._take = client.register_script(_TAKE)
        self._renew = client.register_script(_RENEW)
        self._drop = client.register_script(_DROP)

    def _keys(self, installation_id: int) -> tuple[str, str]:
        return f"{self.prefix}:turn:{installation_id}", f"{self.prefix}:next:{installation_id}"

    def take(self, installation_id: int, holder: str = "") -> Turn | float:
        turn = Turn(installation_id, holder)
        answer = self._take(keys=list(self._keys(installation_id)),
                            args=[turn.token, repr(time.time()), int(self.lease_seconds * 1000)])
        if answer in (b"busy", "busy"):
            return BUSY_RETRY_SECONDS
        wait = _float(answer)
        return min(wait, self.interval) if wait > 0 else turn

    def give_back(self, turn: Turn) -> None:
        lock, pace = self._keys(turn.installation_id)
        keep_ms = int(max(self.interval, 1) * 1000) + 60_000
        self._release(keys=[lock, pace], args=[turn.token, repr(time.time() + self.interval), keep_ms])

    def renew(self, turn: Turn) -> bool:
        lock = self._keys(turn.installation_id)[0]
        return bool(self._renew(keys=[lock], args=[turn.token, int(self.lease_seconds * 1000)]))

    def release_dead(self, dead: Callable[[str], bool]) -> int:
        """Delete the turns whose holder is known to be dead; the next job may start at once."""
        ended = 0
        for key in self.client.scan_iter(match=f"{self.prefix}:turn:*", count=500):
            token = self.client.get(key)
            token = token.decode() if isinstance(token, bytes) else token
            if token and dead(holder_of(token)):
                ended += int(self._drop(keys=[key], args=[token]))
        return ended

    def prune(self, older_than_seconds: float) -> int:
        return 0  # keys expire by themselves


def _float(value) -> float:
    try:
        return float(value.decode() if isinstance(value, bytes) else value)
    except (TypeError, ValueError, AttributeError):
        return 0.0


def lock_directory(database_url: str) -> str:
    path = database_url[len("sqlite:///"):] or "openwashing.sqlite3"
    return os.path.splitext(os.path.abspath(path))[0] + ".locks"
