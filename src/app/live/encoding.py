"""The bytes a browser's stream receives: each announcement is encoded once, for every stream of its vendor."""

from __future__ import annotations

import json
import random

from litestar.response.sse import ServerSentEventMessage

HEARTBEAT = ServerSentEventMessage(comment="keep-alive", data=None).encode()
# Sent when messages were dropped for a slow browser, or fan-out was interrupted: re-fetch what is visible.
RESYNC = ServerSentEventMessage(event="resync", data="").encode()


def _retry_ms() -> int:
    # Spread reconnections after a restart so browsers do not all come back in the same instant.
    return random.randint(1000, 3000)


def greeting() -> bytes:
    """The first bytes of a stream: they confirm the subscription is in place (tests wait for them)."""
    return ServerSentEventMessage(comment="connected", retry=_retry_ms(), data=None).encode()


def closing() -> bytes:
    """All a stream gets while the server stops: come back in a moment, to another process."""
    return ServerSentEventMessage(comment="closing", retry=_retry_ms(), data=None).encode()


def sse_events(raw: bytes | str) -> bytes:
    """The SSE events one channel message becomes in the browser (b"" for none)."""
    message = json.loads(raw)
    if "invoice" in message:
        invoice_id = int(message["invoice"])
        # Both events of an announcement in one write.
        return (ServerSentEventMessage(event=f"invoice-changed-{invoice_id}", data=invoice_id).encode()
                + ServerSentEventMessage(event="invoice-changed", data=invoice_id).encode())
    if "what" in message:
        return ServerSentEventMessage(event=f"{message['what']}-changed", data=message["what"]).encode()
    if message.get("resync"):
        return RESYNC
    return b""
