"""issue_comment created: slash commands; check_run requested_action: the "Fix wording" button."""

from __future__ import annotations

import logging

from app.commands.parse import MAX_COMMENT_BYTES, is_bot, parse_commands
from app.state.work import CommandRequest
from app.webhooks.router import router

log = logging.getLogger("openwashing.commands")
APP_SLUG = "openwashing"


@router.register("issue_comment", "created")
def commands_in_comment(payload: dict) -> list[CommandRequest]:
    comment, issue = payload["comment"], payload["issue"]
    repo = payload["repository"]["full_name"]
    installation = (payload.get("installation") or {}).get("id")
    body = comment.get("body") or ""
    if installation is None or is_bot(comment.get("user") or {}):
        return []  # never answer a bot, this app included
    if len(body.encode()) > MAX_COMMENT_BYTES:
        log.info("ignored comment %s on %s#%s: larger than 64 KB", comment["id"], repo, issue["number"])
        return []
    commands = parse_commands(body, APP_SLUG)
    if not commands:
        return []
    if issue.get("locked"):
        log.info("ignored %d commands on locked %s#%s", len(commands), repo, issue["number"])
        return []
    return [CommandRequest(
        repo=repo, installation_id=installation, number=issue["number"],
        is_pull_request="pull_request" in issue, comment_id=comment["id"], user=comment["user"]["login"],
        default_branch=payload["repository"].get("default_branch") or "main",
        commands=tuple((c.name, c.args) for c in commands))]


@router.register("check_run", "requested_action")
def fix_button(payload: dict) -> list[CommandRequest]:
    if payload.get("requested_action", {}).get("identifier") != "fix":
        return []
    run = payload["check_run"]
    pulls = run.get("pull_requests") or []
    return [CommandRequest(
        repo=payload["repository"]["full_name"], installation_id=payload["installation"]["id"],
        number=pulls[0]["number"] if pulls else None, is_pull_request=bool(pulls), comment_id=None,
        user=payload["sender"]["login"], default_branch=payload["repository"].get("default_branch") or "main",
        commands=(("fix", ""),), head_sha=run["head_sha"])]
