"""The Hugging Face Hub for a check: the client with the app's settings, pages kept in the store
(shared by every worker of every host), and never more time than is left of the job's budget."""

from __future__ import annotations

import time

from app.engine.config import Config
from app.github.limits import Budget
from app.hub.client import HubClient, offline_reason
from app.settings import Settings
from app.state.store import Store


class StoreHubCache:
    """Hub pages by repository and revision, in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, key: str) -> dict | None:
        return self.store.hub_page(key)

    def put(self, key: str, value: dict) -> None:
        self.store.keep_hub_page(key, value)


def hub_for_check(settings: Settings, store: Store, config: Config, budget: Budget) -> HubClient:
    offline = offline_reason(False, config.hub) or (None if settings.hub_enabled else "HUB_ENABLED is false")
    left = max(0.5, budget.deadline - time.monotonic() - 1.0)  # a check never waits on the Hub past its budget
    token = settings.hf_token.get_secret_value() if settings.hf_token else ""
    return HubClient(endpoint=settings.hf_endpoint, token=token, max_lookups=settings.hub_max_lookups,
                     seconds=min(settings.hub_time_budget_seconds, left), cache=StoreHubCache(store), offline=offline)
