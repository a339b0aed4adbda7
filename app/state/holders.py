"""Who holds a lease, said so that the holder's own host can tell at once whether it is still alive.

A holder is `host:pid:start:random` — the host's name (HOST_ID, else the hostname), the process id
and the process's start time in clock ticks since boot (so a recycled pid is not mistaken for the
old process). Other hosts cannot see the process and wait for the lease to lapse; the host itself
reads /proc and takes the work of its dead workers back at once, and on start the work of its own
previous incarnation.
"""

from __future__ import annotations

import os
import socket
import uuid


def host_name(configured: str | None = None) -> str:
    """This host's name in leases: no colon, which separates a holder's parts."""
    return (configured or socket.gethostname() or "host").replace(":", "_")


def _start_ticks(pid: int) -> str | None:
    """When a running process started (field 22 of /proc/PID/stat); None when there is no such
    process or it has exited and waits to be reaped (a zombie runs nothing)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if len(fields) < 20 or fields[0] in ("Z", "X") else fields[19]


def holder_id(host: str, pid: int | None = None) -> str:
    """The holder name of a process on this host (this process by default)."""
    pid = pid or os.getpid()
    return f"{host}:{pid}:{_start_ticks(pid) or 0}:{uuid.uuid4().hex[:6]}"


def dead_here(holder: str, host: str) -> bool:
    """Whether a holder is a process of this host that no longer runs. A holder of another host, or
    one written some other way, is not known to be dead: its lease decides."""
    parts = holder.split("#", 1)[0].split(":")
    if len(parts) != 4 or parts[0] != host or not parts[1].isdigit():
        return False
    if not os.path.isdir("/proc/self"):  # no /proc: a signal 0 says whether the pid exists at all
        return not _pid_exists(int(parts[1]))
    return _start_ticks(int(parts[1])) != parts[2]


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
