"""Compiled regular expressions (and what the engine derives from them) kept between runs of the
command line.

CPython compiles a regular expression in Python code (a parser, then a code generator) and keeps
the result only for the life of the process. A scan goes through ~650 patterns (the rules', the
engine's and its libraries'), and compiling them is about 40 ms of a ~150 ms `openwashing scan`.
What compiling produces, the program `re` hands to its C matcher (a list of opcodes, with the
group names), depends only on the pattern, its flags and the Python version. So the command line
keeps the programs in its cache folder (with the rule set, under the same ownership checks) and
builds each pattern from its program with the constructor `re` itself ends with. A program is
what `re.compile` itself computes, by the same internal steps; each process compares its first
CHECKED_PROGRAMS patterns, program included, with the ones `re` compiles and keeps nothing if one
differs (the tests compare every pattern a scan uses); a Python version has its own file.

`install` wraps `re._compile`, the function every `re` call goes through; bytes, debug output,
compiled patterns and anything that fails go to the original unchanged. The same file keeps the
engine's results of pure functions of the rules' patterns (app.engine.memo: the words a pattern
requires, the factored licence names), each table with a fingerprint of the module that computed
it, used only while that module is unchanged. The command line installs all this for its short
commands only (the server compiles once per process). OPENWASHING_NO_CACHE=1 turns it off with
the rule cache.
"""

from __future__ import annotations

import _sre
import atexit
import functools
import importlib.util
import re
import sys
from pathlib import Path
from re import _compiler, _parser

from app.engine import memo, rulecache

MIN_NEW = 10  # fewer new programs than this in a run are not worth rewriting the file for
MAX_PROGRAMS = 2_000  # beyond this the file starts again from this run's programs (one scan uses ~650)
CHECKED_PROGRAMS = 100  # a process compares this many programs with re's compilation, then trusts them
MAX_MEMO = 4_096  # compiled patterns this process keeps (re keeps 512; one run needs ~650)

Program = tuple  # the arguments of _sre.compile


class ProgramCache:
    """The programs read from the file, those this run added, and this process's patterns."""

    def __init__(self, path: Path, programs: dict[tuple[str, int], Program]) -> None:
        self.path = path
        self.programs = programs
        self.added: dict[tuple[str, int], Program] = {}
        self.memo: dict[tuple[str, int], re.Pattern[str]] = {}
        self.original = re._compile
        self.checked = 0  # programs compared with re's own compilation in this process
        self.untrusted = False  # one differed: this process keeps no program

    def compile(self, pattern, flags):
        if isinstance(flags, re.RegexFlag):
            flags = flags.value
        if type(pattern) is not str or flags & re.DEBUG:
            return self.original(pattern, flags)
        key = (pattern, flags)
        compiled = self.memo.get(key)
        if compiled is None:
            compiled = self._built(key) or self._compiled(key)
            if len(self.memo) >= MAX_MEMO:
                self.memo.clear()
            self.memo[key] = compiled
        return compiled

    def _built(self, key: tuple[str, int]) -> re.Pattern[str] | None:
        program = self.programs.get(key)
        if program is None:
            return None
        try:
            return _sre.compile(*program)
        except Exception:  # a program this Python cannot take: compile instead
            return None

    def _compiled(self, key: tuple[str, int]) -> re.Pattern[str]:
        program = None if self.untrusted else program_of(*key)
        if program is None:
            return self.original(*key)  # raises re.error for a bad pattern, as re does
        built = _sre.compile(*program)
        if self.checked < CHECKED_PROGRAMS:  # compiling twice costs a first run a third more
            self.checked += 1
            compiled = self.original(*key)
            if built != compiled:
                self.untrusted, self.added = True, {}  # this Python compiles otherwise: keep nothing
                return compiled
        self.added[key] = program
        return built

    def save(self) -> None:
        if len(self.added) < MIN_NEW and memo.computed < MIN_NEW:
            return
        kept = self.programs if len(self.programs) + len(self.added) <= MAX_PROGRAMS else {}
        tables = {name: (_module_fingerprint(name), entries) for name, entries in memo.TABLES.items()
                  if 0 < len(entries) <= MAX_PROGRAMS}
        rulecache.write(self.path, {"programs": {**kept, **self.added}, "memo": tables})


def program_of(pattern: str, flags: int) -> Program | None:
    """What `re` hands its C matcher for this pattern (as CPython 3.11 to 3.13 compile it)."""
    try:
        parsed = _parser.parse(pattern, flags)
        code = [int(op) for op in _compiler._code(parsed, flags)]  # opcodes are int subclasses
        group_index = dict(parsed.state.groupdict)
        index_group = [None] * parsed.state.groups
        for name, index in group_index.items():
            index_group[index] = name
        return (pattern, flags | parsed.state.flags, code, parsed.state.groups - 1, group_index,
                tuple(index_group))
    except Exception:  # internals this version does not have: the pattern is simply not kept
        return None


def install() -> ProgramCache | None:
    """Serve this process's patterns from the cache folder, and keep new ones at exit. None when
    the cache is off or its folder cannot be trusted."""
    if isinstance(re._compile, _Wrapper):
        return re._compile.cache
    folder = rulecache.trusted_folder("regex")
    if folder is None:
        return None
    path = folder / f"programs-{rulecache.fingerprint(sys.version.encode())}.pickle"
    saved = rulecache.read(path)
    saved = saved if isinstance(saved, dict) else {}
    cache = ProgramCache(path, saved.get("programs") or {})
    _preload(saved.get("memo") or {})
    re._compile = _Wrapper(cache)
    atexit.register(cache.save)
    return cache


def _preload(tables: dict) -> None:
    for name, (fingerprint, entries) in tables.items():
        if fingerprint is not None and fingerprint == _module_fingerprint(name):
            memo.preload(name, entries)


def _module_fingerprint(function_name: str) -> str | None:
    """The source of the module a memo table's function is in (without importing it)."""
    return _source_fingerprint(function_name.rsplit(".", 1)[0])


@functools.cache  # several tables come from one module
def _source_fingerprint(module: str) -> str | None:
    try:
        spec = importlib.util.find_spec(module)
        return rulecache.fingerprint(Path(spec.origin).read_bytes())
    except (ImportError, AttributeError, TypeError, ValueError, OSError):
        return None


def uninstall() -> None:
    if isinstance(re._compile, _Wrapper):
        re._compile = re._compile.cache.original


class _Wrapper:
    """Stands in for re._compile (a callable object, so that `install` can recognise itself)."""

    def __init__(self, cache: ProgramCache) -> None:
        self.cache = cache

    def __call__(self, pattern, flags):
        return self.cache.compile(pattern, flags)
