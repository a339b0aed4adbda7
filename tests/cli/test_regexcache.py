"""Compiled regular expressions kept between command-line runs: the patterns are exactly re's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app import regexcache

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "openwashed-model"


@pytest.fixture
def installed(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENWASHING_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENWASHING_NO_CACHE", raising=False)
    cache = regexcache.install()
    yield cache
    regexcache.uninstall()


def _scan_patterns() -> list[tuple[str, int]]:
    """Every (pattern, flags) a scan of the example compiles, rules and engine included."""
    from app.engine.ruleset import load_ruleset
    from app.engine.scan import scan
    from app.engine.snapshot import Snapshot

    seen: list[tuple[str, int]] = []
    original = re._compile

    def recording(pattern, flags):
        if isinstance(pattern, str):
            seen.append((pattern, int(flags)))
        return original(pattern, flags)

    re._compile = recording
    try:
        re.purge()
        scan(Snapshot.from_folder(EXAMPLE), ruleset=load_ruleset())
    finally:
        re._compile = original
    return sorted(set(seen))


def test_a_pattern_built_from_its_program_is_the_pattern_re_compiles():
    patterns = _scan_patterns()
    assert len(patterns) > 100
    for pattern, flags in patterns:
        program = regexcache.program_of(pattern, flags)
        assert program is not None, pattern
        built = regexcache._sre.compile(*program)
        compiled = re.compile(pattern, flags)
        # Pattern equality compares the pattern, the flags and the compiled code.
        assert built == compiled and built.groupindex == compiled.groupindex, pattern
        assert built.groups == compiled.groups and built.flags == compiled.flags


def test_programs_survive_the_process_and_serve_the_next_one(installed, tmp_path):
    assert installed is not None and re._compile.cache is installed
    patterns = [(rf"\b(?P<word>open{i})[\s-]?source\b", re.I) for i in range(regexcache.MIN_NEW)]
    for i, (pattern, flags) in enumerate(patterns):
        assert re.search(pattern, f"an OPEN{i} source model", flags)
    installed.save()
    saved = regexcache.rulecache.read(installed.path)
    assert set(patterns) <= set(saved["programs"])
    regexcache.uninstall()
    again = regexcache.install()
    assert again is not installed and set(patterns) <= set(again.programs)
    match = re.search(patterns[3][0], "An Open3 source release", patterns[3][1])
    assert match and match.group("word") == "Open3" and not again.added


def test_a_bad_pattern_fails_as_re_fails(installed):
    with pytest.raises(re.error, match="missing \\)"):
        re.compile("(unclosed")
    assert re.compile(b"bytes").pattern == b"bytes"  # bytes go to re unchanged
    assert re.compile(re.compile("x")).pattern == "x"


def test_a_few_new_patterns_do_not_rewrite_the_file(installed, monkeypatch):
    from app.engine import memo

    monkeypatch.setattr(memo, "computed", 0)
    installed.added.clear()
    re.compile("a pattern seen once")
    installed.save()
    assert not installed.path.exists()


def test_a_damaged_program_falls_back_to_compiling(installed):
    installed.programs[("damaged", 0)] = ("damaged", 0, [999999], 0, {}, ())
    assert re.compile("damaged").search("a damaged file")


def test_the_engine_s_derived_results_are_kept_only_for_the_code_that_computed_them(installed, monkeypatch):
    from app.engine import memo, prefilter

    name = "app.engine.prefilter._literal_choices"
    key = (r"\bopen[\s-]?source\b", re.I | re.U)
    for _ in range(regexcache.MIN_NEW):
        prefilter._literal_choices(*key)
    monkeypatch.setattr(memo, "computed", regexcache.MIN_NEW)
    installed.save()
    fingerprint, entries = regexcache.rulecache.read(installed.path)["memo"][name]
    assert entries[key] == (frozenset({"open"}), frozenset({"source"}))

    monkeypatch.setitem(memo.TABLES, name, {})
    regexcache._preload({name: (fingerprint, {key: "kept"})})
    assert memo.TABLES[name][key] == "kept"  # the same module: its results are used
    monkeypatch.setitem(memo.TABLES, name, {})
    regexcache._preload({name: ("another version", {key: "stale"})})
    assert key not in memo.TABLES[name]  # an edited module computes afresh


def test_a_python_that_compiles_otherwise_keeps_no_program(installed, monkeypatch):
    """If a program ever differs from what re compiles, the process stops keeping programs."""
    real = regexcache.program_of
    monkeypatch.setattr(regexcache, "program_of", lambda pattern, flags: real("something else", flags))
    assert re.compile("the pattern asked for").pattern == "the pattern asked for"
    assert installed.untrusted and not installed.added
    assert re.search("another pattern", "with another pattern in it")  # compiled by re, as before


def test_no_cache_means_no_wrapper(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENWASHING_NO_CACHE", "1")
    assert regexcache.install() is None and not isinstance(re._compile, regexcache._Wrapper)


def test_a_command_line_process_collects_less_often_from_its_start():
    """The threshold is raised before the engine is imported (start-up builds long-lived objects)."""
    code = ("import gc, sys; sys.argv = ['openwashing', 'rules']; from app import cli; "
            "import app.gcpolicy as g; seen = []; quiet = g.quiet_start; "
            "g.quiet_start = lambda: (quiet(), seen.append('app.engine.ruleset' in sys.modules)); "
            "before = gc.get_threshold()[0]; cli.main(); print(before, gc.get_threshold()[0], seen)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[-2] == "700 50000 [False]"


def test_the_command_line_gives_the_same_report_with_and_without_programs(tmp_path):
    env = {**os.environ, "OPENWASHING_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("OPENWASHING_NO_CACHE", None)
    command = [sys.executable, "-m", "app.cli", "scan", str(EXAMPLE), "--format", "json", "--fail-on", "never"]
    runs = [subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout for _ in range(2)]
    assert list((tmp_path / "cache" / "regex").glob("programs-*.pickle"))
    plain = subprocess.run(command, capture_output=True, text=True, check=True,
                           env={**env, "OPENWASHING_NO_CACHE": "1"}).stdout
    assert runs[0] == runs[1] == plain
