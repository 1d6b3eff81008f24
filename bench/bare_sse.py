"""A bare Litestar SSE app: the framework's own ChannelsPlugin and ServerSentEvent, the yardstick for sse_fanout.py.

    GET /events   one stream per client: ": connected", then every message published on channel "all"
    POST /publish publish the request body on channel "all"

No database, no session, no middleware: what one stream and one fan-out cost in Litestar as documented.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Litestar, Request, get, post
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.response import ServerSentEvent, ServerSentEventMessage

channels = ChannelsPlugin(backend=MemoryChannelsBackend(), channels=["all"])


async def _events() -> AsyncIterator[ServerSentEventMessage]:
    async with channels.start_subscription(["all"]) as subscriber:
        yield ServerSentEventMessage(comment="connected", data=None)
        async for message in subscriber.iter_events():
            yield ServerSentEventMessage(event=message.decode(), data=message.decode())


@get("/events")
async def events() -> ServerSentEvent:
    return ServerSentEvent(_events())


@post("/publish", status_code=204)
async def publish(request: Request) -> None:
    channels.publish(await request.body(), "all")


@get("/healthz", sync_to_thread=False)
def healthz() -> str:
    return "ok"


app = Litestar(route_handlers=[events, publish, healthz], plugins=[channels])
