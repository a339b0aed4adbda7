"""Calling GitHub with backoff, and telling retryable failures from final ones."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import requests
from github import GithubException
from github.GithubException import RateLimitExceededExceedsMaxWait

log = logging.getLogger("openwashing.github")
T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """Server errors, timeouts and dropped connections may succeed on a later try."""
    if isinstance(exc, RateLimitExceededExceedsMaxWait):
        return False  # the wait GitHub asks for is longer than the job may wait: trying again cannot help
    if isinstance(exc, GithubException):
        return exc.status >= 500 or (exc.status in (403, 429) and _rate_limited(exc))
    return isinstance(exc, requests.exceptions.RequestException | ConnectionError | TimeoutError)


def _rate_limited(exc: GithubException) -> bool:
    message = str((exc.data or {}).get("message", "")) if isinstance(exc.data, dict) else ""
    return "rate limit" in message.lower() or "retry-after" in {k.lower() for k in (exc.headers or {})}


def with_backoff(call: Callable[[], T], tries: int, base_seconds: float, what: str) -> T:
    """Run `call`; on a transient failure wait base, 2*base, 4*base… and try again."""
    for attempt in range(tries + 1):
        try:
            return call()
        except Exception as exc:
            if attempt == tries or not is_transient(exc):
                raise
            delay = base_seconds * (2 ** attempt)
            log.warning("%s failed (%s); retrying in %.1fs", what, describe(exc), delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def describe(exc: BaseException) -> str:
    """A short, secret-free account of a failure, for logs and the neutral check run."""
    if isinstance(exc, GithubException):
        message = exc.data.get("message") if isinstance(exc.data, dict) else None
        return f"GitHub answered {exc.status}" + (f": {message}" if message else "")
    return type(exc).__name__ + (f": {exc}" if str(exc) and "token" not in str(exc).lower() else "")
