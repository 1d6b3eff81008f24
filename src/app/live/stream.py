"""The /events response of one browser: its vendor's changes as server-sent events, with heartbeats."""

from __future__ import annotations

import asyncio

import anyio
from litestar import Litestar
from litestar.types import Receive, Scope, Send

from app.live import channels
from app.live.channels import LiveChannels, vendor_channel
from app.live.encoding import HEARTBEAT, closing, greeting
from app.live.writer import StreamWriter
from app.metrics import SSE_STREAMS

HEARTBEAT_SECONDS = 15.0
# Set by LiveApp on each request's scope; a stream that finds it leaves its body to LiveApp (see there).
HANDOFF = "payport.stream_handoff"
_ACCEPTED = object()
# What the ASGI server put in the scope; the rest is the framework's, and no longer needed by a handed-over stream.
ASGI_SCOPE_KEYS = frozenset({"type", "asgi", "http_version", "server", "client", "scheme", "method", "root_path",
                             "path", "raw_path", "query_string", "headers", "extensions"})
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),  # proxies must not buffer the stream
]


class VendorStream:
    """An endless text/event-stream ASGI response of one vendor's channel.

    The response waits only for the server to report its end (the browser left, or `StreamWriter.end()`
    finished it); announcements and heartbeats are written to it by the plugin's fan-out and the heartbeat
    loop. One waiting task and one small writer per stream, nothing woken per event: that keeps both the
    fan-out and an idle stream cheap (see bench/sse_fanout.py).
    """

    def __init__(self, vendor_id: int) -> None:
        self.vendor_id = vendor_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The headers go through every middleware (request id, cookies, security headers, the access log).
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        if scope.get(HANDOFF) is _ACCEPTED:
            scope[HANDOFF] = self  # LiveApp streams the body once the middleware has returned
            return
        await self.stream(receive, send)

    async def stream(self, receive: Receive, send: Send) -> None:
        """The body: the vendor's announcements and heartbeats until the browser leaves or the server stops."""
        plugin = channels.current()
        if plugin is None or plugin.closing:
            await send({"type": "http.response.body", "body": closing(), "more_body": False})
            return
        loop = asyncio.get_running_loop()
        writer = StreamWriter(send, heartbeat_due=loop.time() + HEARTBEAT_SECONDS)
        channel = vendor_channel(self.vendor_id)
        SSE_STREAMS.inc()
        try:
            await plugin.attach(writer, channel)
            writer.write(greeting())
            if plugin.closing:  # the server began to stop while this one subscribed
                writer.end()
            _keep_beating(plugin)
            while (await receive())["type"] != "http.disconnect":
                continue
        finally:
            writer.close()
            SSE_STREAMS.dec()
            # Cancelled (server timeout) or not, the subscription must be released.
            with anyio.CancelScope(shield=True):
                await plugin.detach(writer, channel)


class LiveApp(Litestar):
    """Litestar, streaming /events bodies itself once the request has passed the middleware.

    A stream lasts as long as its tab: held inside the middleware stack it keeps a dozen suspended frames,
    the request, its session and headers alive for hours. Here the stream's headers are sent through the
    middleware as any response's are (so authentication, cookies, security headers and the access log apply),
    then the stack returns and the body is written straight to the server's `send`, which is what every
    middleware would have passed a body chunk on to unchanged.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # type: ignore[override]
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        scope[HANDOFF] = _ACCEPTED
        await super().__call__(scope, receive, send)
        stream = scope.get(HANDOFF)
        if isinstance(stream, VendorStream):
            for key in scope.keys() - ASGI_SCOPE_KEYS:
                del scope[key]  # what the framework attached to this request: session, user, caches
            await stream.stream(receive, send)


def _keep_beating(plugin: LiveChannels) -> None:
    if plugin.heartbeats is None or plugin.heartbeats.done():
        plugin.heartbeats = asyncio.get_running_loop().create_task(_beat(plugin))


async def _beat(plugin: LiveChannels) -> None:
    """A comment on each stream every HEARTBEAT_SECONDS, so proxies keep idle ones open; one loop per process."""
    loop = asyncio.get_running_loop()
    while plugin.streams and not plugin.closing:
        # A timer per stream would cost memory and a wake-up each; one coarse tick serves them all.
        await asyncio.sleep(min(1.0, HEARTBEAT_SECONDS))
        now = loop.time()
        for writer in tuple(plugin.streams):
            if writer.heartbeat_due <= now:
                writer.heartbeat_due = now + HEARTBEAT_SECONDS
                writer.write(HEARTBEAT)
