"""Event handlers; importing this package registers them on the router."""

from app.webhooks.handlers import (  # noqa: F401
    checks,
    comments,
    installation,
    pull_request,
    push,
    repository,
)
