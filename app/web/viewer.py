"""Who is looking at a page, and which private repositories that person may see.

Anonymous visitors see public repositories only (those GitHub said are public). A visitor signed
in with GitHub also sees the private repositories GitHub says they can read; each answer (one per
owner and installation) is kept with their session for ACCESS_TTL_SECONDS from when it was asked,
so a page view costs at most one listing a while, and access lost to one owner is not kept alive
by browsing another. A repository page asks the same question whether the repository is private,
public or missing, so neither the answer nor its timing tells them apart.
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
from app.web.tokens import open_sealed

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
    access: dict[str, dict] = field(default_factory=dict)  # "owner#installation" -> {"names", "at"}
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

    def find(self, owner: str, name: str) -> RepositoryRecord | None:
        """A checked repository this viewer may see; None for a hidden one and a missing one alike,
        after the same steps (a signed-in viewer's access to the owner is looked up either way)."""
        record = self.store.repository(f"{owner}/{name}")
        installation = record.installation_id if record is not None and record.installation_id is not None \
            else self.store.installation_of(owner)
        readable = self._readable(owner, installation) if self.login and installation is not None else set()
        if record is None or record.sha is None:
            return None
        return record if record.public or record.full_name.lower() in readable else None

    def _readable(self, owner: str, installation_id: int) -> set[str]:
        key = f"{owner.lower()}#{installation_id}"
        entry = self.access.get(key)
        if not isinstance(entry, dict) or not 0 <= _now() - entry.get("at", 0) < ACCESS_TTL_SECONDS:
            self._ask_github(key, installation_id)
        return set((self.access.get(key) or {}).get("names", []))

    def _ask_github(self, key: str, installation_id: int) -> None:
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
            self.access[key] = {"names": [], "at": _now()}  # for this page only: not saved
            return
        now = _now()
        kept = {k: v for k, v in self.access.items()
                if isinstance(v, dict) and 0 <= now - v.get("at", 0) < ACCESS_TTL_SECONDS}
        self.access = {**kept, key: {"names": [n.lower() for n in names], "at": now}}
        self.store.save_access(self.key, self.access)


def _now() -> float:
    return time.time()


def viewer_for(store: Store, settings: Settings, cookie: str | None, here: str) -> Viewer:
    viewer = Viewer(store, settings, here)
    if not cookie or not settings.signin_enabled:
        return viewer
    key = session_key(cookie)
    session = store.session(key)
    token = open_sealed(settings, session.token) if session else None
    if session and token is None:  # sealed under another key, or stored before tokens were sealed
        store.end_session(key)
    elif session:
        viewer.key, viewer.login, viewer.token = key, session.login, token
        viewer.access = session.access if isinstance(session.access, dict) else {}
    return viewer
