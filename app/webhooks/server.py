"""The FastAPI receiver: verify, store, acknowledge; the queue does the work.

Everything before the signature is checked is bounded (app.webhooks.bodies): requests without
a delivery's headers are refused unread, bodies larger than GitHub ever sends are refused, bodies
that stop arriving time out, and the bytes being read are budgeted per lane and per client.
Deliveries are stored off the event loop by one writer thread, many per transaction, each in its
own savepoint; an answer never waits longer than STORE_TIMEOUT_SECONDS (GitHub gives
up at 10 s), and /healthz never touches the store.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from app import __version__, metrics
from app.engine.ruleset import default_ruleset
from app.jobs import queue as jobs_queue
from app.settings import Settings
from app.state.store import Incoming, Store, open_store
from app.state.work import change_form, queued_form
from app.webhooks.bodies import BodyBudget, read_body
from app.webhooks.router import route
from app.webhooks.signature import is_valid

log = logging.getLogger("openwashing.webhooks")
STORE_TIMEOUT_SECONDS = 8.0


def _answer(status: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"message": message, **extra}, status_code=status)


def create_app(settings: Settings, *, start_worker: bool = True, redeliver: bool = True) -> FastAPI:
    """The web app. `start_worker=False` gives a receiver only (workers run elsewhere)."""
    default_ruleset()  # rule files are validated before the first delivery arrives
    store = open_store(settings.database_url)
    queue = jobs_queue.create_queue(settings)
    writer = DeliveryWriter(store, queue)
    bodies = BodyBudget()
    secret = settings.github_webhook_secret.get_secret_value()
    background: list = []

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        gc.freeze()  # what start-up allocated is permanent; keep it out of collections under load
        if start_worker:
            background.extend(start_background(settings, queue, store, redeliver))
        yield
        for part in reversed(background):
            part.stop()
        writer.close()
        store.close()

    app = FastAPI(title="openwashing", version=__version__, lifespan=lifespan)
    app.add_middleware(RefuseControlCharacters)
    app.state.store, app.state.queue, app.state.writer, app.state.background = store, queue, writer, background

    _add_pages(app, store, settings)

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok", "version": __version__}  # liveness: the process answers; no store call

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        return await asyncio.get_running_loop().run_in_executor(None, _readiness, store, queue)

    @app.get("/metrics")
    async def metrics_page() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.post("/api/github/webhooks")
    async def receive(request: Request) -> JSONResponse:
        body = await read_body(request, bodies)
        if isinstance(body, JSONResponse):
            metrics.DELIVERIES.labels("rejected").inc()
            return body
        if not is_valid(secret, body, request.headers.get("x-hub-signature-256")):
            metrics.DELIVERIES.labels("rejected").inc()
            return _answer(401, "missing or invalid X-Hub-Signature-256")
        event, delivery = request.headers["x-github-event"], request.headers["x-github-delivery"]  # read_body checked
        try:
            payload = orjson.loads(body)  # a third of json's time on GitHub's payloads; nesting is capped
        except ValueError:
            return _answer(400, "body is not valid JSON")
        if not isinstance(payload, dict):
            return _answer(400, "body is not a JSON object")
        return await writer.accept(event, delivery, payload, body)

    return app


def _add_pages(app: FastAPI, store: Store, settings: Settings) -> None:
    from fastapi.exceptions import RequestValidationError

    from app.web.api import api_routes
    from app.web.pages import report_routes
    from app.web.setup import setup_routes
    from app.web.signin import signin_routes

    for routes in (report_routes, signin_routes, setup_routes, api_routes):
        app.include_router(routes(store, settings))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        """A query parameter that does not fit: 400 with a message, as the API answers every error."""
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return JSONResponse({"message": f"{where}: {first.get('msg', 'not valid')}"}, status_code=400)


class RefuseControlCharacters:
    """A path with a NUL or another control character names nothing here: 400 before any route
    runs (PostgreSQL refuses NUL in text, which would otherwise surface as a 500)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and not scope.get("path", "").isprintable():
            await _answer(400, "the path holds control characters")(scope, receive, send)
            return
        await self.app(scope, receive, send)


def start_background(settings: Settings, queue, store: Store, redeliver: bool) -> list:
    """Workers under their supervisor, and the maintenance loop (one leader across hosts)."""
    from app.github.instrument import count_github_calls
    from app.jobs.maintenance import Maintenance
    from app.jobs.runtime import Runtime
    from app.jobs.workers import WorkerPool

    count_github_calls()
    pool = WorkerPool(queue, lambda: Runtime.create(settings, queue), settings.workers, settings.worker_type)
    pool.start()
    maintenance = Maintenance(Runtime.create(settings, queue, store), redeliver=redeliver).start()
    return [pool, maintenance]


def _readiness(store: Store, queue) -> JSONResponse:
    try:
        store.ping()
        depth = jobs_queue.depth(queue)
    except Exception as exc:  # not ready, with the reason
        return _answer(503, f"not ready: {type(exc).__name__}")
    return JSONResponse({"status": "ready", "queue_depth": depth})


