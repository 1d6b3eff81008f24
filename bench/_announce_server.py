"""The app under uvicorn (one worker, uvloop as `payport serve` runs it), driven over stdin by the benches.

Each stdin line is one of:
    <vendor_id> <invoice_id>   announce_invoice_changed(): what a route or webhook does right after its commit
    stats <path>               write the live registry's size to <path> as JSON (the leak check of the churn)
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys

import uvicorn
import uvloop

from app.asgi import app_factory
from app.live import channels
from app.live.announce import announce_invoice_changed
from app.live.writer import StreamWriter


def _stats() -> dict[str, int]:
    plugin = channels.current()
    gc.collect()
    return {"streams": len(plugin.streams) if plugin else -1,
            "channels": len(plugin._channels) if plugin else -1,
            "writers_alive": sum(isinstance(thing, StreamWriter) for thing in gc.get_objects()),
            "tasks": len(asyncio.all_tasks())}


async def _commands() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        first, second = line.split()
        if first == b"stats":
            with open(second, "w") as out:
                json.dump(_stats(), out)
        else:
            announce_invoice_changed(int(first), int(second))


async def main(port: int) -> None:
    config = uvicorn.Config(app_factory(), host="127.0.0.1", port=port, log_level="warning",
                            timeout_graceful_shutdown=5, backlog=4096)
    commands = asyncio.create_task(_commands())
    await uvicorn.Server(config).serve()
    commands.cancel()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
