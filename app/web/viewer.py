"""Who is looking at a page, and which private repositories that person may see.

Anonymous visitors see public repositories only (those GitHub said are public). A visitor signed
in with GitHub also sees the private repositories GitHub says they can read; the answer is kept
with their session for ACCESS_TTL_SECONDS, so a page view costs at most one listing a while.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field

from github import GithubException

from app.github import users
from app.settings import Settings
from app.state.records import RepositoryRecord
from app.state.store import Store

log = logging.getLogger("openwashing.web")
SESSION_COOKIE = "ow_session"
ACCESS_TTL_SECONDS = 300


def session_key(cookie: str) -> str:
    """Sessions are stored under a hash of the cookie: a copy of the store holds no live cookie."""
    return hashlib.sha256(cookie.encode()).hexdigest()


@dataclass
class Viewer:
    store: Store
    settings: Settings
    here: str
    key: str | None = None
    login: str | None = None
    token: str | None = None
    access: dict[str, list[str]] = field(default_factory=dict)
    access_checked_at: float | None = None
    note: str | None = None

    @property
    def signin_enabled(self) -> bool:
        return self.settings.signin_enabled

    def can_see(self, record: RepositoryRecord) -> bool:
        if record.public:
            return True
        if not self.login or record.installation_id is None:
            return False
        return record.full_name.lower() in self._readable(record.owner, record.installation_id)

    def _readable(self, owner: str, installation_id: int) -> set[str]:
        fresh = self.access_checked_at and time.time() - self.access_checked_at < ACCESS_TTL_SECONDS
        if not fresh or owner not in self.access:
            self._ask_github(owner, installation_id)
        return set(self.access.get(owner, []))

    def _ask_github(self, owner: str, installation_id: int) -> None:
        try:
            names = users.readable_repositories(self.settings, self.token, installation_id)
        except GithubException as exc:
            if exc.status == 401:  # the token was revoked or expired: sign out
                self.store.end_session(self.key)
                self.login = None
                self.note = "Your GitHub sign-in has expired; sign in again to see private repositories."
                return
            log.warning("could not ask GitHub which repositories %s can read: %s", self.login, exc.status)
            self.note = "GitHub did not say which private repositories you can read; only public ones are shown."
            self.access[owner] = []
            return
        self.access = {**(self.access if self.access_checked_at else {}), owner: [n.lower() for n in names]}
        self.access_checked_at = time.time()
        self.store.save_access(self.key, self.access)


def viewer_for(store: Store, settings: Settings, cookie: str | None, here: str) -> Viewer:
    viewer = Viewer(store, settings, here)
    if not cookie or not settings.signin_enabled:
        return viewer
    key = session_key(cookie)
    session = store.session(key)
    if session:
        viewer.key, viewer.login, viewer.token = key, session.login, session.token
        viewer.access, viewer.access_checked_at = session.access or {}, session.access_checked_at
    return viewer