@dataclass
class _Pending:
    delivery: str
    event: str
    payload: dict
    body: bytes
    work: list
    changes: list
    problem: str | None
    future: asyncio.Future


class DeliveryWriter:
    """Stores deliveries and queues their work, many per transaction, off the event loop.

    Deliveries that arrive while one batch is being written wait for the next (group commit): a
    burst costs one transaction per batch instead of per request. One writer thread does the
    store and queue work, so the event loop keeps answering (and /healthz with it) even when the
    database is slow or locked; an answer that cannot be given in time is a 503, and GitHub can
    redeliver.
    """

    MAX_BATCH = 32

    def __init__(self, store: Store, queue) -> None:
        self.store, self.queue = store, queue
        self._batch: list[_Pending] = []
        self._flushing = False
        self._task: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="delivery-writer")

    async def accept(self, event: str, delivery: str, payload: dict, body: bytes) -> JSONResponse:
        try:
            work, changes = route(event, payload)
            problem = None
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
            # Stored all the same, marked failed with the reason: a malformed payload loses nothing.
            work, changes, problem = [], [], f"unexpected payload shape: {type(exc).__name__}: {exc}"
        loop = asyncio.get_running_loop()
        pending = _Pending(delivery, event, payload, body, work, changes, problem, loop.create_future())
        self._batch.append(pending)
        if not self._flushing:
            self._flushing = True
            self._task = loop.create_task(self._flush())
        try:
            async with asyncio.timeout(STORE_TIMEOUT_SECONDS):
                return await asyncio.shield(pending.future)
        except TimeoutError:
            metrics.DELIVERIES.labels("busy").inc()
            return _answer(503, "could not store the delivery in time; please redeliver")

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._batch:
                batch, self._batch = self._batch[:self.MAX_BATCH], self._batch[self.MAX_BATCH:]
                answers = await loop.run_in_executor(self._executor, self._store, batch)
                for pending, answer in zip(batch, answers, strict=True):
                    if not pending.future.done():
                        pending.future.set_result(answer)
        finally:
            self._flushing = False

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def _store(self, batch: list[_Pending]) -> list[JSONResponse]:
        incoming = [Incoming(p.delivery, p.event, _text(p.payload.get("action")), _installation_id(p.payload),
                             p.body if (p.work or p.changes) else b"", [queued_form(w) for w in p.work],
                             "failed" if p.problem else "received", [change_form(c) for c in p.changes])
                    for p in batch]
        try:
            results = self.store.accept_deliveries(incoming)
        except Exception as exc:  # the store failed: GitHub sees an error and can redeliver
            log.error("could not store %d deliveries: %s: %s", len(batch), type(exc).__name__, exc)
            return [_answer(503, "could not store the delivery; please redeliver") for _ in batch]
        return [self._follow_up(p, item, result) for p, item, result in zip(batch, incoming, results, strict=True)]

    def _follow_up(self, p: _Pending, item: Incoming, claimed) -> JSONResponse:
        """The answer to a delivery the batch stored (or refused). Once stored, it is 202 whatever
        follows: a failure applying its changes leaves them stored for maintenance to apply."""
        try:
            return self._apply(p, item, claimed)
        except Exception as exc:
            log.error("stored delivery %s, then: %s: %s; maintenance will finish it", p.delivery,
                      type(exc).__name__, exc)
            return _answer(202, "accepted", delivery=p.delivery)

    def _apply(self, p: _Pending, item: Incoming, claimed) -> JSONResponse:
        if isinstance(claimed, Exception):
            metrics.DELIVERIES.labels("rejected").inc()
            return _answer(400, f"this delivery could not be stored: {type(claimed).__name__}")
        if claimed is None:
            metrics.DELIVERIES.labels("duplicate").inc()
            return _answer(200, "duplicate delivery; already received", delivery=p.delivery)
        metrics.DELIVERIES.labels("accepted").inc()
        if p.problem:
            self.store.set_state(p.delivery, "failed", p.problem)
            return _answer(202, "accepted, but the payload lacks fields the app needs", delivery=p.delivery)
        for change in p.changes:
            self.store.apply_change(change)
        if p.changes:
            self.store.changes_applied(p.delivery)
        if not p.work:
            self.store.set_state(p.delivery, "done" if p.changes else "ignored")
            message = "accepted" if p.changes else f"ignored: {p.event}.{_text(p.payload.get('action'))}"
            return _answer(202, message, delivery=p.delivery)
        try:
            for queued in item.work:
                if queued["key"] in claimed:
                    jobs_queue.enqueue(self.queue, p.delivery, queued)
        except Exception as exc:  # stored, so maintenance queues it later
            log.error("stored delivery %s but could not queue it (%s); maintenance will", p.delivery,
                      type(exc).__name__)
        return _answer(202, "queued" if claimed else "coalesced with work already queued", delivery=p.delivery)


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "replace").decode("utf-8")[:200]  # lone surrogates cannot be stored


def _installation_id(payload: dict) -> int | None:
    installation = payload.get("installation")
    value = installation.get("id") if isinstance(installation, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
