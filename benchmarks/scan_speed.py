"""How fast a scan is, against a bare regular-expression search as the floor.

Usage: python benchmarks/scan_speed.py [--repeat N]

Prints the median time to scan (1) a 1 MB README, also in a worst case where every block makes
claims, (2) a tree of 100,000 paths, (3) a typical 30 KB README, each beside a bare `re` search
for "open source" over the same text, and where the 30 KB scan's time goes, step by step; (4)
the cost per KB from 30 KB to 5 MB (flat means no super-linear growth), and (5) the peak memory
a 1 MB scan allocates. Goals (issue 12): the 1 MB scan and the 100,000-path tree within 10x of
the bare search, the 30 KB README under 10 ms, the cost per KB flat. For the 1 MB README it
also prints each step's share, and what the rules cost per finding; and a plain-Python reference
loop, to compare figures in milliseconds across machines. The garbage collector is tuned as the
command line and the workers tune it.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine.config import Config
from app.engine.ruleset import default_ruleset
from app.engine.scan import scan
from app.engine.snapshot import Snapshot
from app.gcpolicy import tune_for_scanning

NAIVE = re.compile(r"open[\s-]?source", re.I)

# One screen of a typical model card: headings, prose with and without claims, a table, links, code.
BLOCK = """
## Model overview {n}

