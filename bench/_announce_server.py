"""The app under uvicorn (one worker), plus announcements read from stdin: the bench's stand-in for a route.

Each stdin line "<vendor_id> <invoice_id>" calls app.live.announce.announce_invoice_changed in the server's loop,
which is what a route or webhook does right after its commit.
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn

from app.live.announce import announce_invoice_changed
from app.asgi import app_factory


async def _announce_from_stdin() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        vendor_id, invoice_id = (int(part) for part in line.split())
        announce_invoice_changed(vendor_id, invoice_id)


async def main(port: int) -> None:
    config = uvicorn.Config(app_factory(), host="127.0.0.1", port=port, log_level="warning",
                            timeout_graceful_shutdown=5, backlog=4096)
    announcer = asyncio.create_task(_announce_from_stdin())
    await uvicorn.Server(config).serve()
    announcer.cancel()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
