"""Check runs: one per repository, head SHA and name, created idempotently, annotations batched."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from github import Github
from github.CheckRun import CheckRun

from app.engine.config import ConfigError
from app.engine.models import Finding, Level, Report
from app.github.calls import with_backoff
from app.github.limits import (
    MAX_ACTIONS,
    MAX_ANNOTATION_MESSAGE_BYTES,
    MAX_ANNOTATION_TITLE_CHARS,
    MAX_ANNOTATIONS_PER_REQUEST,
    MAX_SUMMARY_CHARS,
    truncate,
    truncate_bytes,
)
from app.jobs.store import Store
from app.settings import Settings

log = logging.getLogger("openwashing.checks")
_ANNOTATION_LEVEL = {Level.ERROR: "failure", Level.WARNING: "warning", Level.NOTICE: "notice"}


@dataclass
class CheckOutcome:
    check_run_id: int
    conclusion: str
    annotations: int


class CheckRuns:
    """The app's check run for one commit of one repository."""

    def __init__(self, gh: Github, store: Store, settings: Settings, full_name: str, sha: str) -> None:
        self.repo = gh.get_repo(full_name)
        self.store, self.settings = store, settings
        self.full_name, self.sha, self.name = full_name, sha, settings.check_name

    def _retry(self, call, what: str):
        return with_backoff(call, self.settings.max_retries, self.settings.retry_base_seconds, what)

    def start(self, external_id: str) -> CheckRun:
        """The existing run for this SHA and name, set in progress, or a new one. Never two."""
        known = self.store.check_run_id(self.full_name, self.sha, self.name)
        run = self._retry(lambda: self.repo.get_check_run(known), "get check run") if known else self._find()
        if run is None:
            run = self._create(external_id)
        else:
            self._retry(lambda: run.edit(status="in_progress", started_at=_now(), external_id=external_id),
                        "restart check run")
        self.store.remember_check_run(self.full_name, self.sha, self.name, run.id)
        return run

    def _find(self) -> CheckRun | None:
        runs = self._retry(lambda: list(self.repo.get_commit(self.sha).get_check_runs(check_name=self.name)),
                           "list check runs")
        return runs[0] if runs else None

    def _create(self, external_id: str) -> CheckRun:
        # POST is not repeated blindly after a server error: GitHub may have created the run, so
        # look for it first (PyGithub's default retry would make a second one).
        attempts = 0

        def create() -> CheckRun:
            nonlocal attempts
            attempts += 1
            existing = self._find() if attempts > 1 else None  # start() has just looked once
            return existing or self.repo.create_check_run(self.name, self.sha, status="in_progress",
                                                          started_at=_now(), external_id=external_id)
        return self._retry(create, "create check run")

    def complete(self, run: CheckRun, report: Report, summary: str, title: str, conclusion: str,
                 config_error: ConfigError | None, actions: list[dict] | None = None) -> CheckOutcome:
        annotations = [annotation(f) for f in report.findings]
        if config_error:
            annotations.insert(0, config_annotation(config_error))
        summary = truncate(summary, MAX_SUMMARY_CHARS)
        first, rest = annotations[:MAX_ANNOTATIONS_PER_REQUEST], annotations[MAX_ANNOTATIONS_PER_REQUEST:]
        output = {"title": title, "summary": summary, "annotations": first}
        buttons = (actions or [])[:MAX_ACTIONS]
        self._retry(lambda: run.edit(status="completed", conclusion=conclusion, completed_at=_now(),
                                     output=output, actions=buttons), "complete check run")
        sent = len(first)
        for start in range(0, len(rest), MAX_ANNOTATIONS_PER_REQUEST):
            batch = rest[start:start + MAX_ANNOTATIONS_PER_REQUEST]
            self._append(run, title, summary, batch, expected_after=sent + len(batch))
            sent += len(batch)
        return CheckOutcome(run.id, conclusion, sent)

    def _append(self, run: CheckRun, title: str, summary: str, batch: list[dict], expected_after: int) -> None:
        """Append a batch of annotations; after a failure, count what landed before sending again."""
        def send() -> None:
            landed = self.repo.get_check_run(run.id).get_annotations().totalCount
            if landed < expected_after:
                run.edit(output={"title": title, "summary": summary, "annotations": batch})
        self._retry(send, "add annotations")

    def fail_neutral(self, run: CheckRun | None, explanation: str, external_id: str) -> None:
        """A job that finally failed ends as neutral with the reason, never stuck in progress."""
        run = run or self.start(external_id)
        output = {"title": "openwashing could not finish this check",
                  "summary": truncate(explanation, MAX_SUMMARY_CHARS)}
        self._retry(lambda: run.edit(status="completed", conclusion="neutral", completed_at=_now(),
                                     output=output), "complete check run as neutral")


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


def config_annotation(error: ConfigError) -> dict:
    line = error.line or 1
    path = error.path if not error.path.count("/") > 1 else error.path.split("/", 2)[-1]
    return {"path": path, "start_line": line, "end_line": line, "annotation_level": "failure",
            "title": "Invalid openwashing configuration",
            "message": truncate_bytes(f"{error.key + ': ' if error.key else ''}{error.detail}. "
                                      "The check ran with the default settings.", MAX_ANNOTATION_MESSAGE_BYTES)}


def conclusion_for(report: Report, fail_on: str, config_error: ConfigError | None) -> str:
    if config_error:
        return "failure"
    if not report.findings:
        return "success"
    if fail_on != "never" and any(f.level.rank >= Level(fail_on).rank for f in report.findings):
        return "failure"
    return "neutral"


def title_for(report: Report, config_error: ConfigError | None) -> str:
    counts = {lv: sum(1 for f in report.findings if f.level is lv) for lv in Level}
    parts = [f"{n} {lv.value}{'s' if n != 1 else ''}" for lv, n in counts.items() if n]
    found = ", ".join(reversed(parts)) if parts else "no unsupported open-source claims"
    prefix = "Invalid configuration; " if config_error else ""
    return truncate(f"{prefix}{found} — openness: {report.assessment.level.value}", 255, "…")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
