"""SARIF 2.1.0, the format GitHub code scanning uploads."""

from __future__ import annotations

import hashlib
import json

from app import __version__
from app.engine.models import Finding, Report
from app.engine.ruleset import RuleSet, default_ruleset

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/openwashing/openwashing"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "notice": "note"}


def render(report: Report, ruleset: RuleSet | None = None) -> str:
    return render_many([report], ruleset)


def render_many(reports: list[Report], ruleset: RuleSet | None = None) -> str:
    """One SARIF log, one run per scanned path."""
    ruleset = ruleset or default_ruleset()
    rules = [_rule(r) for r in ruleset.claims]
    index = {r["id"]: i for i, r in enumerate(rules)}
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [_run(r, rules, index) for r in reports]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _run(report: Report, rules: list[dict], index: dict[str, int]) -> dict:
    return {
        "tool": {"driver": {"name": "openwashing", "version": __version__, "informationUri": INFO_URI,
                            "rules": rules}},
        "results": [_result(f, index, n) for f, n in _numbered(report.findings)],
        "properties": {"openness": report.assessment.level.value, "osaid": report.assessment.osaid},
    }


def _rule(rule) -> dict:
    short = rule.description.split(". ")[0].rstrip(".") + "."
    return {
        "id": rule.id, "name": rule.id,
        "shortDescription": {"text": short},
        "fullDescription": {"text": rule.description},
        "helpUri": rule.link,
        "help": {"text": rule.description},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.level]},
    }


def _region(f: Finding) -> dict:
    return {"startLine": f.line, "startColumn": f.column, "endLine": f.end_line, "endColumn": f.end_column}


def _numbered(findings: list[Finding]) -> list[tuple[Finding, int]]:
    """Each finding with how many identical ones (rule, file, words) came before it."""
    seen: dict[tuple[str, str, str], int] = {}
    numbered = []
    for f in findings:
        key = (f.rule, f.path, f.text.lower())
        numbered.append((f, seen.get(key, 0)))
        seen[key] = seen.get(key, 0) + 1
    return numbered


def _result(f: Finding, index: dict[str, int], occurrence: int) -> dict:
    result = {
        "ruleId": f.rule,
        "ruleIndex": index.get(f.rule, -1),
        "level": _SARIF_LEVEL[f.level.value],
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.path}, "region": _region(f)}}],
        "partialFingerprints": {"openwashing/v1": _fingerprint(f, occurrence)},
    }
    if f.replacement is not None:
        result["fixes"] = [{
            "description": {"text": f'Replace with "{f.replacement}"'},
            "artifactChanges": [{"artifactLocation": {"uri": f.path}, "replacements": [
                {"deletedRegion": _region(f), "insertedContent": {"text": f.replacement}}]}],
        }]
    return result


def _fingerprint(f: Finding, occurrence: int) -> str:
    """Stable across unrelated edits: the rule, the file and the words, not the line number."""
    key = f"{f.rule}\0{f.path}\0{f.text.lower()}\0{occurrence}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]
