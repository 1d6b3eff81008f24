"""One open stream's writes: handed straight to the server's `send`, queued only behind a slow browser.

A fan-out to thousands of streams costs what each write costs. Waking a task per stream (a queue, a generator
step, a heartbeat timer each) is what made it slow; here the fan-out calls each stream's `send` in turn
and runs it by hand, as Python 3.12's eager tasks would: a write into a socket with room completes at once
without a task. Only when the server's send must wait (the browser is not reading and its socket is full)
does that write finish in a task of its own, with later chunks queued behind it in a bounded backlog.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine
from typing import Any

from litestar.types import Send

from app.live.encoding import RESYNC

log = logging.getLogger(__name__)

BACKLOG = 100


def _body(chunk: bytes, more: bool = True) -> dict[str, Any]:
    return {"type": "http.response.body", "body": chunk, "more_body": more}


class StreamWriter:
    """Writes pre-encoded chunks to one response; `end()` finishes it (the server's receive then says so)."""

    __slots__ = ("_send", "_backlog", "_task", "_end_queued", "dropped", "ended", "heartbeat_due")
    is_running = False  # Litestar's plugin asks its subscribers this at shutdown; a writer has no task to stop

    def __init__(self, send: Send, heartbeat_due: float = 0.0) -> None:
        self._send = send
        self._backlog: deque[bytes] | None = None  # only while a write waits for a slow browser
        self._task: asyncio.Task | None = None
        self._end_queued = False
        self.dropped = False  # the backlog overflowed: the browser is told to re-fetch
        self.ended = False
        self.heartbeat_due = heartbeat_due

    @property
    def qsize(self) -> int:
        """Chunks waiting behind a slow browser's pending write."""
        return len(self._backlog) if self._backlog is not None else 0

    def write(self, chunk: bytes) -> None:
        """Send `chunk` now, or after the chunks already waiting for this browser (the oldest drop when full)."""
        if self.ended:
            return
        if self._backlog is None:
            self._start(_body(chunk))
            return
        if len(self._backlog) >= BACKLOG:
            self._backlog.popleft()
            self.dropped = True
        self._backlog.append(chunk)

    def end(self) -> None:
        """Finish the response once what is queued is sent; the stream's task then returns."""
        if self.ended:
            return
        self.ended = True
        if self._backlog is None:
            self._start(_body(b"", more=False))
        else:
            self._end_queued = True

    def close(self) -> None:
        """The response is over (the browser left, or the task returns): drop whatever still waits."""
        self.ended = True
        if self._task is not None:
            self._task.cancel()

    def _start(self, message: dict[str, Any]) -> None:
        coroutine = self._send(message)
        try:
            waiting = coroutine.send(None)
        except StopIteration:
            return
        except Exception:  # a broken connection: its task ends on the disconnect the server reports
            log.exception("live update not written to a stream")
            self.ended = True
            return
        self._backlog = deque()
        self._task = asyncio.get_running_loop().create_task(self._finish(coroutine, waiting))

    async def _finish(self, coroutine: Coroutine, waiting: object) -> None:
        """Complete the write that had to wait, then what queued behind it, in order."""
        try:
            await _resume(coroutine, waiting)
            while self._backlog:
                if self.dropped:
                    self.dropped = False
                    await self._send(_body(RESYNC))
                await self._send(_body(self._backlog.popleft()))
            if self._end_queued:
                await self._send(_body(b"", more=False))
        except Exception:
            log.exception("live update not written to a slow stream")
        finally:
            self._backlog = None
            self._task = None


async def _resume(coroutine: Coroutine, waiting: object) -> None:
    """Run to its end a coroutine started by hand that is suspended on `waiting`, as its task would have."""
    try:
        while True:
            if asyncio.isfuture(waiting):
                await asyncio.wait((waiting,))  # done or failed: the coroutine itself reads the outcome
            else:
                await asyncio.sleep(0)
            waiting = coroutine.send(None)
    except StopIteration:
        return
    finally:
        coroutine.close()
