"""The check job: read a commit, scan it, publish the check run (one write) and the review."""

from __future__ import annotations

import logging
import time

from app import __version__
from app.engine.config import as_settings
from app.engine.models import Notice, Report
from app.github.calls import describe
from app.github.checks import CheckRuns, annotation, conclusion_for, config_annotations, title_for
from app.github.limits import Budget, BudgetExceeded
from app.github.repository import RepositoryView, read_commit
from app.github.reviews import review_pull_request
from app.jobs.hub import hub_for_check
from app.jobs.isolated import scan_isolated
from app.metrics import RATE_REMAINING
from app.report.scorecard import scorecard
from app.report.templating import render
from app.state.records import CheckedCommit
from app.state.work import CheckRequest

log = logging.getLogger("openwashing.jobs")
MAX_FINDINGS_LISTED = 100  # in the summary table; annotations carry up to MAX_ANNOTATIONS
# The check run's button; GitHub allows label <= 20, description <= 40, identifier <= 20 characters.
FIX_ACTIONS = [{"label": "Fix wording", "description": "Commit the suggested wording", "identifier": "fix"}]


def run_check(ctx, work: CheckRequest, delivery_id: str, attempt: int = 1) -> dict:
    """Analyse one commit and publish. A job that cannot finish still completes its check run,
    with a conclusion that does not pass a required check and the reason, then re-raises."""
    gh = ctx.github.installation(work.installation_id)
    checks = CheckRuns(gh, ctx.store, ctx.settings, work.repo, work.sha, ctx.retry)
    budget = ctx.budget()
    look_first = attempt > 1 or work.reason.endswith("rerequested")
    try:
        view, report = analyse(ctx, gh, work.repo, work.sha, budget)
        result = _publish(ctx, checks, work, view, report, delivery_id, look_first)
        if work.on_default_branch:
            _record(ctx, work, report, result)
        if work.pull_number:
            review = review_pull_request(gh, ctx.store, ctx.settings, work.repo, work.pull_number, work.sha,
                                         report.findings, view.texts, result["html_url"], ctx.retry,
                                         ctx.github.bot_login)
            result["review_comments"] = review.posted
        _log_rate(gh, work, result)
        return result
    except Exception as exc:
        could_not_check(ctx, work, delivery_id, exc, checks)
        raise


def analyse(ctx, gh, repo: str, sha: str, budget: Budget) -> tuple[RepositoryView, Report]:
    view = read_commit(gh, ctx.store, repo, sha, ctx.ruleset, ctx.github.configs, budget, ctx.retry)
    hub = hub_for_check(ctx.settings, ctx.store, view.config, budget)
    # In a process of its own: a hostile README cannot hold the worker past the job's budget.
    report = scan_isolated(view.snapshot, view.config, hub, max(0.0, budget.deadline - time.monotonic()))
    budget.check_time()
    if view.truncated:
        report.notices.append(Notice("(tree)", "GitHub truncated the file tree; some paths were not seen"))
    if view.over_budget:  # one notice for all of them, first: the rest of the list may be cut
        report.notices[:] = [Notice("(job)", f"{len(view.over_budget):,} files were not read: the job's "
                                             "reading allowance (MAX_DOCUMENTS, MAX_BLOB_BYTES) was used up")] + [
            n for n in report.notices if n.path not in set(view.over_budget)]
    return view, report


def _publish(ctx, checks: CheckRuns, work: CheckRequest, view: RepositoryView, report: Report,
             delivery_id: str, look_first: bool) -> dict:
    limit = ctx.settings.max_annotations
    # Files left unread by the budget mean the commit was not fully checked: never a passing conclusion.
    conclusion = conclusion_for(report, view.config.fail_on, view.config_error, view.unreadable + view.over_budget)
    annotations = [annotation(f) for f in report.findings[:limit]]
    if view.config_error:
        annotations[:0] = config_annotations(view.config_error)
    summary = render("check_summary.md.j2", card=scorecard(report), findings=report.findings,
                     notices=report.notices, config_error=view.config_error, config=_config_rows(view.config),
                     sources=view.config_sources, version=__version__, sha=work.sha, truncated=view.truncated,
                     max_listed=MAX_FINDINGS_LISTED, max_annotations=limit, documents=report.documents,
                     unreadable=view.unreadable, config_file=None)
    fixable = any(f.replacement is not None for f in report.findings)
    title = _title_prefix(view, report) + title_for(report, view.config_error)
    outcome = checks.publish(conclusion, title, summary, annotations, FIX_ACTIONS if fixable else None,
                             delivery_id, look_first, ctx.public_url(work.repo))
    return {"check_run_id": outcome.check_run_id, "conclusion": conclusion, "annotations": outcome.annotations,
            "findings": len(report.findings), "level": report.assessment.level.value,
            "html_url": outcome.html_url, "writes": outcome.writes}


def _record(ctx, work: CheckRequest, report: Report, result: dict) -> None:
    """Keep the verdict for the report pages: one local write, no GitHub call. The privacy is the
    event's, with GitHub's time of it: the store keeps it only if nothing newer is known, so a check
    of a push made while public cannot undo a later `privatized` (no extra GET needed)."""
    ctx.store.record_check(CheckedCommit(
        work.repo, work.installation_id, work.sha, result["level"], result["conclusion"], result["html_url"],
        len(report.findings), scorecard(report), work.private, work.default_branch, work.privacy_at))


def _title_prefix(view: RepositoryView, report: Report) -> str:
    if view.unreadable:
        return "Could not check: "
    skipped = view.over_budget or any(n.unread for n in report.notices)
    return "Not every file was read: " if skipped else ""


def could_not_check(ctx, work: CheckRequest, delivery_id: str, exc: Exception, checks: CheckRuns | None = None) -> None:
    """Complete the run as `timed_out` or `failure` with the reason: never `neutral`, which a
    required check would count as passing, and never left in progress."""
    if checks is None:
        gh = ctx.github.installation(work.installation_id)
        checks = CheckRuns(gh, ctx.store, ctx.settings, work.repo, work.sha, ctx.retry)
    details_url = ctx.public_url(work.repo)
    timed_out = isinstance(exc, BudgetExceeded)
    reason = describe(exc)
    summary = render("check_failed.md.j2", reason=reason, timed_out=timed_out)
    try:
        checks.publish("timed_out" if timed_out else "failure", "openwashing could not check this commit",
                       summary, [], None, delivery_id, look_first=True, details_url=details_url)
    except Exception as inner:  # GitHub itself may be unreachable; the delivery stays failed and is retried
        log.error("could not complete the check run of %s@%s: %s", checks.full_name, checks.sha[:12],
                  describe(inner))


def _log_rate(gh, work: CheckRequest, result: dict) -> None:
    remaining, limit = gh.requester.rate_limiting
    RATE_REMAINING.labels(str(work.installation_id)).set(remaining)
    log.info("checked %s@%s: %s; x-ratelimit-remaining %s of %s for installation %s",
             work.repo, work.sha[:12], result, remaining, limit, work.installation_id)


def _config_rows(config) -> dict[str, str]:
    data = as_settings(config)
    return {k: str(v) for k, v in data.items() if v not in ([], {}, None)} | {"fail_on": config.fail_on}
