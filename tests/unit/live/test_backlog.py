"""A browser that does not read: its backlog stays bounded and it is told to re-fetch instead."""

from __future__ import annotations

import asyncio

from litestar.channels.backends.memory import MemoryChannelsBackend

from app.live import channels as live_channels
from app.live.announce import announce_invoice_changed
from app.live.channels import BACKLOG, LiveChannels, LiveSubscriber
from app.live.stream import RESYNC, VendorStream


async def test_slow_browser_keeps_newest_messages_and_gets_resync_first():
    plugin = LiveChannels(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True,
                               subscriber_max_backlog=BACKLOG, subscriber_class=LiveSubscriber)
    async with plugin:
        stream = VendorStream(vendor_id=3)
        chunks = stream.events()
        assert b"connected" in await anext(chunks)
        for invoice_id in range(1, 151):
            announce_invoice_changed(3, invoice_id)
        subscriber = next(iter(plugin.streams))
        for _ in range(200):
            if subscriber.dropped:
                break
            await asyncio.sleep(0.01)
        assert subscriber.qsize == BACKLOG
        assert await anext(chunks) == RESYNC
        first_kept = await anext(chunks)
        assert first_kept.startswith(b"event: invoice-changed-51\r\n")
        rest = [await anext(chunks) for _ in range(BACKLOG - 1)]
        assert rest[-1].startswith(b"event: invoice-changed-150\r\n")
        stream.stop()  # the browser leaves: nothing more is sent
        assert [chunk async for chunk in chunks] == []
    assert live_channels._plugin is None


async def test_server_stop_ends_streams_and_refuses_new_ones():
    plugin = LiveChannels(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True,
                               subscriber_class=LiveSubscriber)
    async with plugin:
        chunks = VendorStream(vendor_id=4).events()
        await anext(chunks)
        plugin.end_streams()
        assert [chunk async for chunk in chunks] == []
        late = [chunk async for chunk in VendorStream(vendor_id=4).events()]
        assert late[0].startswith(b": closing\r\nretry: ")
        assert len(late) == 1
