"""Hostile repository text: every pass over it must stay linear in its length.

Usage: python benchmarks/adversarial.py [--size BYTES] [--max-ratio N]

Scans READMEs built to make backtracking patterns go quadratic (runs of "[", backticks, unclosed
HTML comments, link destinations, e-mail-like words, thousands of claims on one line, unclosed
tables) and prints each scan's time as a ratio to a bare pass over the same bytes (a single
compiled search for "open source"), measured in the same run. It then scans each input at a
quarter of the size: a linear pass grows about 4x with 4x the input, a quadratic one 16x.
Exits 1 when a ratio passes --max-ratio or the growth shows super-linear work.

It then builds, for every character class a rule pattern repeats without bound
(app.engine.redos.run_characters), a run of that class inside a claim sentence (80,000 spaces
after "This open-source model" held a worker for minutes before the rules were checked) and
prints its scan time beside ordinary prose of the same size: each must stay within 3x.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine import redos
from app.engine.scan import scan
from app.engine.snapshot import Snapshot
from app.paths import rules_dir
from benchmarks.scan_speed import median_seconds

BARE = re.compile(r"open[\s-]?source", re.I)
GROWTH_LIMIT = 8.0  # 4x the input may cost up to 8x the time (noise, caches); quadratic is 16x


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


INPUTS = {
    "open brackets": lambda n: _repeat("[", n),
    "brackets and parens": lambda n: _repeat("[a](", n),
    "backticks": lambda n: _repeat("`a", n),
    "mixed backtick runs": lambda n: _repeat("`` ``` `", n),
    "unclosed comments": lambda n: _repeat("<!-- ", n),
    "link destinations": lambda n: _repeat("](<", n),
    "images": lambda n: _repeat("![a", n),
    "e-mail-like words": lambda n: _repeat("a", n - 1) + "@",
    "autolinks": lambda n: _repeat("<http:a", n),
    "html tags": lambda n: _repeat("<a ", n),
    "claims on one line": lambda n: _repeat("Acme is an open-source model and ", n),
    "claims in a list": lambda n: _repeat("- we open-source Acme, the best open-source model\n", n),
    "pipes": lambda n: "| a | b |\n|---|---|\n" + _repeat("| open source |", n),
    "unclosed tables": lambda n: _repeat("<table><tr><td>", n),
    "front matter": lambda n: "---\nlicense: " + _repeat("a", n) + "\n---\n",
    "chinese claims": lambda n: _repeat("我们开源了在所有开源模型中排名第一的开源大模型，", n),
}


def measure(text: str, repeat: int) -> tuple[float, float]:
    snapshot = Snapshot.from_mapping({"README.md": text}, ["model.safetensors"])
    scan(snapshot)  # warm: rule caches and compiled patterns are not what is measured
    full = median_seconds(lambda: scan(snapshot), repeat)
    bare = median_seconds(lambda: sum(1 for _ in BARE.finditer(text)), max(repeat, 5))
    return full, max(bare, 1e-6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="bytes of each hostile README")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-ratio", type=float, default=20000.0,
                        help="largest scan time allowed, as a multiple of the bare pass")
    args = parser.parse_args(argv)
    failed = []
    for name, build in INPUTS.items():
        full, bare = measure(build(args.size), args.repeat)
        quarter, _ = measure(build(args.size // 4), args.repeat)
        ratio, growth = full / bare, full / max(quarter, 1e-6)
        verdict = "ok" if ratio <= args.max_ratio and growth <= GROWTH_LIMIT else "TOO SLOW"
        print(f"{name:<22} scan {full * 1000:8.1f} ms  bare {bare * 1000:6.2f} ms  ratio {ratio:8.0f}x  "
              f"4x input -> {growth:4.1f}x time  {verdict}")
        if verdict != "ok":
            failed.append(name)
    failed += _class_runs(args.size, args.repeat)
    print("worst cases linear and within the bound" if not failed else f"NOT linear or too slow: {failed}")
    return 1 if failed else 0


PROSE_LIMIT = 3.0  # a run of a repeated class against ordinary prose of the same size


def _class_runs(size: int, repeat: int) -> list[str]:
    prose = ("Acme is a language model trained for chat in many languages. " * (size // 60 + 1))[:size]
    floor, _ = measure(f"# Acme\n\nThis open-source model {prose} is great.\n", repeat)
    failed = []
    for character in redos.run_characters(redos.rule_patterns(rules_dir())):
        took, _ = measure(f"# Acme\n\nThis open-source model{character * size}is great.\n", repeat)
        ratio = took / floor
        verdict = "ok" if ratio <= PROSE_LIMIT else "TOO SLOW"
        print(f"run of {character!r:<15} scan {took * 1000:8.1f} ms  prose {floor * 1000:6.1f} ms  "
              f"ratio {ratio:5.2f}x (limit {PROSE_LIMIT:g}x)  {verdict}")
        if verdict != "ok":
            failed.append(f"run of {character!r}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
