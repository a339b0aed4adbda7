"""How the processes that scan use Python's garbage collector.

A scan allocates hundreds of thousands of short-lived objects (parser tokens, segments, match
objects) that reference counting frees at once; almost none form cycles. With the default
thresholds the collector still runs hundreds of times per large document, walking the whole
rule set each time, which made a 4 MB document cost a quarter more per KB than a 30 KB one.
Freezing what start-up built (the rules) and collecting the youngest generation less often
keeps that cost flat (benchmarks/scan_speed.py shows both)."""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000  # CPython's default is 700 allocations


def quiet_start() -> None:
    """Call first thing in a short-lived process. Start-up builds modules, classes and the rules:
    tens of thousands of objects that live as long as the process, with almost no cycles among
    them, which the default threshold made the collector walk 45 times in a command-line scan
    (~6 ms of ~90)."""
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def tune_for_scanning() -> None:
    """Call once, after the rules are loaded: they stay out of every later collection."""
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
