"""Repository snapshots: the list of paths at one commit and a way to read a path's bytes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

# Folders that never hold documentation worth scanning and can be huge.
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__"})


class UnreadableFile(Exception):
    """A path exists in the tree but its content cannot be read (too large, outside the root, …)."""


@dataclass
class Snapshot:
    """Paths of a repository plus a reader; the engine sees nothing else of the source."""

    paths: list[str]
    read_bytes: Callable[[str], bytes]
    size_of: Callable[[str], int | None] = lambda path: None
    name: str = ""

    @classmethod
    def from_folder(cls, root: str | os.PathLike[str]) -> Snapshot:
        base = Path(root).resolve()
        return cls(
            paths=sorted(_walk(base)),
            read_bytes=lambda p: _read_inside(base, p),
            size_of=lambda p: _size_inside(base, p),
            name=base.name,
        )

    @classmethod
    def from_listing(cls, paths: Iterable[str], root: str | os.PathLike[str]) -> Snapshot:
        """A tree known by its listing, of which only some files are present (like a GitHub tree)."""
        base = Path(root).resolve()
        return cls(
            paths=sorted({p.strip() for p in paths if p.strip()}),
            read_bytes=lambda p: _read_inside(base, p),
            size_of=lambda p: _size_inside(base, p),
            name=base.name,
        )

    @classmethod
    def from_mapping(cls, files: dict[str, str | bytes], extra_paths: Iterable[str] = ()) -> Snapshot:
        """An in-memory snapshot, for tests and for callers that already hold the files."""
        blobs = {p: (c.encode() if isinstance(c, str) else c) for p, c in files.items()}

        def read(path: str) -> bytes:
            if path not in blobs:
                raise FileNotFoundError(path)
            return blobs[path]

        return cls(
            paths=sorted(set(blobs) | set(extra_paths)),
            read_bytes=read,
            size_of=lambda p: len(blobs[p]) if p in blobs else None,
        )


def _walk(base: Path) -> Iterable[str]:
    for folder, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        rel = Path(folder).relative_to(base)
        for name in files:
            yield (rel / name).as_posix() if rel.parts else name


def _resolve_inside(base: Path, path: str) -> Path:
    target = (base / path).resolve()
    if target != base and base not in target.parents:
        raise UnreadableFile("it is a link that leads outside the repository")
    return target


def _read_inside(base: Path, path: str) -> bytes:
    target = _resolve_inside(base, path)
    if not target.is_file():
        raise FileNotFoundError(path)
    return target.read_bytes()


def _size_inside(base: Path, path: str) -> int | None:
    try:
        target = _resolve_inside(base, path)
        return target.stat().st_size if target.is_file() else None
    except (OSError, UnreadableFile):
        return None
