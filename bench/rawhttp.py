"""One HTTP/1.1 exchange on a kept-alive connection, with no client library in the way of the figures."""

from __future__ import annotations

import asyncio
import re

CONTENT_LENGTH = re.compile(rb"content-length: (\d+)", re.I)


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
    """Send one prepared request and read its whole response; anything but 200 raises."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head[:200].decode(errors="replace"))
    await reader.readexactly(int(CONTENT_LENGTH.search(head).group(1)))
