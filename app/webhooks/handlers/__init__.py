"""Event handlers; importing this package registers them on the router."""

from app.webhooks.handlers import checks, installation, pull_request, push  # noqa: F401
