"""What a worker does with a queued delivery, and how the app recovers lost or missed work."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass

from app.engine.ruleset import RuleSet, default_ruleset
from app.github.calls import describe
from app.github.client import GitHubApp
from app.jobs.check import run_check
from app.jobs.commands import run_commands
from app.jobs.locks import installation_turn
from app.jobs.store import Store
from app.settings import Settings
from app.webhooks import handlers  # noqa: F401  (registers the handlers)
from app.webhooks.handlers.installation import InstallationChange
from app.webhooks.router import router
from app.webhooks.work import CheckRequest, CommandRequest, work_from_dict

log = logging.getLogger("openwashing.jobs")


@dataclass
class Runtime:
    settings: Settings
    store: Store
    github: GitHubApp
    ruleset: RuleSet

    @classmethod
    def create(cls, settings: Settings, store: Store | None = None) -> Runtime:
        return cls(settings, store or Store(settings.database_path), GitHubApp(settings), default_ruleset())

    def run(self, delivery_id: str, work: dict) -> None:
        """Do one unit of work. Failures are recorded on the delivery, never dropped silently."""
        request = work_from_dict(work)
        self.store.release_job(request.key)
        self.store.set_state(delivery_id, "processing")
        try:
            with installation_turn(self.lock_dir, request.installation_id, self.settings.write_interval_seconds):
                if isinstance(request, CommandRequest):
                    run_commands(self, request, delivery_id)
                else:
                    run_check(self.github, self.store, self.settings, self.ruleset, request, delivery_id)
            self.store.set_state(delivery_id, "done")
        except Exception as exc:
            log.error("delivery %s failed: %s", delivery_id, describe(exc))
            self.store.set_state(delivery_id, "failed", describe(exc))

    @property
    def lock_dir(self) -> str:
        return os.path.splitext(os.path.abspath(self.settings.database_path))[0] + ".locks"

    def apply(self, change: InstallationChange) -> None:
        if change.deleted:
            self.store.forget_installation(change.installation_id)
            self.github.forget_installation(change.installation_id)
            return
        current = set(self.store.installation_repositories(change.installation_id) or [])
        repos = (current | set(change.added)) - set(change.removed)
        self.store.save_installation(change.installation_id, change.account, sorted(repos))


def route(event: str, payload: dict) -> tuple[list[CheckRequest | CommandRequest], list[InstallationChange]]:
    work = router.route(event, payload)
    return ([w for w in work if isinstance(w, CheckRequest | CommandRequest)],
            [w for w in work if isinstance(w, InstallationChange)])


def stored_work(store: Store, delivery_id: str) -> list[CheckRequest | CommandRequest]:
    record = store.delivery(delivery_id)
    if record is None:
        return []
    event, _action, payload, _state = record
    try:
        return route(event, json.loads(payload))[0]
    except (ValueError, KeyError, TypeError):
        return []
