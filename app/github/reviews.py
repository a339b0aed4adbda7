"""Pull request reviews: one COMMENT review of suggestions on the lines the pull request changes."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from github import Github

from app.engine.fix import apply_fixes
from app.engine.models import Finding
from app.github.diff import FileDiff, parse_patch
from app.github.limits import MAX_COMMENT_CHARS, MAX_REVIEW_COMMENTS, truncate
from app.report.templating import render
from app.settings import Settings
from app.state.store import Store

log = logging.getLogger("openwashing.reviews")
FINGERPRINT = re.compile(r"<!-- openwashing:fp=([0-9a-f]{16}) -->")


@dataclass
class Suggestion:
    path: str
    start_line: int
    end_line: int
    findings: list[Finding]
    new_text: str
    fingerprint: str


@dataclass
class ReviewOutcome:
    posted: int
    skipped_existing: int
    outside_diff: int
    summarised: int


def suggestions_for(findings: list[Finding], texts: dict[str, str], diffs: dict[str, FileDiff]) -> tuple[
        list[Suggestion], int]:
    """Suggestions for findings on changed lines, merged per line range; and how many were outside."""
    suggestions, outside = [], 0
    for path, group in _by_line_range(findings):
        first, last = group[0].line, max(f.end_line for f in group)
        diff, text = diffs.get(path), texts.get(path)
        changed = diff and all(n in diff.added for n in range(first, last + 1)) and diff.same_hunk(first, last)
        if not changed or text is None or any(f.replacement is None for f in group):
            outside += len(group)
            continue
        new_text = _rewritten_lines(text, group, first, last)
        if new_text is None:
            outside += len(group)
            continue
        suggestions.append(Suggestion(path, first, last, group, new_text, _fingerprint(path, group)))
    return suggestions, outside


def _by_line_range(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    groups: list[tuple[str, list[Finding]]] = []
    for f in sorted(findings, key=lambda f: (f.path, f.line, f.column)):
        if groups and groups[-1][0] == f.path and f.line <= max(g.end_line for g in groups[-1][1]):
            groups[-1][1].append(f)
        else:
            groups.append((f.path, [f]))
    return groups


def _rewritten_lines(text: str, group: list[Finding], first: int, last: int) -> str | None:
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[:first - 1])
    end = start + len("\n".join(lines[first - 1:last]))
    local = [_shifted(f, start) for f in group]
    rewritten, applied = apply_fixes(text[start:end], local)
    if applied != len(group) or rewritten == text[start:end]:
        return None  # never post a no-op or partial suggestion
    return rewritten


def _shifted(f: Finding, offset: int) -> Finding:
    return replace(f, start=f.start - offset, end=f.end - offset)


def _fingerprint(path: str, group: list[Finding]) -> str:
    # Words and rules, not line numbers: a later push that moves the line does not post it again.
    key = "\0".join([path, *(f"{f.rule}:{f.text}:{f.replacement}" for f in group)])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def comment_body(s: Suggestion) -> str | None:
    """The review comment of a suggestion; None when it does not fit in one comment. It is never
    cut: a suggestion cut inside its fence would commit a damaged line with one click."""
    # A fence longer than any run of backticks in the text, so the text cannot end the suggestion.
    longest = max((len(m) for m in re.findall(r"`+", s.new_text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = render("review_comment.md.j2", suggestion=s, fence=fence)
    return body if len(body) <= MAX_COMMENT_CHARS else None


def trusted_fingerprints(comments, bot_login: str | None) -> set[str]:
    """Fingerprints of the review comments the app itself wrote: anyone can paste the marker, and a
    pasted one must not silence a suggestion."""
    own = (bot_login or "").lower()
    return {m.group(1) for c in comments if own and (getattr(c.user, "login", "") or "").lower() == own
            for m in FINGERPRINT.finditer(c.body or "")}


def review_pull_request(gh: Github, store: Store, settings: Settings, full_name: str, number: int, sha: str,
                        findings: list[Finding], texts: dict[str, str], check_url: str | None,
                        retry, own_login: Callable[[], str | None] = lambda: None) -> ReviewOutcome:
    """Post suggestions for the findings on lines the pull request changes, once each. `own_login`
    gives the app's own login, asked only when GitHub's comments must be read."""
    if not any(f.replacement is not None for f in findings):
        return ReviewOutcome(0, 0, len(findings), 0)  # nothing to suggest: no calls at all
    repo = gh.get_repo(full_name)
    pull = retry(lambda: repo.get_pull(number), "read pull request")
    files = retry(lambda: list(pull.get_files()), "list pull request files")
    diffs = {f.filename: parse_patch(f.patch) for f in files}
    candidates = [f for f in findings if f.path in diffs]
    suggestions, outside = suggestions_for(candidates, texts, diffs)
    outside += len(findings) - len(candidates)
    if not suggestions:
        return ReviewOutcome(0, 0, outside, 0)
    # Fingerprints the store remembers save listing the comments; GitHub's list is the authority
    # when a suggestion looks new.
    existing = store.fingerprints(full_name, number)
    if any(s.fingerprint not in existing for s in suggestions):
        existing |= retry(lambda: trusted_fingerprints(pull.get_review_comments(), own_login()),
                          "list review comments")
    new = [(s, comment_body(s)) for s in suggestions if s.fingerprint not in existing]
    too_long = [s for s, body in new if body is None]
    fitting = [(s, body) for s, body in new if body is not None]
    posted, rest = [s for s, _ in fitting[:MAX_REVIEW_COMMENTS]], [s for s, _ in fitting[MAX_REVIEW_COMMENTS:]]
    if posted or too_long:
        body = truncate(render("review_body.md.j2", posted=posted, rest=rest, outside=outside,
                               too_long=too_long, check_url=check_url), MAX_COMMENT_CHARS)
        comments = [{"path": s.path, "line": s.end_line, "side": "RIGHT", "body": text,
                     **({"start_line": s.start_line, "start_side": "RIGHT"} if s.start_line != s.end_line else {})}
                    for s, text in fitting[:MAX_REVIEW_COMMENTS]]
        # A review is one POST; repeating it after a server error could duplicate it, so the
        # fingerprints above are what make a retry of the whole job safe.
        gh.requester.requestJsonAndCheck("POST", f"/repos/{full_name}/pulls/{number}/reviews",
                                         input={"commit_id": sha, "body": body, "event": "COMMENT",
                                                "comments": comments})
        store.remember_fingerprints(full_name, number, [s.fingerprint for s in posted + too_long])
    return ReviewOutcome(len(posted), len(suggestions) - len(new), outside, len(rest) + len(too_long))
