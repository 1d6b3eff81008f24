"""A worker task that lives as long as the app: started by a lifespan, stopped gently on shutdown.

Each app process runs its own mail worker, webhook worker, recurring scheduler and autopay retries. They all stop
the same way: `stop` is set (and the worker woken, so it need not finish its sleep), the task gets `timeout`
seconds to end its pass, then it is cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager


@asynccontextmanager
async def background_task(
    name: str, work: Callable[[asyncio.Event], Awaitable[None]], *, enabled: bool = True,
    wake: Callable[[], None] | None = None, timeout: float = 10.0,
) -> AsyncIterator[asyncio.Task | None]:
    """Run `work(stop)` while the block runs; yields the task (None when not `enabled`)."""
    if not enabled:
        yield None
        return
    stop = asyncio.Event()
    task = asyncio.create_task(work(stop), name=name)
    try:
        yield task
    finally:
        stop.set()
        if wake is not None:
            wake()
        try:
            await asyncio.wait_for(task, timeout=timeout)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            task.cancel()