Acme-{n}B is an open-source model for multilingual chat, fine-tuned from a base model on
instruction data. It outperforms other open-source chat models of its size on most benchmarks,
and we thank the open-source community for the libraries it builds on. See the
[model page](https://huggingface.co/example/acme-{n}b) and the [paper](https://arxiv.org/abs/2401.0{n}).

| Model | Context | Download |
|-------|---------|----------|
| Acme-{n}B | 8k | [weights](https://huggingface.co/example/acme-{n}b) |

```python
from transformers import AutoModelForCausalLM
model = AutoModelForCausalLM.from_pretrained("example/acme-{n}b")  # open source? not prose
```

- Runs on a single GPU with quantisation; the evaluation code is in `eval/`.
- The weights are released under the Acme Community License, with an acceptable use policy.
"""

# The rest of a typical card: usage, evaluation, citation; links and code but no claims.
PLAIN_BLOCK = """
### Evaluation {n}

We evaluate on reading comprehension, arithmetic and code generation with the
[evaluation harness](https://github.com/example/harness). Scores are averaged over three seeds;
see the [results page](https://example.com/results/{n}) for the breakdown per task.

| Benchmark | Acme-{n}B | Baseline |
|-----------|-----------|----------|
| Reading   | 71.2      | 68.9     |
| Arithmetic| 55.0      | 49.3     |

```bash
pip install acme-tools
acme-eval --model example/acme-{n}b --tasks reading,arithmetic
```

Please cite the technical report if you use these results in your work, and open an issue when a
number cannot be reproduced on your hardware.
"""

LICENSE = "ACME COMMUNITY LICENSE\n\nUsers above 700 million monthly active users must ask for a licence.\n"


def readme_of_size(size: int, dense: bool = False) -> str:
    """A model card of about `size` bytes. Typical: one block with claims in five; dense: all."""
    parts, n, total = ["# Acme\n"], 0, 0
    while total < size:
        block = (BLOCK if dense or n % 5 == 0 else PLAIN_BLOCK).format(n=n)
        parts.append(block)
        total += len(block)
        n += 1
    return "".join(parts)[:size]


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_readme(size: int, repeat: int, dense: bool = False) -> tuple[float, float, int]:
    text = readme_of_size(size, dense)
    snapshot = Snapshot.from_mapping({"README.md": text, "LICENSE": LICENSE}, ["model.safetensors"])
    full = median_seconds(lambda: scan(snapshot), repeat)
    bare = median_seconds(lambda: sum(1 for _ in NAIVE.finditer(text)), repeat)
    return full, bare, len(scan(snapshot).findings)


def per_kb(sizes: tuple[int, ...], repeat: int) -> list[tuple[int, float]]:
    """Microseconds per KB of README at each size (documents up to 6 MB are read)."""
    config = Config(max_file_bytes=6_000_000)
    figures = []
    for size in sizes:
        snapshot = Snapshot.from_mapping({"README.md": readme_of_size(size), "LICENSE": LICENSE},
                                         ["model.safetensors"])
        seconds = median_seconds(lambda s=snapshot: scan(s, config), repeat if size < 2_000_000 else 1)
        figures.append((size, seconds * 1e6 / (size / 1000)))
    return figures


def parse_floor(size: int, repeat: int) -> float:
    """The parser's pass alone (pulldown-cmark's events with their ranges, as the engine asks for
    them): the floor of any scan that needs exact positions from this parser."""
    import pyromark

    from app.engine.markdown import _OPTIONS
    text = readme_of_size(size)
    return median_seconds(lambda: sum(1 for _ in pyromark.events_with_range(text, options=_OPTIONS)), repeat)


def reading_floor(size: int, repeat: int) -> float:
    """The document read into segments, links and sections (the parser's events turned into
    Python objects), before any rule is tried: the floor of the engine as it is built."""
    from app.engine.markdown import parse_document
    text = readme_of_size(size)
    return median_seconds(lambda: parse_document("README.md", text), repeat)


def previous_parser(size: int, repeat: int) -> float | None:
    """markdown-it-py's block pass over the same text (the parser the engine used before; a test
    dependency, so absent where only the package is installed)."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return None
    parser = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
    text = readme_of_size(size)
    return median_seconds(lambda: parser.parse(text), repeat)


# The steps of a scan (app.engine.scan), timed from outside by wrapping them for one measurement.
STAGES = {"_documents": "reading the documents", "project_of": "names", "_licenses": "licences",
          "find_artifacts": "artifacts", "_findings": "claims"}


def stage_split(size: int, repeat: int) -> dict[str, float]:
    """Seconds per scan in each step of a scan of a README of `size` (the parse apart)."""
    import app.engine.markdown as markdown
    import app.engine.scan as engine

    spent = dict.fromkeys(["parse", *STAGES.values()], 0.0)
    originals = {name: getattr(engine, name) for name in STAGES} | {"read": markdown._BlockReader.read}

    def timed(function, label):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - start
        return run

    for name, label in STAGES.items():
        setattr(engine, name, timed(originals[name], label))
    snapshot = Snapshot.from_mapping({"README.md": readme_of_size(size), "LICENSE": LICENSE}, ["model.safetensors"])
    markdown._BlockReader.read = timed(originals["read"], "parse")  # the parser's events, read into blocks
    try:
        median_seconds(lambda: scan(snapshot), repeat)  # a mean per step: their sum is about the median
    finally:
        for name in STAGES:
            setattr(engine, name, originals[name])
        markdown._BlockReader.read = originals["read"]
    spent["reading the documents"] -= spent["parse"]
    return {label: seconds / repeat for label, seconds in spent.items()}


def reference_loop(repeat: int) -> float:
    """A fixed piece of plain Python (a million calls and additions): how fast this machine runs
    Python, to read the figures in milliseconds against those measured on another machine."""
    def step(total: int, i: int) -> int:
        return total + i

    def run() -> int:
        total = 0
        for i in range(1_000_000):
            total = step(total, i)
        return total
    return median_seconds(run, repeat)


def peak_memory(size: int) -> int:
    """Bytes allocated at the peak of one scan (tracemalloc), beyond what was live before it."""
    import tracemalloc
    snapshot = Snapshot.from_mapping({"README.md": readme_of_size(size), "LICENSE": LICENSE}, ["model.safetensors"])
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    scan(snapshot)
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return peak


def bench_tree(count: int, repeat: int) -> tuple[float, float]:
    paths = [f"src/module_{i // 100}/part_{i % 100}/file_{i}.py" for i in range(count - 3)]
    paths += ["model-00001-of-00002.safetensors", "train.py"]
    text = readme_of_size(2_000)
    snapshot = Snapshot.from_mapping({"README.md": text, "LICENSE": LICENSE}, paths)
    listing = "\n".join(paths) + text
    full = median_seconds(lambda: scan(snapshot), repeat)
    bare = median_seconds(lambda: sum(1 for _ in NAIVE.finditer(listing)), repeat)
    return full, bare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    default_ruleset()  # load the rules once, as a long-running app does
    tune_for_scanning()
    full, bare, findings = bench_readme(1_000_000, args.repeat)
    print(f"1 MB README:        scan {full * 1000:8.1f} ms   bare regex {bare * 1000:7.2f} ms   "
          f"ratio {full / bare:6.1f}x   ({findings} findings)")
    dense, dense_bare, dense_findings = bench_readme(1_000_000, args.repeat, dense=True)
    print(f"1 MB, all claims:   scan {dense * 1000:8.1f} ms   bare regex {dense_bare * 1000:7.2f} ms   "
          f"ratio {dense / dense_bare:6.1f}x   ({dense_findings} findings; worst case)")
    tree_full, tree_bare = bench_tree(100_000, args.repeat)
    print(f"100,000-path tree:  scan {tree_full * 1000:8.1f} ms   bare regex {tree_bare * 1000:7.2f} ms   "
          f"ratio {tree_full / tree_bare:6.1f}x")
    typical, typical_bare, _ = bench_readme(30_000, args.repeat * 4)
    print(f"30 KB README:       scan {typical * 1000:8.1f} ms   bare regex {typical_bare * 1000:7.2f} ms   "
          f"(goal < 10 ms: {'met' if typical < 0.010 else 'NOT met'})")
    split = stage_split(30_000, args.repeat * 4)
    print("  where it goes:    " + ", ".join(f"{label} {seconds * 1000:.1f} ms" for label, seconds in split.items()))
    figures = per_kb((30_000, 1_000_000, 5_000_000), args.repeat)
    print("cost per KB:        " + "   ".join(f"{size // 1000:,} KB {us:6.0f} µs" for size, us in figures)
          + f"   (5 MB / 30 KB: {figures[-1][1] / figures[0][1]:.2f}x; flat is 1.0)")
    print(f"peak memory:        {peak_memory(1_000_000) / 1e6:6.1f} MB allocated at the peak of a 1 MB scan")
    small, large = parse_floor(30_000, args.repeat * 4), parse_floor(1_000_000, args.repeat)
    print(f"floor (parse only): 30 KB {small * 1000:6.1f} ms   1 MB {large * 1000:7.1f} ms = {large / bare:5.1f}x "
          "the bare search (pulldown-cmark's events with ranges, before the engine reads a word)")
    small, reading = reading_floor(30_000, args.repeat * 4), reading_floor(1_000_000, args.repeat)
    print(f"  read into Python: 30 KB {small * 1000:6.1f} ms   1 MB {reading * 1000:7.1f} ms = {reading / bare:5.1f}x "
          "(segments, links and sections, before any rule is tried)")
    before = previous_parser(30_000, args.repeat * 4), previous_parser(1_000_000, args.repeat)
    if before[0] is not None:
        print(f"  markdown-it-py:   30 KB {before[0] * 1000:6.1f} ms   1 MB {before[1] * 1000:7.1f} ms = "
              f"{before[1] / bare:5.1f}x (its block pass alone: the parser the engine used before)")
    steps = stage_split(1_000_000, args.repeat)
    print("1 MB, step by step: " + ", ".join(f"{label} {seconds * 1000:.0f} ms ({seconds / bare:.1f}x)"
                                              for label, seconds in steps.items()))
    rules = full - reading  # the scan less its reading, both medians of this run
    print(f"  the rules:          {rules * 1000:.0f} ms = {rules / bare:.1f}x the bare search (the scan less its "
          f"reading into Python): {rules / findings * 1e6:.0f} µs per finding ({findings}), work that grows with "
          "what the text says, not with its bytes")
    print(f"machine:            a million calls of a Python function in {reference_loop(args.repeat) * 1000:.0f} ms "
          "(to compare figures in ms across machines)")
    print(f"1 MB within 10x of the bare search: {'met' if full <= 10 * bare else 'NOT met'}; "
          f"100,000 paths within 10x: {'met' if tree_full <= 10 * tree_bare else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
