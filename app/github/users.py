"""The app acting for a signed-in person (GitHub's user-to-server OAuth flow): exchange the code
for a user token, then ask which repositories of an installation that person can read.

PyGithub's ApplicationOAuth derives the /login/oauth address from the API's base URL, so the
same code works on github.com, on GitHub Enterprise Server and against a test server.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from github import Auth, Github, GithubException

from app.github.client import retry_policy
from app.settings import PUBLIC_API, Settings

PAGE = 100
MAX_PAGES = 20  # 2,000 repositories of one installation are enough for a report page


@dataclass(frozen=True)
class UserToken:
    token: str
    expires_in: int | None


def web_root(api_url: str) -> str:
    """Where GitHub's web pages live for an API root: github.com for api.github.com, the host
    itself for Enterprise Server (https://HOST/api/v3) and for a test server."""
    if api_url.rstrip("/") == PUBLIC_API:
        return "https://github.com"
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}"


def _client(settings: Settings, auth: Auth.Auth | None = None) -> Github:
    return Github(auth=auth, base_url=settings.github_api_url, retry=retry_policy(settings),
                  timeout=math.ceil(settings.github_timeout_seconds), per_page=PAGE, lazy=True)


def _oauth(settings: Settings):
    return _client(settings).get_oauth_application(settings.github_client_id,
                                                   settings.github_client_secret.get_secret_value())


def login_url(settings: Settings, redirect_uri: str, state: str) -> str:
    return _oauth(settings).get_login_url(redirect_uri=redirect_uri, state=state)


def exchange_code(settings: Settings, code: str) -> UserToken:
    """The user's token for the code GitHub sent back; GithubException when GitHub refuses it."""
    token = _oauth(settings).get_access_token(code)
    if not token.token:
        raise GithubException(400, {"message": "GitHub gave no access token for this code"}, None)
    return UserToken(token.token, token.expires_in)


def user_login(settings: Settings, token: str) -> str:
    _headers, data = _client(settings, Auth.Token(token)).requester.requestJsonAndCheck("GET", "/user")
    return data["login"]


def readable_repositories(settings: Settings, token: str, installation_id: int) -> list[str]:
    """Full names of the installation's repositories the user can read. An installation the user
    has no access to answers 403 or 404: that is an empty list, not an error."""
    requester = _client(settings, Auth.Token(token)).requester
    names: list[str] = []
    for page in range(1, MAX_PAGES + 1):
        try:
            _headers, data = requester.requestJsonAndCheck(
                "GET", f"/user/installations/{installation_id}/repositories",
                parameters={"per_page": PAGE, "page": page})
        except GithubException as exc:
            if exc.status in (403, 404):
                return names
            raise
        batch = [r["full_name"] for r in data.get("repositories") or []]
        names += batch
        if len(batch) < PAGE:
            break
    return names
