"""One job at a time per installation, across the worker threads and processes of one machine."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def installation_turn(directory: str | os.PathLike[str], installation_id: int, interval: float) -> Iterator[None]:
    """Hold the installation's turn; start no sooner than `interval` after the previous job ended.

    An exclusive flock on a file per installation serialises jobs in every thread and forked
    worker; the file's mtime records when the last one ended, which paces writes across them
    (PyGithub's own pacing only sees the writes of its own process).
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"installation-{installation_id}.lock"
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            wait = os.stat(path).st_mtime + interval - time.time()
            if 0 < wait <= interval:
                time.sleep(wait)
            yield
        finally:
            os.utime(path)
            fcntl.flock(handle, fcntl.LOCK_UN)
