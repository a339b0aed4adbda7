"""The scan process of a worker (app.jobs.isolated): `python -m app.jobs.scan_child`, given a
socket in OPENWASHING_SCAN_FD. It loads the engine and the rules once, says it is ready, then
scans each snapshot it is sent and answers with the report. It dies with the worker that started
it, and knows nothing of GitHub, the store or the network: Hub pages are asked of the worker."""

from __future__ import annotations

import os
from collections.abc import Sequence
from multiprocessing.connection import Connection

from app.engine.hub import HubMiss, HubPage, HubRef
from app.engine.snapshot import Snapshot, UnreadableFile

_ERRORS = {"FileNotFoundError": FileNotFoundError, "UnreadableFile": UnreadableFile}


class PipeHub:
    """The Hub, asked through the worker: the scan sends the references, the worker answers."""

    def __init__(self, conn: Connection, offline: str) -> None:
        self.conn, self.offline = conn, offline or None

    def fetch(self, refs: Sequence[HubRef]) -> dict[HubRef, HubPage | HubMiss]:
        self.conn.send(("fetch", list(refs)))
        return self.conn.recv()


def serve(conn: Connection) -> None:
    from app.engine.ruleset import default_ruleset
    from app.engine.scan import scan
    from app.gcpolicy import tune_for_scanning

    rules = default_ruleset()
    tune_for_scanning()
    conn.send(("ready", None))
    while True:
        try:
            kind, (paths, name, files, config, hub) = conn.recv()
        except EOFError:
            return  # the worker is gone
        if kind != "scan":
            continue
        snapshot = Snapshot(paths, lambda p, f=files: _read(f, p), lambda p, f=files: f[p][0] if p in f else None,
                            name)
        try:
            report = scan(snapshot, config, rules, None if hub is None else PipeHub(conn, hub))
        except Exception as exc:  # the worker concludes the check with the reason
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
            continue
        conn.send(("report", report))


def _read(files: dict[str, tuple], path: str) -> bytes:
    if path not in files:
        raise FileNotFoundError(path)
    _size, data = files[path]
    if isinstance(data, tuple):
        kind, message = data
        raise _ERRORS.get(kind, OSError)(message)
    if data is None:
        raise UnreadableFile("above the size limit")
    return data


def main() -> None:
    from app.jobs.workers import die_with_parent

    die_with_parent(int(os.environ["OPENWASHING_PARENT"]))  # never outlive the worker
    serve(Connection(int(os.environ["OPENWASHING_SCAN_FD"])))


if __name__ == "__main__":
    main()
