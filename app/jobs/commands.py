"""Running slash commands: help, check, explain, fix, ignore; a reply per command, in order."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from github import Github, GithubException
from github.Repository import Repository

from app.commands.parse import KNOWN, MAX_COMMANDS, NEEDS_WRITE
from app.engine import licenses as lic
from app.engine.config import CONFIG_PATH
from app.engine.models import Report
from app.engine.ruleset import RuleSet
from app.github.calls import describe
from app.github.limits import MAX_COMMENT_CHARS, truncate
from app.github.repository import RepositoryView
from app.github.writes import (
    Conflict,
    commit_fixes,
    config_text,
    config_with_ignored,
    create_branch,
    fixed_files,
    head_sha,
    safe_comment,
)
from app.jobs.check import analyse, run_check
from app.report.scorecard import scorecard
from app.report.templating import render
from app.state.work import CheckRequest, CommandRequest

log = logging.getLogger("openwashing.commands")
WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


@dataclass
class Context:
    runtime: object
    gh: Github
    repo: Repository
    request: CommandRequest
    delivery_id: str
    _permission: str | None = field(default=None)
    _scans: dict = field(default_factory=dict)  # sha -> (view, report): one analysis per comment

    @property
    def ruleset(self) -> RuleSet:
        return self.runtime.ruleset

    def retry(self, call: Callable, what: str):
        return self.runtime.retry(call, what)

    def permission(self) -> str:
        if self._permission is None:
            try:
                self._permission = self.retry(lambda: self.repo.get_collaborator_permission(self.request.user),
                                              "read permission")
            except GithubException as exc:
                if exc.status != 404:
                    raise
                self._permission = "none"
        return self._permission

    def target(self) -> tuple[str, str | None, bool]:
        """(sha, branch, same repository) the command works on: the pull request head or the default branch."""
        r = self.request
        if r.is_pull_request and r.number:
            pull = self.retry(lambda: self.repo.get_pull(r.number), "read pull request")
            same = pull.head.repo is not None and pull.head.repo.full_name == r.repo
            return pull.head.sha, pull.head.ref, same
        if r.head_sha:
            return r.head_sha, None, False
        sha = self.retry(lambda: head_sha(self.repo, r.default_branch), "read default branch")
        return sha, r.default_branch, True


def run_commands(runtime, request: CommandRequest, delivery_id: str) -> None:
    gh = runtime.github.installation(request.installation_id)
    ctx = Context(runtime, gh, gh.get_repo(request.repo), request, delivery_id)
    if request.comment_id:
        ctx.retry(lambda: _react(ctx, "eyes"), "add reaction")
    if len(request.commands) > MAX_COMMANDS:
        _reply(ctx, [render("reply_too_many.md.j2", count=len(request.commands), limit=MAX_COMMANDS)])
        return
    replies = []
    for name, args in request.commands:
        replies.append(_run_one(ctx, name, args))
    _reply(ctx, replies)


def _run_one(ctx: Context, name: str, args: str) -> str:
    if name not in KNOWN:
        return render("reply_unknown.md.j2", name=name)
    if name in NEEDS_WRITE and ctx.permission() not in WRITE_PERMISSIONS:
        return render("reply_refused.md.j2", name=name, user=ctx.request.user, permission=ctx.permission())
    try:
        return COMMANDS[name](ctx, args.strip())
    except Conflict as exc:
        return render("reply_conflict.md.j2", reason=str(exc))
    except Exception as exc:
        log.error("/openwashing %s on %s failed: %s", name, ctx.request.repo, describe(exc))
        return render("reply_failed.md.j2", name=name, reason=describe(exc))


def _react(ctx: Context, content: str) -> None:
    ctx.gh.requester.requestJsonAndCheck(
        "POST", f"{ctx.repo.url}/issues/comments/{ctx.request.comment_id}/reactions", input={"content": content})


def _reply(ctx: Context, parts: list[str]) -> None:
    if ctx.request.number is None:
        log.info("commands for %s done; no issue or pull request to reply on", ctx.request.repo)
        return
    body = truncate(render("reply.md.j2", user=ctx.request.user, parts=parts), MAX_COMMENT_CHARS)
    issue = ctx.repo.get_issue(ctx.request.number)
    # One POST, not retried after a server error (it could post twice); rate limits are retried.
    issue.create_comment(body)


def _help(ctx: Context, args: str) -> str:
    return render("reply_help.md.j2")


def _check(ctx: Context, args: str) -> str:
    sha, _branch, _same = ctx.target()
    r = ctx.request
    pull = r.number if r.is_pull_request else None
    result = run_check(ctx.runtime, CheckRequest(r.repo, sha, r.installation_id, "command", pull), ctx.delivery_id)
    return render("reply_check.md.j2", sha=sha, result=result)


def _explain(ctx: Context, args: str) -> str:
    if args:
        identifier = args.split()[0]
        rule = ctx.ruleset.claim(identifier)
        if rule:
            return render("reply_explain_rule.md.j2", rule=rule)
        facts = ctx.ruleset.license(identifier) or lic.by_hf_id(identifier, ctx.ruleset) or \
            (lic.names_in(args, ctx.ruleset) or [None])[0]
        if facts:
            return render("reply_explain_license.md.j2", lic=facts,
                          restrictions=[ctx.ruleset.restrictions[x] for x in facts.restrictions])
        return render("reply_unknown_id.md.j2", identifier=identifier)
    sha, _branch, _same = ctx.target()
    _view, report = _scan_at(ctx, sha)
    return render("reply_explain_verdict.md.j2", card=scorecard(report), sha=sha,
                  findings=len(report.findings))


def _scan_at(ctx: Context, sha: str) -> tuple[RepositoryView, Report]:
    """The analysis of a commit, made once per comment however many commands ask for it."""
    if sha not in ctx._scans:
        ctx._scans[sha] = analyse(ctx.runtime, ctx.gh, ctx.request.repo, sha, ctx.runtime.budget())
    return ctx._scans[sha]


def _fix(ctx: Context, args: str) -> str:
    r = ctx.request
    sha, branch, same_repo = ctx.target()
    if r.is_pull_request and not same_repo:
        # The wording to fix is the fork's; the app may not write there, and fixing the default
        # branch instead would change text the pull request never touched.
        return render("reply_fork.md.j2", sha=sha)
    in_place = r.is_pull_request and branch is not None
    if not in_place:  # an issue, or a commit: propose the fix in a new pull request
        sha = ctx.retry(lambda: head_sha(ctx.repo, r.default_branch), "read default branch")
    view, report = _scan_at(ctx, sha)
    fixes = fixed_files(report.findings, view.texts, view.blob_shas)
    if not fixes:
        return render("reply_nothing_to_fix.md.j2", sha=sha)
    message = f"Use honest openness wording ({sum(f.applied for f in fixes)} places)\n\nProposed by openwashing."
    if in_place:
        commit = commit_fixes(ctx.repo, branch, sha, fixes, message, ctx.retry)
        return render("reply_fixed.md.j2", fixes=fixes, branch=branch, commit=commit, pull=None)
    name = create_branch(ctx.repo, f"openwashing/fix-{sha[:7]}-{int(time.time())}", sha)
    commit = commit_fixes(ctx.repo, name, sha, fixes, message, ctx.retry)
    pull = ctx.repo.create_pull(base=r.default_branch, head=name, title="Use honest openness wording",
                                body=render("pr_fix_body.md.j2", fixes=fixes, request=r), maintainer_can_modify=True)
    return render("reply_fixed.md.j2", fixes=fixes, branch=name, commit=commit, pull=pull.html_url or pull.number)


def _ignore(ctx: Context, args: str) -> str:
    parts = args.split(None, 1)
    if not parts:
        return render("reply_unknown_id.md.j2", identifier="")
    rule = ctx.ruleset.claim(parts[0])
    if rule is None:
        return render("reply_unknown_id.md.j2", identifier=parts[0])
    reason = safe_comment(parts[1]) if len(parts) > 1 else ""
    r = ctx.request
    base = ctx.retry(lambda: head_sha(ctx.repo, r.default_branch), "read default branch")
    current, blob = config_text(ctx.repo, base)
    updated = config_with_ignored(current, rule.id, reason)
    if updated == current:
        return render("reply_already_ignored.md.j2", rule=rule.id)
    name = create_branch(ctx.repo, f"openwashing/ignore-{rule.id}-{int(time.time())}", base)
    message = f"Ignore {rule.id} in openwashing" + (f": {reason}" if reason else "")
    if blob:
        ctx.repo.update_file(CONFIG_PATH, message, updated, blob, branch=name)
    else:
        ctx.repo.create_file(CONFIG_PATH, message, updated, branch=name)
    pull = ctx.repo.create_pull(base=r.default_branch, head=name, title=f"openwashing: ignore {rule.id}",
                                body=render("pr_ignore_body.md.j2", rule=rule, reason=reason, request=r),
                                maintainer_can_modify=True)
    return render("reply_ignore.md.j2", rule=rule.id, pull=pull.html_url or pull.number)


COMMANDS: dict[str, Callable[[Context, str], str]] = {
    "help": _help, "check": _check, "explain": _explain, "fix": _fix, "ignore": _ignore,
}
