"""installation / installation_repositories: record which repositories the app may read."""

from __future__ import annotations

from app.state.work import BackfillRequest, InstallationChange, private_flag
from app.webhooks.router import router


def _names(repos: list[dict] | None) -> tuple[str, ...]:
    return tuple(r["full_name"] for r in repos or [])


def _privacy(repos: list[dict] | None) -> tuple[tuple[str, bool | None], ...]:
    return tuple((r["full_name"], private_flag(r)) for r in repos or [])


@router.register("installation", "created", "new_permissions_accepted", "unsuspend")
def installed(payload: dict) -> list[InstallationChange | BackfillRequest]:
    inst = payload["installation"]
    listed = payload.get("repositories")
    change = InstallationChange(inst["id"], inst["account"]["login"], added=_names(listed), privacy=_privacy(listed))
    # Backfill: an organisation sees results for all its repositories without pushing anything.
    backfill = [BackfillRequest(inst["id"])] if payload["action"] == "created" else []
    return [change, *backfill]


@router.register("installation", "deleted", "suspend")
def uninstalled(payload: dict) -> list[InstallationChange]:
    inst = payload["installation"]
    return [InstallationChange(inst["id"], inst["account"]["login"], deleted=True)]


@router.register("installation_repositories", "added", "removed")
def repositories_changed(payload: dict) -> list[InstallationChange | BackfillRequest]:
    inst = payload["installation"]
    added = _names(payload.get("repositories_added"))
    change = InstallationChange(inst["id"], inst["account"]["login"], added=added,
                                removed=_names(payload.get("repositories_removed")),
                                privacy=_privacy(payload.get("repositories_added")))
    return [change, *([BackfillRequest(inst["id"], added)] if added else [])]
