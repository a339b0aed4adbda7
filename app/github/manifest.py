"""The last step of registering from a manifest: GitHub's one-time code becomes the app's
credentials (POST /app-manifests/{code}/conversions, which needs no authentication and works
once, within an hour of the redirect)."""

from __future__ import annotations

from github import Github


def convert_code(api_url: str, code: str, timeout: int = 15) -> dict:
    """The new app's id, slug, html_url, pem, webhook_secret, client_id and client_secret."""
    _headers, data = Github(base_url=api_url, timeout=timeout, retry=0).requester.requestJsonAndCheck(
        "POST", f"/app-manifests/{code}/conversions")
    return data
