"""The units of work a delivery turns into; plain data, so they can be queued and replayed."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class CheckRequest:
    """Analyse one commit of one repository; publish a check run, and a review for a pull request."""

    repo: str
    sha: str
    installation_id: int
    reason: str
    pull_number: int | None = None
    branch: str | None = None  # the branch checked, when the event names one
    default_branch: str | None = None
    private: bool | None = None  # None: not said; the report pages then treat it as private
    privacy_at: float | None = None  # GitHub's time of that privacy (the repository's updated_at / pushed_at)

    @property
    def on_default_branch(self) -> bool:
        """Whether the verdict describes the repository as it stands (kept for its report page)."""
        return self.reason == "backfill" or (self.branch is not None and self.branch == self.default_branch)

    @property
    def key(self) -> str:
        # One pending job per commit and pull request: a burst of deliveries for the same commit
        # coalesces into the job already waiting.
        return f"check:{self.repo}:{self.sha}:{self.pull_number or ''}"

    def as_dict(self) -> dict:
        return {"kind": "check", **asdict(self)}


@dataclass(frozen=True)
class CommandRequest:
    """Slash commands from one comment (or a check run button), run in order for one user."""

    repo: str
    installation_id: int
    number: int | None  # issue or pull request number; None for a button on a commit without one
    is_pull_request: bool
    comment_id: int | None
    user: str
    default_branch: str
    commands: tuple[tuple[str, str], ...]
    head_sha: str | None = None

    @property
    def key(self) -> str:
        # Each comment is its own job: commands are never coalesced away.
        return f"command:{self.repo}:{self.number}:{self.comment_id or self.head_sha}"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["commands"] = [list(c) for c in self.commands]
        return {"kind": "command", **data}


@dataclass(frozen=True)
class BackfillRequest:
    """Check the default branch of an installation's repositories: after an install, or when
    repositories are added. Runs in slices within a rate budget, resuming where it stopped."""

    installation_id: int
    repositories: tuple[str, ...] = ()  # empty: every repository the installation can read

    @property
    def key(self) -> str:
        return f"backfill:{self.installation_id}"

    def as_dict(self) -> dict:
        return {"kind": "backfill", "installation_id": self.installation_id,
                "repositories": list(self.repositories)}


@dataclass(frozen=True)
class InstallationChange:
    """Which repositories an installation may read now; applied when the delivery is stored."""

    installation_id: int
    account: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    deleted: bool = False
    privacy: tuple[tuple[str, bool | None], ...] = ()  # (repository, private) as the payload listed them


@dataclass(frozen=True)
class RepositoryChange:
    """A repository made private or public, renamed, transferred or deleted; applied when the
    delivery is stored, so the report pages never show a private repository a moment longer."""

    full_name: str
    installation_id: int | None = None
    private: bool | None = None
    renamed_to: str | None = None
    deleted: bool = False
    privacy_at: float | None = None  # GitHub's time of the change (the repository's updated_at)


def private_flag(repository: dict) -> bool | None:
    """Whether GitHub calls a repository (as payloads and listings describe it) private; an
    internal repository (Enterprise) is not public either. None when it does not say."""
    private = repository.get("private")
    if not isinstance(private, bool):
        return None
    return private or repository.get("visibility") not in (None, "public")


def github_time(repository: dict) -> float | None:
    """GitHub's own time of what a payload says of a repository: the newest of its `updated_at`
    and `pushed_at` (ISO 8601 text, or seconds in push payloads). None when it says neither."""
    times = []
    for key in ("updated_at", "pushed_at"):
        value = repository.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            times.append(float(value))
        elif isinstance(value, str) and value:
            try:
                times.append(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
            except ValueError:
                continue
    return max(times) if times else None


Work = CheckRequest | CommandRequest | BackfillRequest
Change = InstallationChange | RepositoryChange


def change_form(change: Change) -> dict:
    """A change as it is stored with its delivery, until it has been applied."""
    return {"kind": "installation" if isinstance(change, InstallationChange) else "repository", **asdict(change)}


def change_from_dict(data: dict) -> Change:
    fields = {k: v for k, v in data.items() if k != "kind"}
    if data.get("kind") == "repository":
        return RepositoryChange(**fields)
    return InstallationChange(**{**fields, "added": tuple(fields.get("added", ())),
                                 "removed": tuple(fields.get("removed", ())),
                                 "privacy": tuple(tuple(p) for p in fields.get("privacy", ()))})


def queued_form(work: Work) -> dict:
    """The work as it is stored with its delivery and queued: plain data with its job key."""
    return {**work.as_dict(), "key": work.key}


def work_from_dict(data: dict) -> Work:
    fields = {k: v for k, v in data.items() if k not in ("kind", "key")}
    if data.get("kind") == "command":
        fields["commands"] = tuple(tuple(c) for c in fields["commands"])
        return CommandRequest(**fields)
    if data.get("kind") == "backfill":
        return BackfillRequest(fields["installation_id"], tuple(fields.get("repositories") or ()))
    return CheckRequest(**fields)
