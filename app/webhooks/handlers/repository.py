"""repository: privacy, names and deletion, so the report pages follow what GitHub says at once."""

from __future__ import annotations

from app.state.work import RepositoryChange, github_time, private_flag
from app.webhooks.router import router


def _installation(payload: dict) -> int | None:
    return (payload.get("installation") or {}).get("id")


@router.register("repository", "privatized", "publicized")
def privacy_changed(payload: dict) -> list[RepositoryChange]:
    repo = payload["repository"]
    private = private_flag(repo)
    return [RepositoryChange(repo["full_name"], _installation(payload),
                             private=payload["action"] == "privatized" if private is None else private,
                             privacy_at=github_time(repo))]


@router.register("repository", "deleted", "archived")
def deleted(payload: dict) -> list[RepositoryChange]:
    # An archived repository keeps its record: only deletion removes it from the pages.
    if payload["action"] != "deleted":
        return []
    return [RepositoryChange(payload["repository"]["full_name"], _installation(payload), deleted=True)]


@router.register("repository", "renamed", "transferred")
def moved(payload: dict) -> list[RepositoryChange]:
    """The record follows the repository to its new name; the old name comes from `changes`."""
    repo, changes = payload["repository"], payload.get("changes") or {}
    old_name = (changes.get("repository") or {}).get("name", {}).get("from")
    old_owner = ((changes.get("owner") or {}).get("from") or {})
    old_owner = (old_owner.get("user") or old_owner.get("organization") or {}).get("login")
    owner, name = repo["full_name"].split("/", 1)
    old = f"{old_owner or owner}/{old_name or name}"
    if old.lower() == repo["full_name"].lower():
        return []
    return [RepositoryChange(old, _installation(payload), private=private_flag(repo), renamed_to=repo["full_name"],
                             privacy_at=github_time(repo))]
