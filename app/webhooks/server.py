"""The FastAPI receiver: verify, store, acknowledge; the queue does the work."""

from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app import __version__
from app.engine.ruleset import default_ruleset
from app.jobs.queue import create_queue, requeue_lost_work, start_workers
from app.jobs.runtime import Runtime, route
from app.settings import Settings
from app.webhooks.signature import is_valid

log = logging.getLogger("openwashing.webhooks")
MAX_BODY_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB


def _answer(status: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"message": message, **extra}, status_code=status)


def create_app(settings: Settings, *, start_worker: bool = True, redeliver: bool = True) -> FastAPI:
    """The web app. `start_worker=False` gives a receiver only (workers run elsewhere)."""
    default_ruleset()  # rule files are validated before the first delivery arrives
    runtime = Runtime.create(settings)
    queue = create_queue(settings.database_path)
    secret = settings.github_webhook_secret.get_secret_value()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        consumer = None
        if start_worker:
            requeue_lost_work(queue, runtime)
            consumer = start_workers(queue, runtime, settings.workers)
            if redeliver:
                from app.github.deliveries import redeliver_missed
                redeliver_missed(runtime.github, runtime.store, settings)
        yield
        if consumer:
            consumer.stop(graceful=True)

    app = FastAPI(title="openwashing", version=__version__, lifespan=lifespan)
    app.state.runtime, app.state.queue = runtime, queue

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok", "version": __version__}

    @app.post("/api/github/webhooks")
    async def receive(request: Request) -> JSONResponse:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return _answer(413, "payload larger than GitHub's 25 MB limit")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return _answer(413, "payload larger than GitHub's 25 MB limit")
        body = bytes(body)
        if not is_valid(secret, body, request.headers.get("x-hub-signature-256")):
            return _answer(401, "missing or invalid X-Hub-Signature-256")
        event, delivery = request.headers.get("x-github-event"), request.headers.get("x-github-delivery")
        if not event or not delivery:
            return _answer(400, "X-GitHub-Event and X-GitHub-Delivery are required")
        try:
            payload = json.loads(body)
        except ValueError:
            return _answer(400, "body is not valid JSON")
        if not isinstance(payload, dict):
            return _answer(400, "body is not a JSON object")
        return accept(runtime, queue, event, delivery, payload, body)

    return app


def accept(runtime: Runtime, queue, event: str, delivery: str, payload: dict, body: bytes) -> JSONResponse:
    """Store the delivery, then queue its work; answers as soon as both are durable."""
    installation = (payload.get("installation") or {}).get("id")
    if not runtime.store.record_delivery(delivery, event, payload.get("action"), installation, body):
        return _answer(200, "duplicate delivery; already received", delivery=delivery)
    try:
        checks, changes = route(event, payload)
    except (KeyError, TypeError) as exc:
        runtime.store.set_state(delivery, "failed", f"unexpected payload shape: {exc!r}")
        return _answer(202, "accepted, but the payload lacks fields the app needs", delivery=delivery)
    for change in changes:
        runtime.apply(change)
    if not checks:
        runtime.store.set_state(delivery, "done" if changes else "ignored")
        return _answer(202, "accepted" if changes else f"ignored: {event}.{payload.get('action')}",
                       delivery=delivery)
    queued = 0
    for request in checks:
        if runtime.store.claim_job(request.key, delivery):
            queue.run_work(delivery, request.as_dict())
            queued += 1
    return _answer(202, "queued" if queued else "coalesced with work already queued", delivery=delivery)
