"""GET /events: the server-sent event stream of the logged-in vendor's changes."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from litestar import Request, get
from litestar.types import ASGIApp, Receive, Scope, Send

from app.auth import CurrentUser
from app.live.stream import VendorStream

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),  # proxies must not buffer the stream
]


class EventStreamResponse:
    """An endless text/event-stream response that ends with its stream or when the browser disconnects.

    Litestar's Stream response holds an anyio task group per connection; this holds one watcher task,
    which keeps an idle stream small (see bench/sse_fanout.py).
    """

    def __init__(self, stream: VendorStream) -> None:
        self.stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        watcher = asyncio.get_running_loop().create_task(self._stop_on_disconnect(receive))
        try:
            async with contextlib.aclosing(self.stream.events()) as chunks:
                async for chunk in chunks:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()

    async def _stop_on_disconnect(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            continue
        self.stream.stop()


@get("/events", sync_to_thread=False, opt={"role": "viewer"})
def events(request: Request[CurrentUser, Any, Any]) -> ASGIApp:
    """Stream `invoice-changed-<id>`, `invoice-changed` and `<what>-changed` events to this browser.

    Only the vendor's own channel is subscribed; the stream ends when the browser leaves or the server stops.
    """
    return EventStreamResponse(VendorStream(request.user.vendor_id))
