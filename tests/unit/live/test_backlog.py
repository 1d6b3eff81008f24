"""A browser that does not read: its backlog stays bounded, it is told to re-fetch, and others are not held up."""

from __future__ import annotations

import asyncio

from litestar.channels.backends.memory import MemoryChannelsBackend

from app.live import channels as live_channels
from app.live.announce import announce_invoice_changed
from app.live.channels import LiveChannels
from app.live.encoding import RESYNC
from app.live.stream import VendorStream
from app.live.writer import BACKLOG


class Browser:
    """The server side of one connection as a stream sees it: `send` waits while the socket is full."""

    def __init__(self, reading: bool = True) -> None:
        self.writable = asyncio.Event()
        if reading:
            self.writable.set()
        self.chunks: list[bytes] = []
        self.finished = False
        self.left = asyncio.Event()

    async def send(self, message: dict) -> None:
        if message["type"] == "http.response.body":
            await self.writable.wait()  # as uvicorn's flow control does for a paused transport
            if message["body"]:
                self.chunks.append(message["body"])
            if not message["more_body"]:
                self.finished = True
                self.left.set()  # uvicorn's receive reports the end of a finished response

    async def receive(self) -> dict:
        await self.left.wait()
        return {"type": "http.disconnect"}


async def wait_for(condition, attempts: int = 200) -> None:
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


def plugin() -> LiveChannels:
    return LiveChannels(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True)


async def test_slow_browser_keeps_newest_messages_gets_resync_first_and_holds_no_one_up():
    async with plugin() as channels:
        slow, quick = Browser(reading=False), Browser()
        streams = [asyncio.create_task(VendorStream(3)(scope={}, receive=browser.receive, send=browser.send))
                   for browser in (slow, quick)]
        await wait_for(lambda: len(channels.streams) == 2 and quick.chunks)
        for invoice_id in range(1, 151):
            announce_invoice_changed(3, invoice_id)
        await wait_for(lambda: len(quick.chunks) == 151)  # the greeting and every announcement, at once
        writer = next(writer for writer in channels.streams if writer.qsize)
        assert writer.qsize == BACKLOG and writer.dropped
        slow.writable.set()  # the browser reads again
        await wait_for(lambda: len(slow.chunks) == 2 + BACKLOG)
        assert b"connected" in slow.chunks[0]  # the write that had to wait
        assert slow.chunks[1] == RESYNC
        assert slow.chunks[2].startswith(b"event: invoice-changed-51\r\n")
        assert slow.chunks[-1].startswith(b"event: invoice-changed-150\r\n")
        for browser in (slow, quick):
            browser.left.set()  # both leave: nothing more is written, and nothing stays registered
        await asyncio.gather(*streams)
        assert not channels.streams and not channels._channels
    assert live_channels._plugin is None


async def test_server_stop_ends_streams_and_refuses_new_ones():
    async with plugin() as channels:
        browser = Browser()
        stream = asyncio.create_task(VendorStream(4)(scope={}, receive=browser.receive, send=browser.send))
        await wait_for(lambda: browser.chunks)
        channels.end_streams()
        await stream
        assert browser.finished and len(browser.chunks) == 1
        late = Browser()
        await VendorStream(4)(scope={}, receive=late.receive, send=late.send)
        assert late.finished and len(late.chunks) == 1 and late.chunks[0].startswith(b": closing\r\nretry: ")
        assert not channels.streams
