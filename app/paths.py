"""Where the bundled rules and templates live, in a source checkout and after `pip install`."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    installed = _PACKAGE / "_data" / name  # the wheel maps the top-level folder here
    return installed if installed.is_dir() else _PACKAGE.parent / name


def rules_dir() -> Path:
    """The rules folder; OPENWASHING_RULES points elsewhere (a fork's own rule set)."""
    return Path(os.environ.get("OPENWASHING_RULES") or _bundled("rules"))


def templates_dir() -> Path:
    return _bundled("templates")
