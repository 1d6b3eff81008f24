"""The /events response of one browser: its vendor's changes as server-sent events, with heartbeats."""

from __future__ import annotations

import asyncio

import anyio
from litestar.types import Receive, Scope, Send

from app.live import channels
from app.live.channels import LiveChannels, vendor_channel
from app.live.encoding import HEARTBEAT, closing, greeting
from app.live.writer import StreamWriter
from app.metrics import SSE_STREAMS

HEARTBEAT_SECONDS = 15.0
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),  # proxies must not buffer the stream
]


class VendorStream:
    """An endless text/event-stream ASGI response of one vendor's channel.

    The response's own task only waits for the server to report the end (the browser left, or the
    response was finished by `StreamWriter.end()`); announcements and heartbeats are written to it by the
    plugin's fan-out and the heartbeat loop. One waiting task and one small writer per stream, nothing
    woken per event: that keeps both the fan-out and an idle stream cheap (see bench/sse_fanout.py).
    """

    def __init__(self, vendor_id: int) -> None:
        self.vendor_id = vendor_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
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
