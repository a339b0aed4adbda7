"""Handlers registered per event and action (the shape of bedevere's gidgethub router)."""

from __future__ import annotations

from collections.abc import Callable

Handler = Callable[[dict], list]


class Router:
    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str | None], list[Handler]] = {}

    def register(self, event: str, *actions: str) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            for action in actions or (None,):
                self._handlers.setdefault((event, action), []).append(handler)
            return handler
        return decorate

    def route(self, event: str, payload: dict) -> list:
        """The work a delivery asks for; empty for events and actions the app does not handle."""
        action = payload.get("action")
        handlers = self._handlers.get((event, action), []) + (
            self._handlers.get((event, None), []) if action is not None else [])
        work: list = []
        for handler in handlers:
            work.extend(handler(payload))
        return work


router = Router()


def route(event: str, payload: dict) -> tuple[list, list]:
    """The work and the installation changes a delivery asks for."""
    from app.state.work import InstallationChange, RepositoryChange
    from app.webhooks import handlers  # noqa: F401 - registers the handlers
    work = router.route(event, payload)
    changes = (InstallationChange, RepositoryChange)
    return [w for w in work if not isinstance(w, changes)], [w for w in work if isinstance(w, changes)]
