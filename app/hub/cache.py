"""Where hub pages are kept between scans, keyed by repository and revision sha (a revision never
changes): files in the user's cache folder for the command line, the store for the app."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Protocol


class HubCache(Protocol):
    def get(self, key: str) -> dict | None: ...

    def put(self, key: str, value: dict) -> None: ...


class FolderCache:
    """One JSON file a page, in a folder only its owner can write (see app.engine.rulecache)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def for_user(cls) -> FolderCache | None:
        from app.engine.rulecache import trusted_folder

        folder = trusted_folder("hub")
        return cls(folder) if folder else None

    def _path(self, key: str) -> Path:
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def get(self, key: str) -> dict | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data.get("page") if isinstance(data, dict) and data.get("key") == key else None

    def put(self, key: str, value: dict) -> None:
        path = self._path(key)
        temporary = path.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps({"key": key, "page": value}), encoding="utf-8")
            temporary.replace(path)  # whole or not at all, for the other processes reading it
        except OSError:
            pass  # a cache that cannot be written costs a look-up next time, nothing more
