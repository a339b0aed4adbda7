"""Prometheus metrics (prometheus-client), shared by the receiver and its worker processes.

Worker processes are forked or run apart from the receiver, so the counters live in
prometheus-client's multiprocess mode: each process writes its own files in one directory
(PROMETHEUS_MULTIPROC_DIR, set before this module is imported; `openwashing serve` and
`openwashing worker` set it) and /metrics adds them up. Gauges read from shared state (queue
depth, backfill progress) are computed when scraped. Metric labels never carry secrets nor
names: routes are templates the app knows ("/repos/{owner}/{repo}/check-runs"; anything else is
"other"), on github.com and under GitHub Enterprise Server's /api/v3 alike; installations are ids.
"""

from __future__ import annotations

import os
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

DELIVERIES = Counter("openwashing_deliveries_total", "Webhook deliveries by outcome",
                     ["outcome"])  # accepted, duplicate, rejected, busy
JOB_SECONDS = Histogram("openwashing_job_duration_seconds", "Time a job took, by kind and outcome",
                        ["kind", "outcome"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300))
GITHUB_CALLS = Counter("openwashing_github_calls_total", "GitHub API calls by method, route and status",
                       ["method", "route", "status"])
RATE_REMAINING = Gauge("openwashing_github_rate_limit_remaining", "x-ratelimit-remaining last seen",
                       ["installation"], multiprocess_mode="mostrecent")
QUEUE_DEPTH = Gauge("openwashing_queue_depth", "Tasks waiting in the queue", multiprocess_mode="mostrecent")
BACKFILL = Gauge("openwashing_backfill_repositories", "Repositories of backfills by state",
                 ["installation", "state"], multiprocess_mode="mostrecent")

# Every route the app calls, as the label it is counted under. Anything else is "other": a path
# segment the app does not know could be a login or a private repository's name, and labels are
# read by whoever reads /metrics. GitHub Enterprise Server puts the API under /api/v3.
_TEMPLATES = (
    "/app", "/app/installations/{id}/access_tokens", "/app/hook/deliveries", "/app/hook/deliveries/{id}/attempts",
    "/app-manifests/{code}/conversions", "/installation/repositories", "/user", "/user/installations/{id}/repositories",
    "/users/{login}/installation", "/orgs/{org}/installation", "/rate_limit", "/login/oauth/access_token",
    "/repos/{owner}/{repo}", "/repos/{owner}/{repo}/installation",
    "/repos/{owner}/{repo}/git/trees", "/repos/{owner}/{repo}/git/trees/{ref}",
    "/repos/{owner}/{repo}/git/blobs", "/repos/{owner}/{repo}/git/blobs/{sha}",
    "/repos/{owner}/{repo}/git/commits", "/repos/{owner}/{repo}/git/commits/{sha}", "/repos/{owner}/{repo}/git/refs",
    "/repos/{owner}/{repo}/commits/{ref}/check-runs", "/repos/{owner}/{repo}/check-runs",
    "/repos/{owner}/{repo}/check-runs/{id}", "/repos/{owner}/{repo}/check-runs/{id}/annotations",
    "/repos/{owner}/{repo}/pulls", "/repos/{owner}/{repo}/pulls/{id}", "/repos/{owner}/{repo}/pulls/{id}/files",
    "/repos/{owner}/{repo}/pulls/{id}/comments", "/repos/{owner}/{repo}/pulls/{id}/reviews",
    "/repos/{owner}/{repo}/issues/{id}/comments", "/repos/{owner}/{repo}/issues/comments/{id}/reactions",
    "/repos/{owner}/{repo}/collaborators/{login}/permission",
)
# Templates whose last hole spans slashes (a file path, a branch name); tried after the others, so
# that ".../commits/{ref}" does not swallow ".../commits/{ref}/check-runs".
_SPANNING = ("/repos/{owner}/{repo}/git/refs/heads/{ref}", "/repos/{owner}/{repo}/git/ref/heads/{ref}",
             "/repos/{owner}/{repo}/contents/{path}", "/repos/{owner}/{repo}/commits/{ref}")


def _compiled(template: str, spanning: bool) -> re.Pattern:
    parts = re.split(r"(\{[a-z]+\})", template)
    holes = [i for i, p in enumerate(parts) if p.startswith("{")]
    return re.compile("".join(
        (".+" if spanning and i == holes[-1] else r"\d+" if p == "{id}" else "[^/]+") if i in holes else re.escape(p)
        for i, p in enumerate(parts)))


_ROUTES = [(_compiled(t, False), t) for t in _TEMPLATES] + [(_compiled(t, True), t) for t in _SPANNING]
_ENTERPRISE_PREFIX = re.compile(r"^/api/v3(?=/)")


def route_of(path: str) -> str:
    """A request path as a low-cardinality route that names no one: the template it matches, with
    ids, SHAs, logins and repository names as placeholders; "other" for a path the app never calls."""
    path = _ENTERPRISE_PREFIX.sub("", path.split("?", 1)[0]).rstrip("/") or "/"
    return next((template for pattern, template in _ROUTES if pattern.fullmatch(path)), "other")


def render() -> bytes:
    """The metrics of every process of this host, in Prometheus' text format."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    from prometheus_client import REGISTRY
    return generate_latest(REGISTRY)
