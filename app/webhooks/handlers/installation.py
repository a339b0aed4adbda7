"""installation / installation_repositories: record which repositories the app may read."""

from __future__ import annotations

from dataclasses import dataclass

from app.webhooks.router import router


@dataclass(frozen=True)
class InstallationChange:
    installation_id: int
    account: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    deleted: bool = False


def _names(repos: list[dict] | None) -> tuple[str, ...]:
    return tuple(r["full_name"] for r in repos or [])


@router.register("installation", "created", "new_permissions_accepted", "unsuspend")
def installed(payload: dict) -> list[InstallationChange]:
    inst = payload["installation"]
    return [InstallationChange(inst["id"], inst["account"]["login"], added=_names(payload.get("repositories")))]


@router.register("installation", "deleted", "suspend")
def uninstalled(payload: dict) -> list[InstallationChange]:
    inst = payload["installation"]
    return [InstallationChange(inst["id"], inst["account"]["login"], deleted=True)]


@router.register("installation_repositories", "added", "removed")
def repositories_changed(payload: dict) -> list[InstallationChange]:
    inst = payload["installation"]
    return [InstallationChange(inst["id"], inst["account"]["login"],
                               added=_names(payload.get("repositories_added")),
                               removed=_names(payload.get("repositories_removed")))]
