"""Prometheus metrics (prometheus-client), shared by the receiver and its worker processes.

Worker processes are forked or run apart from the receiver, so the counters live in
prometheus-client's multiprocess mode: each process writes its own files in one directory
(PROMETHEUS_MULTIPROC_DIR, set before this module is imported; `openwashing serve` and
`openwashing worker` set it) and /metrics adds them up. Gauges read from shared state (queue
depth, backfill progress) are computed when scraped. Metric labels never carry secrets: routes
are templated ("/repos/{owner}/{repo}/check-runs"), installations are ids.
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

_ID = re.compile(r"/\d+(?=/|$)")
_SHA = re.compile(r"/[0-9a-f]{40}(?=/|$)")
_REPO = re.compile(r"^/repos/[^/]+/[^/]+")


def route_of(path: str) -> str:
    """A request path as a low-cardinality route: ids, SHAs and repository names replaced."""
    path = path.split("?", 1)[0]
    path = _REPO.sub("/repos/{owner}/{repo}", path)
    path = _SHA.sub("/{sha}", _ID.sub("/{id}", path))
    for kind in ("git/trees", "git/blobs", "git/refs/heads", "git/commits", "commits", "contents"):
        marker = f"/{kind}/"
        if marker in path and not path.endswith(("{sha}", "{id}")):
            path = path[:path.index(marker) + len(marker)] + "{ref}"
    return path


def render() -> bytes:
    """The metrics of every process of this host, in Prometheus' text format."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    from prometheus_client import REGISTRY
    return generate_latest(REGISTRY)
