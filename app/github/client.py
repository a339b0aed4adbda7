"""Authenticated PyGithub clients: the app's JWT, cached installation tokens, a safe retry policy."""

from __future__ import annotations

import logging
import math
import threading

import jwt
from cryptography.hazmat.primitives import serialization
from github import Auth, Github, GithubIntegration
from github.GithubException import RateLimitExceededExceedsMaxWait
from github.GithubRetry import GithubRetry

from app.github.limits import seconds_left
from app.github.repository import ConfigCache
from app.settings import Settings

log = logging.getLogger("openwashing.github")

JWT_BACKDATE_SECONDS = 60  # GitHub: set iat 60 s in the past against clock drift
JWT_LIFETIME_SECONDS = 540  # GitHub: exp at most 10 minutes ahead
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class SafeRetry(GithubRetry):
    """Retry rate limits for every method, but server errors only for calls safe to repeat.

    PyGithub's default also re-sends POST after a 5xx, which on a flaky GitHub can create a
    second check run or comment; those creates are made idempotent by the callers instead.
    """

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code >= 500 and method.upper() not in IDEMPOTENT:
            return False
        return super().is_retry(method, status_code, has_retry_after)

    def sleep(self, response=None) -> None:
        """Wait as GitHub asks (Retry-After, or until the rate limit resets), but never longer than
        MAX_RATE_LIMIT_WAIT_SECONDS nor past the running job's budget: a longer wait ends the call
        with the reason instead of holding the worker for an hour."""
        asked = self.get_retry_after(response) if response is not None else None
        wait = asked if asked is not None else self.get_backoff_time()
        left = seconds_left()
        longest = min(math.inf if self.max_rate_limit_wait is None else self.max_rate_limit_wait,
                      math.inf if left is None else left)
        if wait > longest:
            raise RateLimitExceededExceedsMaxWait(
                getattr(response, "status", 429), {"message": f"GitHub asked to wait {wait:.0f} s before trying "
                                                   f"again, longer than this job may wait ({longest:.0f} s)"},
                dict(getattr(response, "headers", {}) or {}), wait=wait)
        super().sleep(response)


def retry_policy(settings: Settings) -> SafeRetry:
    return SafeRetry(
        total=settings.max_retries, connect=settings.max_retries, read=0,
        backoff_factor=settings.retry_base_seconds,
        status_forcelist=[*range(500, 600), 429],
        allowed_methods=frozenset({"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"}),
        secondary_rate_wait=settings.secondary_rate_wait_seconds,
        max_rate_limit_wait=settings.max_rate_limit_wait_seconds,
        raise_on_status=False,
    )


def jwt_signer(private_key_pem: str):
    """Sign the app's JWTs with a key parsed once: PyGithub re-parses the PEM for every JWT (tens
    of milliseconds of RSA key loading), where signing with a loaded key takes about one."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)

    def sign(payload: dict) -> str:
        return jwt.encode(payload, key, algorithm="RS256")
    return sign


class GitHubApp:
    """One per process: hands out clients per installation and keeps their tokens until expiry."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._auth = Auth.AppAuth(settings.github_app_id, sign_func=jwt_signer(settings.private_key()),
                                  jwt_expiry=JWT_LIFETIME_SECONDS, jwt_issued_at=-JWT_BACKDATE_SECONDS)
        self._installations: dict[int, Github] = {}
        self._guard = threading.Lock()
        self.configs = ConfigCache()
        self._bot_login: str | None = None

    def _client(self, auth: Auth.Auth) -> Github:
        s = self.settings
        return Github(auth=auth, base_url=s.github_api_url, retry=retry_policy(s),
                      timeout=math.ceil(s.github_timeout_seconds), per_page=100, seconds_between_requests=0,
                      seconds_between_writes=s.write_interval_seconds, lazy=True)

    def installation(self, installation_id: int) -> Github:
        """A client for one installation; its token refreshes shortly before it expires."""
        with self._guard:
            if installation_id not in self._installations:
                auth = self._auth.get_installation_auth(installation_id)
                self._installations[installation_id] = self._client(auth)
            return self._installations[installation_id]

    def integration(self) -> GithubIntegration:
        """App-level calls (JWT): installations, hook deliveries."""
        s = self.settings
        return GithubIntegration(auth=self._auth, base_url=s.github_api_url, retry=retry_policy(s),
                                 timeout=math.ceil(s.github_timeout_seconds))

    def bot_login(self) -> str | None:
        """The login the app's comments are signed with ("{slug}[bot]"), read once per process from
        GET /app; None when GitHub did not answer (callers then trust no comment by login)."""
        if self._bot_login is None:
            try:
                self._bot_login = f"{self.integration().get_app().slug}[bot]"
            except Exception as exc:
                log.warning("could not read the app's own login: %s", type(exc).__name__)
                return None
        return self._bot_login

    def forget_installation(self, installation_id: int) -> None:
        with self._guard:
            self._installations.pop(installation_id, None)
