"""Which lines of a pull request a review comment may sit on: unified-diff hunks, right side."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


@dataclass
class FileDiff:
    added: set[int] = field(default_factory=set)  # lines the pull request adds or changes
    hunks: list[tuple[int, int]] = field(default_factory=list)  # right-side line ranges

    def same_hunk(self, first: int, last: int) -> bool:
        return any(start <= first and last <= end for start, end in self.hunks)


def parse_patch(patch: str | None) -> FileDiff:
    """Added lines and hunk ranges of one file's patch (GitHub omits it for binary or huge files)."""
    diff = FileDiff()
    line = 0
    for row in (patch or "").split("\n"):
        header = _HUNK.match(row)
        if header:
            line = int(header.group(1))
            length = int(header.group(2)) if header.group(2) is not None else 1
            diff.hunks.append((line, line + max(length, 1) - 1))
        elif row.startswith("+"):
            diff.added.add(line)
            line += 1
        elif row.startswith(" ") or row == "":
            line += 1
        # "-" rows and "\ No newline at end of file" are not on the right side
    return diff
