"""Results of pure functions of the rules' text, which a caller may keep between runs.

Some of what the engine derives from its rules takes milliseconds per process and depends on
nothing but its arguments: the words a pattern requires (a parse of the pattern), the factored
alternation of a few hundred licence names. Such functions are decorated with `pure`; their
results live in `TABLES`, one table per function, which the command line saves beside its
cached rules and loads into the next run (app.regexcache). The engine itself reads and writes
no file: a process nobody loads tables into just computes, as with an ordinary cache.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)
MAX_ENTRIES = 10_000  # per table: arguments come from the rules, so this is never reached in practice

TABLES: dict[str, dict[tuple, object]] = {}  # by the function's module and name
PRELOADED: dict[str, dict[tuple, object]] = {}  # kept results, for functions not defined yet
computed = 0  # results computed in this process (what a save would add)


def pure(function: F) -> F:
    """Keep the results of a function of hashable, picklable arguments with picklable results."""
    name = f"{function.__module__}.{function.__qualname__}"
    table = TABLES.setdefault(name, PRELOADED.pop(name, {}))

    @functools.wraps(function)
    def remembered(*args):
        try:
            return table[args]
        except KeyError:
            pass
        if len(table) >= MAX_ENTRIES:
            table.clear()
        global computed
        result = table[args] = function(*args)
        computed += 1
        return result
    return remembered  # type: ignore[return-value]


def preload(name: str, entries: dict[tuple, object]) -> None:
    """Results a previous run kept for the function `name` (its module and name), which the
    caller has checked were computed by the same code."""
    if name in TABLES:
        TABLES[name].update(entries)
    else:
        PRELOADED[name] = dict(entries)
