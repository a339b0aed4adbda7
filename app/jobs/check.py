"""The check job: read a commit, scan it, publish the check run and the pull request review."""

from __future__ import annotations

import logging

from app import __version__
from app.engine.models import Notice
from app.engine.ruleset import RuleSet
from app.engine.scan import scan
from app.github.calls import describe
from app.github.checks import CheckRuns, conclusion_for, title_for
from app.github.client import GitHubApp
from app.github.repository import read_commit
from app.github.reviews import review_pull_request
from app.jobs.store import Store
from app.report.templating import render
from app.settings import Settings
from app.webhooks.work import CheckRequest

log = logging.getLogger("openwashing.jobs")
MAX_FINDINGS_LISTED = 100  # in the summary table; every finding is an annotation anyway
# The check run's button; GitHub allows label <= 20, description <= 40, identifier <= 20 characters.
FIX_ACTIONS = [{"label": "Fix wording", "description": "Commit the suggested wording", "identifier": "fix"}]


def run_check(app: GitHubApp, store: Store, settings: Settings, ruleset: RuleSet, work: CheckRequest,
              delivery_id: str) -> dict:
    """Analyse one commit and publish; on failure complete the run as neutral, then re-raise."""
    gh = app.installation(work.installation_id)
    checks = CheckRuns(gh, store, settings, work.repo, work.sha)
    run = None
    try:
        run = checks.start(delivery_id)
        view = read_commit(gh, store, work.repo, work.sha, ruleset, app.configs)
        report = scan(view.snapshot, view.config, ruleset)
        if view.truncated:
            report.notices.append(Notice("(tree)", "GitHub truncated the file tree; some paths were not seen"))
        conclusion = conclusion_for(report, view.config.fail_on, view.config_error)
        summary = render("check_summary.md.j2", assessment=report.assessment, findings=report.findings,
                         notices=report.notices, config_error=view.config_error,
                         config=_config_rows(view.config), sources=view.config_sources, version=__version__,
                         sha=work.sha, truncated=view.truncated, max_listed=MAX_FINDINGS_LISTED,
                         documents=report.documents)
        fixable = any(f.replacement is not None for f in report.findings)
        outcome = checks.complete(run, report, summary, title_for(report, view.config_error), conclusion,
                                  view.config_error, FIX_ACTIONS if fixable else None)
        result = {"check_run_id": outcome.check_run_id, "conclusion": conclusion,
                  "annotations": outcome.annotations, "findings": len(report.findings),
                  "level": report.assessment.level.value, "html_url": getattr(run, "html_url", None)}
        if work.pull_number:
            review = review_pull_request(gh, settings, work.repo, work.pull_number, work.sha, report.findings,
                                         view.texts, getattr(run, "html_url", None))
            result["review_comments"] = review.posted
        remaining, limit = gh.requester.rate_limiting
        log.info("checked %s@%s: %s; x-ratelimit-remaining %s of %s for installation %s",
                 work.repo, work.sha[:12], result, remaining, limit, work.installation_id)
        return result
    except Exception as exc:
        explanation = (f"The check stopped before it could finish: {describe(exc)}. It was retried with "
                       "backoff and then given up; push again or press “Re-run” to try once more.")
        try:
            checks.fail_neutral(run, explanation, delivery_id)
        except Exception as inner:  # GitHub itself may be unreachable; the delivery stays failed
            log.error("could not complete %s@%s as neutral: %s", work.repo, work.sha[:12], describe(inner))
        raise


def _config_rows(config) -> dict[str, str]:
    data = config.model_dump(by_alias=True, exclude_none=True)
    return {k: str(v) for k, v in data.items() if v not in ([], {}, None)} | {"fail_on": config.fail_on}
