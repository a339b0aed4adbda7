"""Time the owner report page for an organisation with many checked repositories, server-side.

Usage: python benchmarks/report_pages.py [--repositories 2000] [--repeat 5]

Fills a SQLite store with made-up repositories (120-character names, every verdict, licences kept
at 300-character addresses; tests/web/sized.py), then times what GET /report/{owner} does: read the
owner's rows, keep those the viewer may see, sort, filter and render the page, for the default
view, a sort by verdict and a filter. The floor, measured in the same run, is reading the rows
from the store alone; the goal (issue 22) is a page under 300 ms for 2,000 repositories.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.state.store import open_store  # noqa: E402
from app.web.pages import render_owner  # noqa: E402
from app.web.viewer import Viewer  # noqa: E402
from tests.web import sized  # noqa: E402

GOAL_MS = 300


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times) * 1000, statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{folder}/pages.sqlite3")
        sized.fill(store, count=args.repositories, history=1)
        viewer = Viewer(store, SimpleNamespace(signin_enabled=False), "/report/acme-ai")

        def page(sort: str = "name", descending: bool = False, verdict: str = "all") -> str:
            records = [r for r in store.repositories_of("acme-ai") if viewer.can_see(r)]
            return render_owner("acme-ai", records, viewer, sort, descending, verdict)

        size = len(page()) / 1e6
        floor, floor_median = best_of(args.repeat, lambda: store.repositories_of("acme-ai"))
        print(f"{args.repositories} repositories, page {size:.1f} MB; reading the rows (floor): "
              f"{floor:.1f} ms (median {floor_median:.1f})")
        worst = 0.0
        for label, call in (("default view", page), ("sorted by verdict, descending",
                                                       lambda: page("verdict", True)),
                            ("filtered: restricted", lambda: page(verdict="restricted-weights"))):
            best, median = best_of(args.repeat, call)
            worst = max(worst, median)
            print(f"  {label:<32} {best:7.1f} ms (median {median:.1f}), {best / floor:5.1f}x the floor")
        met = "met" if worst < GOAL_MS else "NOT met"
        print(f"goal: under {GOAL_MS} ms server-side: {met} (slowest median {worst:.1f} ms)")
        store.close() if hasattr(store, "close") else None
    return 0


if __name__ == "__main__":
    sys.exit(main())
