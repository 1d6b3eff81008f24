"""The /events stream of one browser: its vendor's changes as server-sent events, with heartbeats."""

from __future__ import annotations

import functools
import json
import random
from collections.abc import AsyncIterator

import anyio
from litestar.response.sse import ServerSentEventMessage

from app.live import channels
from app.metrics import SSE_STREAMS
from app.live.channels import LiveSubscriber, vendor_channel

HEARTBEAT_SECONDS = 15.0
HEARTBEAT = ServerSentEventMessage(comment="keep-alive", data=None).encode()
# Sent when messages were dropped for a slow browser, or fan-out was interrupted: re-fetch what is visible.
RESYNC = ServerSentEventMessage(event="resync", data="").encode()


def _retry_ms() -> int:
    # Spread reconnections after a restart so browsers do not all come back in the same instant.
    return random.randint(1000, 3000)


@functools.lru_cache(maxsize=1024)
def sse_events(raw: bytes) -> bytes:
    """The SSE events one channel message becomes in the browser, encoded once for all its streams."""
    message = json.loads(raw)
    if "invoice" in message:
        invoice_id = int(message["invoice"])
        return (ServerSentEventMessage(event=f"invoice-changed-{invoice_id}", data=invoice_id).encode()
                + ServerSentEventMessage(event="invoice-changed", data=invoice_id).encode())
    if "what" in message:
        return ServerSentEventMessage(event=f"{message['what']}-changed", data=message["what"]).encode()
    if message.get("resync"):
        return RESYNC
    return b""


class VendorStream:
    """One browser's stream of its vendor's changes, as encoded SSE chunks; `stop()` ends it."""

    def __init__(self, vendor_id: int) -> None:
        self.vendor_id = vendor_id
        self._subscriber: LiveSubscriber | None = None
        self._stopped = False

    def stop(self) -> None:
        """End the stream (the browser went away)."""
        self._stopped = True
        if self._subscriber is not None:
            self._subscriber.put_nowait(None)

    async def events(self) -> AsyncIterator[bytes]:
        """The chunks to send, until the browser leaves or the server stops."""
        plugin = channels.current()
        if plugin is None or plugin.closing or self._stopped:
            yield ServerSentEventMessage(comment="closing", retry=_retry_ms(), data=None).encode()
            return
        channel = vendor_channel(self.vendor_id)
        subscriber: LiveSubscriber = await plugin.subscribe(channel)  # type: ignore[assignment]
        self._subscriber = subscriber
        plugin.streams.add(subscriber)
        SSE_STREAMS.inc()
        try:
            # The first bytes confirm the subscription is in place (tests wait for them).
            yield ServerSentEventMessage(comment="connected", retry=_retry_ms(), data=None).encode()
            while not (self._stopped or plugin.closing):
                try:
                    raw = await subscriber.next_message(HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield HEARTBEAT
                    continue
                if raw is None:
                    return
                if subscriber.dropped:
                    subscriber.dropped = False
                    yield RESYNC
                if events := sse_events(raw):
                    yield events  # both events of an announcement in one write
        finally:
            SSE_STREAMS.dec()
            plugin.streams.discard(subscriber)
            # Cancelled (server timeout) or not, the subscription must be released.
            with anyio.CancelScope(shield=True):
                await plugin.unsubscribe(subscriber, channel)
