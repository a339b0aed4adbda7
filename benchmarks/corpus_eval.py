"""Scan the labelled corpus of real model repositories and report how well the engine agrees.

Usage: python benchmarks/corpus_eval.py [--corpus DIR] [--record] [--quiet]

Prints OSAID verdict agreement, claim precision and recall — for the English labels
(labels.json) and for the multilingual ones (labels_zh.json, which adds Chinese and Japanese
occurrences) — then the same figures for two halves of the corpus (repositories alternately by
name), so that a rule inspired by one half can be checked on the other. Lists every verdict
disagreement, miss and false positive. Exits 1 when a figure falls below
benchmarks/corpus_baseline.json (a ratchet: raise it with --record as the engine improves);
exits 0 with a note when the corpus is not there.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.engine.scan import scan  # noqa: E402
from app.engine.snapshot import Snapshot  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
BASELINE = Path(__file__).resolve().parent / "corpus_baseline.json"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
FIGURES = ("verdict_agreement", "claim_precision", "claim_recall", "code_agreement", "data_agreement")
# Component labels: training code released (yes/no, or true/false), training data disclosed (yes/no);
# "partial" is a defensible call either way and is left out.
_YES_NO = {True: True, False: False, "yes": True, "no": False}
LABEL_SETS = (("english", "labels.json"), ("multilingual", "labels_zh.json"))


def snapshot_of(folder: Path) -> Snapshot:
    """The repository as GitHub's tree would show it: every path, only the documents readable,
    named owner/repo as the app names it."""
    listing = (folder / "tree.txt").read_text(encoding="utf-8").splitlines()
    snapshot = Snapshot.from_listing(listing, folder)
    snapshot.name = folder.name.replace("__", "/", 1)
    return snapshot


def scan_corpus(corpus: Path, labels: list[dict]) -> dict:
    """One report per repository, scanned once for every label set."""
    return {entry["repo"]: scan(snapshot_of(corpus / entry["repo"].replace("/", "__"))) for entry in labels}


def component_found(report, key: str) -> bool:
    """Whether the engine counts the component as there: found, and for data information detailed
    enough to count (a section that only says how much data, or from where in general, does not)."""
    component = report.assessment.components[key]
    return component.present and (key != "data_information" or component.sufficient)


def evaluate(labels: list[dict], reports: dict) -> dict:
    verdicts, outcomes, unlabelled, components = [], [], [], []
    # English labels leave Chinese and Japanese occurrences out; findings there are not "unlabelled".
    multilingual = any(o.get("term_set") for e in labels for o in e.get("occurrences", []))
    for entry in labels:
        report = reports[entry["repo"]]
        if entry["osaid_open_source"] is not None:
            verdicts.append((entry["repo"], entry["osaid_open_source"], report.assessment.osaid,
                             report.assessment.level.value))
        for field, key in (("training_code_released", "code"), ("training_data_disclosed", "data_information")):
            if _YES_NO.get(entry.get(field)) is not None:
                components.append((entry["repo"], key, _YES_NO[entry[field]], component_found(report, key)))
        flagged = {(f.path, line) for f in report.findings for line in range(f.line, f.end_line + 1)}
        labelled = set()
        for occ in entry.get("occurrences", []):
            labelled.add((occ["file"], occ["line"]))
            if occ.get("uncertain"):
                continue
            expected = bool(occ["claims_self_open_source"]) and entry["osaid_open_source"] is False
            predicted = (occ["file"], occ["line"]) in flagged
            outcomes.append((entry["repo"], occ, expected, predicted))
        unlabelled += [(entry["repo"], f) for f in report.findings if (f.path, f.line) not in labelled
                       and (multilingual or not _CJK.search(f.text))]
    return _figures(verdicts, outcomes, unlabelled, components)


def _agreement(components: list, key: str) -> float:
    judged = [(want, got) for _repo, k, want, got in components if k == key]
    return round(sum(want == got for want, got in judged) / len(judged), 4) if judged else 0.0


def _figures(verdicts: list, outcomes: list, unlabelled: list, components: list) -> dict:
    tp = sum(1 for *_, e, p in outcomes if e and p)
    fp = [(r, o) for r, o, e, p in outcomes if p and not e]
    fn = [(r, o) for r, o, e, p in outcomes if e and not p]
    agree = sum(1 for _, want, got, _ in verdicts if want == got)
    return {
        "verdict_agreement": round(agree / len(verdicts), 4) if verdicts else 0.0,
        "claim_precision": round(tp / (tp + len(fp)), 4) if tp + len(fp) else 0.0,
        "claim_recall": round(tp / (tp + len(fn)), 4) if tp + len(fn) else 0.0,
        "code_agreement": _agreement(components, "code"),
        "data_agreement": _agreement(components, "data_information"),
        "counts": {"repositories": len(verdicts), "true_positives": tp, "false_positives": len(fp),
                   "misses": len(fn), "unlabelled_findings": len(unlabelled),
                   "code_judged": sum(k == "code" for _r, k, *_ in components),
                   "data_judged": sum(k == "data_information" for _r, k, *_ in components)},
        "verdict_disagreements": [(r, want, got, lvl) for r, want, got, lvl in verdicts if want != got],
        "component_disagreements": [(r, k, want, got) for r, k, want, got in components if want != got],
        "false_positives": fp, "misses": fn, "unlabelled": unlabelled,
    }


def halves(labels: list[dict]) -> tuple[list[dict], list[dict]]:
    """Repositories alternately by name: two halves of similar mix, fixed from run to run."""
    ordered = sorted(labels, key=lambda e: e["repo"].lower())
    return ordered[0::2], ordered[1::2]


def _print_details(result: dict) -> None:
    for repo, want, got, level in result["verdict_disagreements"]:
        print(f"verdict  {repo}: labelled osaid={want}, engine osaid={got} ({level})")
    for repo, key, want, got in result["component_disagreements"]:
        print(f"component  {repo}: {key} labelled {'present' if want else 'absent'}, engine "
              f"{'found' if got else 'not found'}")
    for kind in ("misses", "false_positives"):
        for repo, occ in result[kind]:
            print(f"{kind[:-2] if kind == 'misses' else 'false positive'}  {repo} "
                  f"{occ['file']}:{occ['line']}  {occ['text'][:110]}")
    for repo, f in result["unlabelled"]:
        print(f"unlabelled  {repo} {f.path}:{f.line}  {f.text!r}  ({f.rule})")


def _summary(name: str, result: dict) -> str:
    counts = result["counts"]
    return (f"{name:<22} verdicts {result['verdict_agreement']:7.2%} of {counts['repositories']:2}   "
            f"precision {result['claim_precision']:.3f}  recall {result['claim_recall']:.3f}  "
            f"(tp {counts['true_positives']}, fp {counts['false_positives']}, misses {counts['misses']}, "
            f"unlabelled {counts['unlabelled_findings']})  training code {result['code_agreement']:.0%} "
            f"of {counts['code_judged']}, data information {result['data_agreement']:.0%} of {counts['data_judged']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--record", action="store_true", help="write the figures as the new baseline")
    parser.add_argument("--quiet", action="store_true", help="figures only")
    args = parser.parse_args(argv)
    sets = [(name, args.corpus / file) for name, file in LABEL_SETS if (args.corpus / file).is_file()]
    if not sets:
        print(f"corpus not found at {args.corpus}; nothing to evaluate")
        return 0
    figures: dict[str, dict[str, float]] = {}
    reports: dict = {}
    for name, path in sets:
        labels = json.loads(path.read_text(encoding="utf-8"))
        reports = reports or scan_corpus(args.corpus, labels)
        result = evaluate(labels, reports)
        if not args.quiet:
            print(f"--- {name} ({path.name})")
            _print_details(result)
        print(_summary(name, result))
        for half, part in zip(("A", "B"), halves(labels), strict=True):
            print(_summary(f"  half {half}", evaluate(part, reports)))
        figures[name] = {k: result[k] for k in FIGURES}
    return _ratchet(figures, args.record)


def _ratchet(figures: dict[str, dict[str, float]], record: bool) -> int:
    if record:
        BASELINE.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"baseline recorded in {BASELINE.relative_to(ROOT)}")
        return 0
    baseline = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}
    dropped = [(name, key) for name, values in figures.items() for key in FIGURES
               if values[key] < baseline.get(name, {}).get(key, 0.0)]
    for name, key in dropped:
        print(f"REGRESSION: {name} {key} {figures[name][key]} is below the baseline {baseline[name][key]}")
    return 1 if dropped else 0


if __name__ == "__main__":
    sys.exit(main())
