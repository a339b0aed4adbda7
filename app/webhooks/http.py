"""uvicorn's HTTP/1.1 protocol (h11), with a deadline for a request's head.

uvicorn closes a connection that stays idle between requests, but once a byte of a request has
arrived it waits for the rest of the head without limit: a few thousand connections that send
half a request line each stay open for ever. Here every request's line and headers must arrive
within HEADER_READ_TIMEOUT_SECONDS of the connection opening (or of the previous response);
the body has its own deadline (app.webhooks.bodies).
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_READ_TIMEOUT_SECONDS = 10.0


class H11WithHeadDeadline(H11Protocol):
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the whole head arrived: the request is the app's now
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(HEADER_READ_TIMEOUT_SECONDS, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def server_options() -> dict:
    """uvicorn options every server of the app uses."""
    return {"http": H11WithHeadDeadline, "timeout_keep_alive": 5}
