"""The FastAPI receiver: verify, store, acknowledge; the queue does the work."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass

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
    writer = DeliveryWriter(runtime, queue)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        consumer = None
        gc.freeze()  # what start-up allocated is permanent; keep it out of collections under load
        if start_worker:
            requeue_lost_work(queue, runtime)
            consumer = start_workers(queue, runtime, settings.workers, settings.worker_type)
            if redeliver:
                from app.github.deliveries import redeliver_missed
                redeliver_missed(runtime.github, runtime.store, settings)
        yield
        writer.close()
        if consumer:
            consumer.stop(graceful=True)

    app = FastAPI(title="openwashing", version=__version__, lifespan=lifespan)
    app.state.runtime, app.state.queue, app.state.writer = runtime, queue, writer

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok", "version": __version__}

    @app.post("/api/github/webhooks")
    async def receive(request: Request) -> JSONResponse:
        body = await _read_body(request)
        if body is None:
            return _answer(413, "payload larger than GitHub's 25 MB limit")
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
        return await writer.accept(event, delivery, payload, body)

    return app


async def _read_body(request: Request) -> bytes | None:
    """The raw body, or None when it is larger than GitHub ever sends."""
    length = request.headers.get("content-length")
    if length and length.isdigit():
        return None if int(length) > MAX_BODY_BYTES else await request.body()
    chunks, size = [], 0
    async for chunk in request.stream():  # no declared length: read, but stop at the limit
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
    return b"".join(chunks)


@dataclass
class _Pending:
    delivery: str
    event: str
    payload: dict
    body: bytes
    checks: list
    changes: list
    problem: str | None
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop


class DeliveryWriter:
    """Stores deliveries and queues their work, many per transaction.

    Deliveries that arrive while the event loop is busy share one commit (group commit): the
    first schedules a flush for the loop's next turn, and everything received until then goes
    into that transaction. A burst costs one SQLite transaction per batch instead of per
    request; each answer still waits until its delivery is durable.
    """

    MAX_BATCH = 32

    def __init__(self, runtime: Runtime, queue) -> None:
        self.runtime, self.queue = runtime, queue
        self._batch: list[_Pending] = []

    async def accept(self, event: str, delivery: str, payload: dict, body: bytes) -> JSONResponse:
        try:
            checks, changes = route(event, payload)
            problem = None
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            # Stored all the same, marked failed with the reason: a malformed payload loses nothing.
            checks, changes, problem = [], [], f"unexpected payload shape: {type(exc).__name__}: {exc}"
        loop = asyncio.get_running_loop()
        pending = _Pending(delivery, event, payload, body, checks, changes, problem, loop.create_future(), loop)
        if not self._batch:
            loop.call_soon(self._flush)
        self._batch.append(pending)
        return await pending.future

    def close(self) -> None:
        if self._batch:
            self._flush()

    def _flush(self) -> None:
        # Bounded batches keep the first delivery of a burst from waiting for the whole burst.
        batch, self._batch = self._batch[:self.MAX_BATCH], self._batch[self.MAX_BATCH:]
        if self._batch:
            asyncio.get_running_loop().call_soon(self._flush)
        if batch:
            self._store(batch)

    def _store(self, batch: list[_Pending]) -> None:
        try:
            results = self.runtime.store.accept_deliveries([
                (p.delivery, p.event, _text(p.payload.get("action")), _installation_id(p.payload), p.body,
                 [c.key for c in p.checks]) for p in batch])
            answers = [self._follow_up(p, claimed) for p, claimed in zip(batch, results, strict=True)]
        except Exception as exc:  # the store failed: GitHub sees an error and the delivery can be redelivered
            log.error("could not store %d deliveries: %s", len(batch), type(exc).__name__)
            answers = [_answer(503, "could not store the delivery; please redeliver") for _ in batch]
        for pending, answer in zip(batch, answers, strict=True):
            _resolve(pending.future, answer)

    def _follow_up(self, p: _Pending, claimed: list[str] | None) -> JSONResponse:
        if claimed is None:
            return _answer(200, "duplicate delivery; already received", delivery=p.delivery)
        store = self.runtime.store
        if p.problem:
            store.set_state(p.delivery, "failed", p.problem)
            return _answer(202, "accepted, but the payload lacks fields the app needs", delivery=p.delivery)
        for change in p.changes:
            self.runtime.apply(change)
        if not p.checks:
            store.set_state(p.delivery, "done" if p.changes else "ignored")
            message = "accepted" if p.changes else f"ignored: {p.event}.{_text(p.payload.get('action'))}"
            return _answer(202, message, delivery=p.delivery)
        for request in p.checks:
            if request.key in claimed:
                self.queue.run_work(p.delivery, request.as_dict())
        return _answer(202, "queued" if claimed else "coalesced with work already queued", delivery=p.delivery)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _installation_id(payload: dict) -> int | None:
    installation = payload.get("installation")
    value = installation.get("id") if isinstance(installation, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _resolve(future: asyncio.Future, answer: JSONResponse) -> None:
    if not future.done():
        future.set_result(answer)
