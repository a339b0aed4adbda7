"""Reading a delivery's body before anyone knows whether it is signed.

Nothing is read from a request that cannot be a delivery (no X-Hub-Signature-256 of the right
shape, no event or delivery id): GitHub always sends those headers, so they are checked first. The
rest is bounded by what each body has actually sent, not what it announced: a body that declares
16 MB and trickles holds a few bytes, not 16 MB. Bodies are read in two lanes — deliveries that
announce at most SMALL_BODY_BYTES (nearly all of GitHub's) and the rest — each with its own byte
budget, and one client address may hold at most PER_CLIENT_BYTES of unread-signature bodies at
once; so large or slow bodies, from one address or a few, cannot starve the small signed ones.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict

from fastapi import Request
from fastapi.responses import JSONResponse

MAX_BODY_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB
SMALL_BODY_BYTES = 1024 * 1024
SMALL_LANE_BYTES = 32 * 1024 * 1024
LARGE_LANE_BYTES = 64 * 1024 * 1024
PER_CLIENT_BYTES = 32 * 1024 * 1024
BODY_TIMEOUT_SECONDS = 10.0
SIGNATURE_SHAPE = re.compile(r"sha256=[0-9a-f]{64}")


def _answer(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


class BodyBudget:
    """Bytes of bodies being read, per lane and per client address. The event loop is the only
    caller, so no lock is needed."""

    def __init__(self, small: int = SMALL_LANE_BYTES, large: int = LARGE_LANE_BYTES,
                 per_client: int = PER_CLIENT_BYTES) -> None:
        self.limits = {"small": small, "large": large}
        self.used = {"small": 0, "large": 0}
        self.per_client = per_client
        self.by_client: dict[str, int] = defaultdict(int)

    def reserve(self, lane: str, client: str, size: int) -> bool:
        if self.used[lane] + size > self.limits[lane] or self.by_client[client] + size > self.per_client:
            return False
        self.used[lane] += size
        self.by_client[client] += size
        return True

    def release(self, lane: str, client: str, size: int) -> None:
        self.used[lane] = max(0, self.used[lane] - size)
        left = self.by_client[client] - size
        if left > 0:
            self.by_client[client] = left
        else:
            self.by_client.pop(client, None)


def refuse_early(request: Request) -> JSONResponse | None:
    """The answer for a request that cannot be a delivery, decided from its headers alone."""
    headers = request.headers
    if not SIGNATURE_SHAPE.fullmatch(headers.get("x-hub-signature-256") or ""):
        return _answer(401, "missing or invalid X-Hub-Signature-256")
    delivery = headers.get("x-github-delivery") or ""
    if not headers.get("x-github-event") or not delivery or len(delivery) > 200:
        return _answer(400, "X-GitHub-Event and X-GitHub-Delivery are required")
    length = headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        return _answer(413, "payload larger than GitHub's 25 MB limit")
    return None


async def read_body(request: Request, budget: BodyBudget) -> bytes | JSONResponse:
    """The raw body, or the answer that refuses it: too large, too slow, or too much being read."""
    refused = refuse_early(request)
    if refused is not None:
        return refused
    length = request.headers.get("content-length")
    lane = "small" if length and length.isdigit() and int(length) <= SMALL_BODY_BYTES else "large"
    client = request.client.host if request.client else "unknown"
    chunks: list[bytes] = []
    try:
        async with asyncio.timeout(BODY_TIMEOUT_SECONDS):  # unlike wait_for, no task per request
            return await _collect(request, budget, lane, client, chunks)
    except TimeoutError:
        return _answer(408, "the body did not arrive in time")
    finally:
        budget.release(lane, client, sum(len(c) for c in chunks))


async def _collect(request: Request, budget: BodyBudget, lane: str, client: str,
                   chunks: list[bytes]) -> bytes | JSONResponse:
    size, limit = 0, SMALL_BODY_BYTES if lane == "small" else MAX_BODY_BYTES
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:  # more than it announced, or than GitHub ever sends
            return _answer(413, "payload larger than it announced or than GitHub's 25 MB limit")
        if not budget.reserve(lane, client, len(chunk)):
            return _answer(503, "too many large deliveries at once; please redeliver")
        chunks.append(chunk)
    return b"".join(chunks)
