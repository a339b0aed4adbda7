"""The scorecard: one model of what a scan found, which every format renders in the same order —
verdict, OSAID, MOF class, the components with their evidence (strongest first), the model
families, the licences (each once, with every place it is stated and its failing clauses once),
what the repository alone cannot decide, the findings and the notices.

Plain data (the report pages store it as JSON), made from the engine's report alone. The text,
Markdown, HTML and check-run renderers only decide how much of it to show.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.engine.models import Component, Evidence, Finding, LicenseMatch, Report, governing_terms

MODEL_VERSION = 2
# What each verdict is called where people read it; ordered from most to least open.
VERDICTS = {
    "open-source-ai": "appears to meet OSAID",
    "open-weights": "open weights",
    "restricted-weights": "restricted",
    "unknown": "not determined",
    "tool": "not a model release",
}
STATUSES = {"open": "open", "restricted": "restricted", "missing": "missing",
            "undetermined": "not determinable", "vague": "too vague", "not-applicable": "not a model",
            "incomplete": "base undisclosed"}
COMPONENT_KEYS = ("code", "parameters", "data_information")
EVIDENCE_SHOWN = 3  # per component, in the short views; "N more" says the rest exist
PLACES_SHOWN = 3  # places a licence is stated, in the short views
MAX_EVIDENCE = 25  # kept per component in the stored scorecard
MAX_FINDINGS_KEPT = 200
QUOTE_CHARS = 200
_GOVERNS_ORDER = ("weights", "all", "code", "data")


def component_status(component: Component, osi_only: bool = False) -> str:
    """open, restricted (a licence is known and fails the test), missing, or undetermined (present,
    but the repository alone cannot tell whether its terms are open)."""
    if not component.present:
        return "missing"
    if component.inherited_gap is not None:
        return "incomplete"
    if not component.sufficient:
        return "vague"
    if component.open_terms:
        return "open"
    closed = [m for m in component.licenses
              if not m.undetermined and not (m.osi_approved if osi_only else m.open_terms)]
    failing = [m for m in closed if m.recognised or failing_clauses(m)]  # a known licence, or terms seen to fail
    return "restricted" if failing else "undetermined"


def failing_clauses(match: LicenseMatch) -> list[str]:
    return [r.label for r in match.restrictions if r.id != "not-osi-approved"]


def scorecard(report: Report) -> dict:
    a = report.assessment
    governing = a.weights_license()
    licences = licence_groups(a.licenses, governing)
    return {
        "model": MODEL_VERSION,
        "level": a.level.value,
        "verdict": VERDICTS[a.level.value],
        "osaid": a.osaid,
        "is_model": a.is_model,
        "reasons": list(a.reasons),
        "mof_class": a.mof_class,
        "components": [_component(key, a.components[key]) for key in COMPONENT_KEYS if key in a.components],
        "families": [_family(f.name, f.open_terms, f.licenses) for f in a.families],
        "licences": licences,
        "weights_license": next((g for g in licences if g["governs_weights"]), None),
        "caveats": list(a.caveats),
        "findings": [_finding(f) for f in report.findings[:MAX_FINDINGS_KEPT]],
        "unsupported": len(report.findings),
        "documents": len(report.documents),
        "notices": [{"path": n.path, "line": n.line, "message": n.message} for n in report.notices[:50]],
    }


def _component(key: str, c: Component) -> dict:
    status = component_status(c, osi_only=key == "code")
    return {"key": key, "name": c.name, "status": status, "status_label": STATUSES[status], "summary": c.summary,
            "evidence": [_evidence(e) for e in c.evidence[:MAX_EVIDENCE]], "evidence_count": len(c.evidence)}


def _evidence(e: Evidence) -> dict:
    return {"detail": e.detail, "path": e.path, "line": e.line, "kind": e.kind, "strength": e.strength}


def _family(name: str, open_terms: bool, terms: list[LicenseMatch]) -> dict:
    stated = [m for m in terms if not m.binding] or terms
    closed = [m for m in terms if not m.open_terms]
    shown = closed[0] if closed else (stated[0] if stated else None)
    return {"name": name, "open_terms": open_terms, "status": "open" if open_terms else "restricted",
            "licence": shown.name if shown else "no licence stated",
            "summary": f"{'terms that are not open' if closed else 'under'}: {shown.name}" if shown else ""}


# --- licences: each once --------------------------------------------------------------------------

def licence_groups(licenses: list[LicenseMatch], governing: LicenseMatch | None) -> list[dict]:
    """One entry per licence (by id and name): what it governs, every place it is stated, how it
    counts, and its failing clauses once. A use policy joins the licence it serves."""
    governing_keys = {_key(m) for m in governing_terms(licenses)} if governing else set()
    groups: dict[tuple[str, str], list[LicenseMatch]] = {}
    for m in licenses:
        groups.setdefault(_key(m), []).append(m)
    served = {key: _serves(key[0], groups) for key in groups}
    entries = {key: _group(matches, key == (_key(governing) if governing else None), key in governing_keys)
               for key, matches in groups.items() if served[key] is None}
    for key, target in served.items():
        if target is not None:
            _join_policy(entries[target], groups[key])
    return sorted(entries.values(), key=_group_rank)


def _key(m: LicenseMatch) -> tuple[str, str]:
    return m.id, m.name


def _serves(policy_id: str, groups: dict) -> tuple[str, str] | None:
    """The licence a use policy (LicenseRef-<id>-use-policy) serves, when that licence is here."""
    if not (policy_id.startswith("LicenseRef-") and policy_id.endswith("-use-policy")):
        return None
    served = policy_id.removeprefix("LicenseRef-").removesuffix("-use-policy")
    return next((key for key in groups if key[0] == served), None)


def _group(matches: list[LicenseMatch], is_governing: bool, governs_weights: bool) -> dict:
    ordered = sorted(matches, key=lambda m: (m.binding, m.tier))
    first = ordered[0]
    return {
        "id": first.id, "name": first.name, "terms": _terms(first), "status": _status(first),
        "open_terms": first.open_terms, "osi_approved": first.osi_approved, "recognised": first.recognised,
        "governs": _governs(matches), "families": _unique(m.family for m in ordered if m.family),
        "role": first.role, "governing": is_governing, "governs_weights": governs_weights or is_governing,
        "places": [_place(m) for m in ordered], "policies": [], **_clauses(ordered),
    }


def _join_policy(entry: dict, policies: list[LicenseMatch]) -> None:
    entry["policies"] += [{"name": m.name, "path": m.path, "line": m.line, "family": m.family} for m in policies]
    known = set(entry["failing"])
    for clause in _clauses(policies)["clauses"]:
        if clause["label"] not in known:
            known.add(clause["label"])
            entry["failing"].append(clause["label"])
            entry["clauses"].append(clause)


def _clauses(matches: list[LicenseMatch]) -> dict:
    """Every failing clause once (with its explanation and the first wording quoted for it)."""
    clauses: dict[str, dict] = {}
    for m in matches:
        for r in m.restrictions:
            if r.id == "not-osi-approved":
                continue
            entry = clauses.setdefault(r.label, {"label": r.label, "explanation": r.explanation, "quote": ""})
            entry["quote"] = entry["quote"] or quote(r.clause)
    return {"failing": list(clauses), "clauses": list(clauses.values())}


def quote(clause: str) -> str:
    """A clause as the licence words it, cut at a word, without a full stop doubled by the cut."""
    text = " ".join(clause.split())
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    while text.endswith(".."):
        text = text[:-1]
    return text


def _terms(m: LicenseMatch) -> str:
    if m.osi_approved:
        return "OSI-approved"
    if m.open_terms:
        return "open terms, not OSI-approved"
    if m.undetermined:
        return "terms not in the repository"
    if not m.recognised and not failing_clauses(m):
        return "not recognised"
    return "not open"


def _status(m: LicenseMatch) -> str:
    if m.open_terms:
        return "open"
    return "undetermined" if m.undetermined or (not m.recognised and not failing_clauses(m)) else "restricted"


def _governs(matches: list[LicenseMatch]) -> list[str]:
    """What the places that name no model family say the licence governs (a place in a family's
    folder or row governs that family's model, which `families` says)."""
    found = {"weights" if m.binding else m.applies_to for m in matches if not m.family}
    return [g for g in _GOVERNS_ORDER if g in found]


def _place(m: LicenseMatch) -> dict:
    return {"path": m.path, "line": m.line, "role": m.role, "applies_to": m.applies_to, "family": m.family,
            "detail": m.evidence.detail}


def _group_rank(entry: dict) -> tuple:
    """The governing weights licence first, then what else binds the weights, then code and data;
    within each, the most directly stated first."""
    governs = entry["governs"][0] if entry["governs"] else "all"
    history = all(p["role"].startswith("named in a news item") for p in entry["places"])
    return (not entry["governing"], history, not entry["governs_weights"], _GOVERNS_ORDER.index(governs),
            entry["status"] == "open")


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _finding(f: Finding) -> dict:
    return {"rule": f.rule, "level": f.level.value, "path": f.path, "line": f.line, "text": f.text,
            "message": f.message, "replacement": f.replacement}


# --- what the short views show ----------------------------------------------------------------------

def governs_text(entry: dict) -> str:
    """"the weights of Llama 2, Llama 3", "the code", "everything in the repository"."""
    words = {"weights": "the weights", "all": "everything in the repository", "code": "the code",
             "data": "the data"}
    families = entry.get("families") or []
    parts = [f"the weights of {', '.join(families)}"] if families else []
    return " and ".join([*parts, *(words[g] for g in entry.get("governs") or [])]) or "the weights"


def upgrade(card: dict | None) -> dict:
    """A scorecard stored before this model (pages keep the latest per repository): the same
    facts in today's shape, so every page renders one model."""
    if not card or card.get("model") == MODEL_VERSION:
        return card or {}
    licences = [{"id": m["id"], "name": m["name"], "terms": "OSI-approved" if m.get("osi_approved") else
                 ("open terms, not OSI-approved" if m.get("open_terms") else "not open"),
                 "status": "open" if m.get("open_terms") else "restricted", "governs": [m.get("applies_to", "all")],
                 "families": [m["family"]] if m.get("family") else [], "role": m.get("role", ""),
                 "governing": False, "governs_weights": m.get("applies_to") in ("weights", "all"),
                 "places": [{"path": m.get("path"), "line": m.get("line"), "role": m.get("role", "")}],
                 "policies": [], "failing": m.get("failing", []),
                 "clauses": [{"label": label, "explanation": "", "quote": ""} for label in m.get("failing", [])]}
                for m in card.get("licenses", [])]
    components = [{**c, "evidence_count": len(c.get("evidence", []))} for c in card.get("components", [])]
    families = [{**f, "status": "open" if f.get("open_terms") else "restricted",
                 "licence": f.get("summary", "")} for f in card.get("families", [])]
    return {**card, "model": MODEL_VERSION, "licences": licences, "components": components, "families": families}
