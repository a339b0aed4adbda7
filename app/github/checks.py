"""Check runs: one per repository, head SHA and name, created idempotently, annotations batched."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from github import Github

from app.engine.config import ConfigError
from app.engine.models import Finding, Level, Report
from app.github.limits import (
    MAX_ACTIONS,
    MAX_ANNOTATION_MESSAGE_BYTES,
    MAX_ANNOTATION_TITLE_CHARS,
    MAX_ANNOTATIONS_PER_REQUEST,
    MAX_SUMMARY_CHARS,
    truncate,
    truncate_bytes,
)
from app.settings import Settings
from app.state.store import Store

log = logging.getLogger("openwashing.checks")
_ANNOTATION_LEVEL = {Level.ERROR: "failure", Level.WARNING: "warning", Level.NOTICE: "notice"}


@dataclass
class CheckOutcome:
    check_run_id: int
    conclusion: str
    annotations: int
    html_url: str | None = None
    writes: int = 0


class CheckRuns:
    """The app's check run for one commit of one repository, written once it is decided.

    A run whose findings fit one request (≤ 50 annotations) costs one write: created
    `completed` with its output, or, when the commit already has the app's run (a re-run, an
    earlier push of the same commit), updated in one PATCH. Larger runs add their annotations
    in further PATCHes. A create is never repeated blindly after a server error: GitHub may have
    made the run, so the app looks for it first.
    """

    def __init__(self, gh: Github, store: Store, settings: Settings, full_name: str, sha: str, retry) -> None:
        self.requester = gh.requester
        self.store, self.settings, self.retry = store, settings, retry
        self.full_name, self.sha, self.name = full_name, sha, settings.check_name
        self.base = f"/repos/{full_name}/check-runs"

    def publish(self, conclusion: str, title: str, summary: str, annotations: list[dict],
                actions: list[dict] | None = None, external_id: str = "", look_first: bool = False,
                details_url: str | None = None) -> CheckOutcome:
        summary = truncate(summary, MAX_SUMMARY_CHARS)
        first, rest = annotations[:MAX_ANNOTATIONS_PER_REQUEST], annotations[MAX_ANNOTATIONS_PER_REQUEST:]
        body = {"status": "completed", "conclusion": conclusion, "completed_at": _now(),
                "output": {"title": title, "summary": summary, "annotations": first},
                "actions": (actions or [])[:MAX_ACTIONS], "external_id": external_id[:255]}
        if details_url:
            body["details_url"] = details_url
        known = self.store.check_run_id(self.full_name, self.sha, self.name)
        if known is None and look_first:
            known = self._find()
        run = self._update(known, body) if known else self._create(body)
        self.store.remember_check_run(self.full_name, self.sha, self.name, run["id"], conclusion)
        writes, sent = 1, len(first)
        for start in range(0, len(rest), MAX_ANNOTATIONS_PER_REQUEST):
            batch = rest[start:start + MAX_ANNOTATIONS_PER_REQUEST]
            self._append(run["id"], title, summary, batch, expected_after=sent + len(batch))
            sent, writes = sent + len(batch), writes + 1
        return CheckOutcome(run["id"], conclusion, sent, run.get("html_url"), writes)

    def _find(self) -> int | None:
        _headers, data = self.retry(lambda: self.requester.requestJsonAndCheck(
            "GET", f"/repos/{self.full_name}/commits/{self.sha}/check-runs",
            parameters={"check_name": self.name, "filter": "latest"}), "list check runs")
        runs = data.get("check_runs") or []
        return runs[0]["id"] if runs else None

    def _create(self, body: dict) -> dict:
        attempts = 0

        def create() -> dict:
            nonlocal attempts
            attempts += 1
            existing = self._find() if attempts > 1 else None
            if existing:
                return self._update(existing, body)
            return self.requester.requestJsonAndCheck(
                "POST", self.base, input={"name": self.name, "head_sha": self.sha, **body})[1]
        return self.retry(create, "create check run")

    def _update(self, run_id: int, body: dict) -> dict:
        # A PATCH says what the run is; sending it twice leaves the same run, so it may be retried.
        return self.retry(lambda: self.requester.requestJsonAndCheck(
            "PATCH", f"{self.base}/{run_id}", input=body)[1], "complete check run")

    def _append(self, run_id: int, title: str, summary: str, batch: list[dict], expected_after: int) -> None:
        """Add a batch of annotations; after a failure, count what landed before sending again."""
        tries = 0

        def send() -> None:
            nonlocal tries
            tries += 1
            if tries > 1 and self._annotation_count(run_id) >= expected_after:
                return
            self.requester.requestJsonAndCheck("PATCH", f"{self.base}/{run_id}",
                                               input={"output": {"title": title, "summary": summary,
                                                                 "annotations": batch}})
        self.retry(send, "add annotations")

    def _annotation_count(self, run_id: int) -> int:
        _headers, data = self.requester.requestJsonAndCheck("GET", f"{self.base}/{run_id}")
        return int(((data.get("output") or {}).get("annotations_count")) or 0)


def annotation(f: Finding) -> dict:
    body = {
        "path": f.path, "start_line": f.line, "end_line": f.end_line,
        "annotation_level": _ANNOTATION_LEVEL[f.level],
        "message": truncate_bytes(f.message, MAX_ANNOTATION_MESSAGE_BYTES),
        "title": truncate(f.rule, MAX_ANNOTATION_TITLE_CHARS, "…"),
    }
    if f.replacement is not None:
        body["raw_details"] = truncate_bytes(f'Suggested wording: "{f.replacement}"', MAX_ANNOTATION_MESSAGE_BYTES)
    if f.line == f.end_line:  # GitHub takes columns only on one-line annotations; end is inclusive
        body["start_column"], body["end_column"] = f.column, max(f.column, f.end_column - 1)
    return body


def config_annotations(error: ConfigError) -> list[dict]:
    """One annotation on each line of the configuration that has a mistake."""
    path = error.path if not error.path.count("/") > 1 else error.path.split("/", 2)[-1]
    return [{"path": path, "start_line": line or 1, "end_line": line or 1, "annotation_level": "failure",
             "title": "Invalid openwashing configuration",
             "message": truncate_bytes(f"{key + ': ' if key else ''}{detail}. The check ran with the default "
                                       "settings.", MAX_ANNOTATION_MESSAGE_BYTES)}
            for line, key, detail in error.problems]


def conclusion_for(report: Report, fail_on: str, config_error: ConfigError | None,
                   unreadable: list[str] = ()) -> str:
    """Passing conclusions only for a commit that was really checked: `success` when every document
    was read and nothing found; `neutral` (with the reason in the summary) when findings are below
    fail_on or a document was skipped (too large, binary); `failure` otherwise."""
    if config_error or unreadable:
        return "failure"
    if fail_on != "never" and any(f.level.rank >= Level(fail_on).rank for f in report.findings):
        return "failure"
    if report.findings or any(n.unread for n in report.notices):
        return "neutral"
    return "success"


def title_for(report: Report, config_error: ConfigError | None) -> str:
    counts = {lv: sum(1 for f in report.findings if f.level is lv) for lv in Level}
    parts = [f"{n} {lv.value}{'s' if n != 1 else ''}" for lv, n in counts.items() if n]
    found = ", ".join(reversed(parts)) if parts else "no unsupported open-source claims"
    prefix = "Invalid configuration; " if config_error else ""
    return truncate(f"{prefix}{found} — openness: {report.assessment.level.value}", 255, "…")


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
