"""A minimal server-sent events reader over an httpx streaming response, for tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx


@dataclass
class Block:
    """One SSE block: an event with data, or comments only (heartbeats, the greeting)."""

    event: str | None = None
    data: str | None = None
    comments: list[str] = field(default_factory=list)
    retry: int | None = None


class EventReader:
    """Reads an open `text/event-stream` response block by block."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next_block(self, timeout: float = 5) -> Block | None:
        """The next block, or None when the server ended the stream."""
        return await asyncio.wait_for(self._read_block(), timeout)

    async def next_event(self, timeout: float = 5) -> Block | None:
        """The next block that is an event (comments skipped), or None at the end of the stream."""
        async with asyncio.timeout(timeout):
            while True:
                block = await self._read_block()
                if block is None or block.event is not None:
                    return block

    async def _read_block(self) -> Block | None:
        block, seen = Block(), False
        async for line in self._lines:
            if line == "":
                if seen:
                    return block
                continue
            seen = True
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                block.comments.append(value)
            elif name == "event":
                block.event = value
            elif name == "data":
                block.data = value if block.data is None else f"{block.data}\n{value}"
            elif name == "retry":
                block.retry = int(value)
        return None
