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
    rerun: bool = False

    @property
    def key(self) -> str:
        # One pending job per commit and pull request: a burst of deliveries for the same commit
        # coalesces into the job already waiting.
        return f"check:{self.repo}:{self.sha}:{self.pull_number or ''}"

    def as_dict(self) -> dict:
        return {"kind": "check", **asdict(self)}


def work_from_dict(data: dict) -> CheckRequest:
    fields = {k: v for k, v in data.items() if k != "kind"}
    return CheckRequest(**fields)
