"""The validated rule set (and compiled templates) kept between runs of the command line.

Reading and validating the ~90 rule files costs a run of `openwashing scan` about 30 ms and an
import of pydantic; loading the same set from a pickle takes a quarter of that and imports
nothing. The cache is keyed by a hash of every rule file's name and bytes, the source of the rule
classes and their validation, the tool's and Python's versions and pydantic's version file, so an
edited rule file (or an upgrade) is simply a miss. It lives
in the user's cache folder ($OPENWASHING_CACHE_DIR, else $XDG_CACHE_HOME/openwashing, else
~/.cache/openwashing), readable by its owner only, and a file there is used only when it belongs
to the user and nobody else can write it: unpickling runs code, so a file another user could
have planted is never read.
OPENWASHING_NO_CACHE=1 turns the cache off. Any failure to read or write it just means loading
the files as before.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path

KEEP_DAYS = 30  # cache files not used for this long are removed when a new one is written


def cached(root: Path, load: Callable[[Path], object]) -> object:
    folder = cache_folder()
    if folder is None:
        return load(root)
    path = folder / f"rules-{_key(root)}.pickle"
    ruleset = read(path)
    if ruleset is None:
        ruleset = load(root)  # a bad rule file raises here, and nothing is cached
        write(path, ruleset)
    return ruleset


def cache_folder() -> Path | None:
    if os.environ.get("OPENWASHING_NO_CACHE"):
        return None
    configured = os.environ.get("OPENWASHING_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "openwashing"


def trusted_folder(name: str) -> Path | None:
    """A subfolder of the cache folder for other caches (compiled templates), created readable
    by its owner only; None when caching is off or the folder cannot be trusted or made."""
    base = cache_folder()
    if base is None:
        return None
    folder = base / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder if _trusted(folder) and _trusted(base) else None
    except OSError:
        return None


def _key(root: Path) -> str:
    from app import __version__

    parts = [f"{__version__}\0{sys.version}\0{root.resolve()}".encode()]
    # The classes the pickle is made of and the code that validated it: a change to them (during
    # development, within one version number) must not bring back objects of their old shape.
    # pydantic's version is read from its version file, not imported: a hit never imports it.
    for source in (Path(__file__).with_name("ruleset.py"), Path(__file__).with_name("schema.py"), _pydantic_version()):
        parts.append(source.read_bytes() if source and source.is_file() else b"-")
    for path in sorted(root.rglob("*.yml")):
        parts.append(f"\0{path.relative_to(root).as_posix()}\0".encode())
        parts.append(path.read_bytes())
    return fingerprint(b"".join(parts))


def fingerprint(data: bytes) -> str:
    """Whether anything changed, as Python checks its own cached bytecode: a keyed 64-bit SipHash
    (importlib.util.source_hash). Not a defence against forgery (the folder's ownership is), and
    without hashlib, whose OpenSSL start-up costs more than the hashing."""
    return importlib.util.source_hash(data).hex()


def _pydantic_version() -> Path | None:
    spec = importlib.util.find_spec("pydantic")
    return Path(spec.origin).with_name("version.py") if spec and spec.origin else None


def _trusted(path: Path) -> bool:
    """The file (or folder) and its folder belong to this user and no one else can write to them."""
    if not hasattr(os, "getuid"):
        return True
    for item in (path, path.parent):
        status = item.stat()
        if status.st_uid != os.getuid() or status.st_mode & 0o022:
            return False
    return True


def read(path: Path) -> object | None:
    """What a cache file holds, or None when it is missing, damaged or not trusted."""
    try:
        if not path.is_file() or not _trusted(path):
            return None
        data = path.read_bytes()
        os.utime(path)  # recently used: kept by the clean-up below
        return pickle.loads(data)
    except Exception:  # a damaged or foreign file is a miss, never an error
        return None


def write(path: Path, value: object) -> None:
    """Replace a cache file at once (readers see the old or the new one); older files of the
    same kind ("rules-*") not used for KEEP_DAYS are removed."""
    import tempfile  # only a miss writes

    folder = path.parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".cache-", suffix=".tmp")
        with os.fdopen(descriptor, "wb") as handle:  # mkstemp makes it readable by its owner only
            handle.write(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, path)
        _remove_stale(folder, path)
    except (OSError, pickle.PicklingError):
        return  # a read-only home or a full disk: run without the cache


def _remove_stale(folder: Path, current: Path) -> None:
    limit = time.time() - KEEP_DAYS * 86400
    for old in folder.glob(current.name.split("-")[0] + "-*.pickle"):
        if old != current and old.stat().st_mtime < limit:
            old.unlink(missing_ok=True)
