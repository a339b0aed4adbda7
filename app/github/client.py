"""Authenticated PyGithub clients: the app's JWT, cached installation tokens, a safe retry policy."""

from __future__ import annotations

import logging
import math
import threading

import jwt
from cryptography.hazmat.primitives import serialization
from github import Auth, Github, GithubIntegration
from github.GithubRetry import GithubRetry

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

    def forget_installation(self, installation_id: int) -> None:
        with self._guard:
            self._installations.pop(installation_id, None)
