"""Whole-process cost of the command line, against the floor of starting Python at all.

Usage: python benchmarks/startup.py [--repeat N]

Runs each command N times (median; one warm-up run first, so files are in the page cache) and
prints it beside `python -c pass` from the same interpreter: `openwashing --version` (goal: within
3x) and `openwashing scan` of the bundled example, offline as the quick start runs it (its Hub
pages are made up; reading the Hub costs network time, not the engine's) (goal: within 10x); `ruff check` of one small
file is printed beside them for scale, as a linter users already run on every commit. The commands
run with Python's bytecode files, as an installed package has them: PYTHONDONTWRITEBYTECODE is
left out of their environment (with it, every run compiles each module's source again).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "openwashed-model"
# What `openwashing scan` does before it reads a file: the collector set for start-up, regular
# expressions served from the cache folder, then what it imports (the text report included).
SCAN_IMPORTS = ("import app.gcpolicy, app.regexcache; app.gcpolicy.quiet_start(); app.regexcache.install(); "
                "import app.cli, app.engine.config, app.engine.ruleset, app.scan_command, app.report.combined, "
                "app.report.text")


# As users run the command: an installed package has its bytecode files (pip writes them), and a
# checkout's are written by the warm-up run.
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run_times(command: list[str], repeat: int) -> list[float]:
    subprocess.run(command, capture_output=True, check=False, env=ENVIRONMENT)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=ENVIRONMENT)
        times.append(time.perf_counter() - start)
    return times


def median_run(command: list[str], repeat: int) -> float:
    return statistics.median(run_times(command, repeat))


def fastest_run(command: list[str], repeat: int) -> float:
    """The least disturbed run: differences between commands are steadier this way."""
    return min(run_times(command, repeat))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    python = sys.executable
    # As users run it: the installed command (the same as `python -m app`, minus runpy).
    script = Path(python).with_name("openwashing")
    cli = [str(script)] if script.is_file() else [python, "-m", "app"]
    floor = median_run([python, "-c", "pass"], args.repeat)
    version = median_run([*cli, "--version"], args.repeat)
    scan = median_run([*cli, "scan", str(EXAMPLE), "--offline", "--fail-on", "never"], args.repeat)
    print(f"python -c pass:          {floor * 1000:7.1f} ms")
    print(f"openwashing --version:   {version * 1000:7.1f} ms   ratio {version / floor:5.1f}x   "
          f"(goal 3x: {'met' if version <= 3 * floor else 'NOT met'})")
    print(f"openwashing scan example:{scan * 1000:7.1f} ms   ratio {scan / floor:5.1f}x   "
          f"(goal 10x: {'met' if scan <= 10 * floor else 'NOT met'})")
    libraries = median_run([python, "-c", "import yaml, pyromark"], args.repeat)
    print(f"floor (imports only):{libraries * 1000:7.1f} ms   ratio {libraries / floor:5.1f}x   "
          "(PyYAML and pyromark, the libraries a scan needs, before any work)")
    # Where the time goes: the same process stopped after importing what a scan imports, then
    # after loading the rules (from the cache, as a second run does); the remainder is the work.
    started = fastest_run([python, "-c", "pass"], args.repeat)
    imported = fastest_run([python, "-c", SCAN_IMPORTS], args.repeat)
    loaded = fastest_run([python, "-c", SCAN_IMPORTS + "; app.engine.ruleset.default_ruleset()"], args.repeat)
    whole = fastest_run([*cli, "scan", str(EXAMPLE), "--offline", "--fail-on", "never"], args.repeat)
    print(f"  of the scan (fastest runs): starting Python {started * 1000:5.1f} ms, imports "
          f"{(imported - started) * 1000:5.1f} ms, loading the rules {(loaded - imported) * 1000:5.1f} ms, "
          f"reading and reporting {(whole - loaded) * 1000:5.1f} ms")
    ruff = shutil.which("ruff", path=str(Path(python).parent)) or shutil.which("ruff")
    if ruff:
        ruff_time = median_run([ruff, "check", "--no-cache", str(ROOT / "app" / "__init__.py")], args.repeat)
        print(f"ruff check (one file):   {ruff_time * 1000:7.1f} ms   ratio {ruff_time / floor:5.1f}x   (for scale)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
