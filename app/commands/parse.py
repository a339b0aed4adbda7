"""Finding `/openwashing <command> [args]` (or `@app-slug <command>`) lines in a comment."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_COMMENT_BYTES = 64 * 1024
MAX_COMMANDS = 10
KNOWN = ("help", "check", "explain", "fix", "ignore")
NEEDS_WRITE = frozenset({"check", "fix", "ignore"})
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


@dataclass(frozen=True)
class Command:
    name: str  # lower case; may be unknown
    args: str
    line: str


def parse_commands(body: str, slug: str) -> list[Command]:
    """Commands in order, one per line that starts with the prefix; code blocks and quotes ignored."""
    prefix = re.compile(rf"^\s*(?:/openwashing|@{re.escape(slug)})\b[ \t]*(\S*)[ \t]*(.*?)\s*$", re.I)
    commands, fenced = [], False
    for line in body.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or line.lstrip().startswith(">"):
            continue
        match = prefix.match(line)
        if match:
            commands.append(Command(match.group(1).lower() or "help", match.group(2), line.strip()))
    return commands


def is_bot(user: dict) -> bool:
    return user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]")
