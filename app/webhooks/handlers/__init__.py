"""Event handlers; importing this package registers them on the router."""

from app.webhooks.handlers import checks, comments, installation, pull_request, push  # noqa: F401
