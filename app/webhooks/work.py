"""The units of work a delivery turns into; plain data, so they can be queued and replayed."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class CheckRequest:
    """Analyse one commit of one repository; publish a check run, and a review for a pull request."""

    repo: str
    sha: str
    installation_id: int
    reason: str
    pull_number: int | None = None

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


def work_from_dict(data: dict) -> CheckRequest | CommandRequest:
    fields = {k: v for k, v in data.items() if k != "kind"}
    if data.get("kind") == "command":
        fields["commands"] = tuple(tuple(c) for c in fields["commands"])
        return CommandRequest(**fields)
    return CheckRequest(**fields)
