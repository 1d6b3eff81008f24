"""The channels plugin and its backends: memory on SQLite, Postgres LISTEN/NOTIFY across processes."""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import signal
import threading
from collections import deque
from types import TracebackType

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.subscriber import Subscriber

from app.live.listeners import changed_channel, session_ended
from app.live.postgres import CHANGES_CHANNEL, SESSIONS_CHANNEL, PostgresChannelsBackend
from app.settings import Settings

BACKLOG = 100
RESYNC_MESSAGE = json.dumps({"resync": True})

_plugin: LiveChannels | None = None


def current() -> LiveChannels | None:
    """The running app's plugin, or None (CLI tools, some unit tests: nobody can be listening)."""
    return _plugin


def vendor_channel(vendor_id: int) -> str:
    """The channel every open browser of this vendor listens on."""
    return f"vendor-{vendor_id}"


class LiveSubscriber(Subscriber):
    """One open stream's bounded backlog; remembers when it had to drop messages.

    Leaner than Litestar's asyncio.Queue-based one (one deque, a future only while waiting): with
    thousands of idle browsers, per-stream memory is what counts.
    """

    def __init__(self, plugin: ChannelsPlugin, max_backlog: int | None = None, backlog_strategy: str = "") -> None:
        self._task = None
        self._plugin = plugin
        self._backend = plugin._backend
        self._messages: deque[bytes | None] = deque(maxlen=max_backlog or BACKLOG)
        self._waiter: asyncio.Future[None] | None = None
        self.dropped = False

    def put_nowait(self, item: bytes | None) -> bool:
        if item is not None and len(self._messages) == self._messages.maxlen:
            self.dropped = True  # the oldest goes; the browser catches up with a resync
        self._messages.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        return True

    async def put(self, item: bytes | None) -> None:
        self.put_nowait(item)

    @property
    def qsize(self) -> int:
        return len(self._messages)

    async def next_message(self, timeout: float) -> bytes | None:
        """The next message; None once the stream must end. Raises TimeoutError when idle for `timeout`."""
        if not self._messages:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self._waiter
            finally:
                self._waiter = None
        return self._messages.popleft()


class LiveChannels(ChannelsPlugin):
    """The channels plugin, plus the open streams it must end when the server shuts down."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.streams: set[LiveSubscriber] = set()
        self.closing = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self._chained: dict[int, object] = {}

    async def __aenter__(self) -> LiveChannels:
        global _plugin
        await super().__aenter__()
        _freeze_startup_heap()
        self.closing = False
        self.loop = asyncio.get_running_loop()
        self._chain_exit_signals()
        _plugin = self
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        global _plugin
        self.end_streams()
        self._restore_exit_signals()
        if _plugin is self:
            _plugin = None
        await super().__aexit__(exc_type, exc, tb)

    def end_streams(self) -> None:
        """Make every open stream return now, and new ones return at once (the server is stopping)."""
        self.closing = True
        for subscriber in list(self.streams):
            subscriber.put_nowait(None)

    def _chain_exit_signals(self) -> None:
        # uvicorn waits for open responses before the lifespan shutdown, so streams must
        # learn of SIGTERM/SIGINT as they arrive; the server's own handler still runs.
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def on_exit_signal(signum: int, frame: object, previous=previous) -> None:
                loop.call_soon_threadsafe(self.end_streams)
                previous(signum, frame)

            self._chained[sig] = (previous, on_exit_signal)
            signal.signal(sig, on_exit_signal)

    def _restore_exit_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, (previous, ours) in self._chained.items():
            if signal.getsignal(sig) is ours:
                signal.signal(sig, previous)
        self._chained.clear()


@functools.cache
def _freeze_startup_heap() -> None:
    # What is loaded at start lives as long as the process: keeping it out of the cyclic GC's full
    # collections keeps them short, so they do not stall a fan-out to thousands of streams. Once per process.
    gc.freeze()


def create_channels_plugin(settings: Settings) -> ChannelsPlugin:
    """Memory fan-out on SQLite (one process); Postgres LISTEN/NOTIFY so several processes share events."""
    if settings.live_over_postgres:
        backend = PostgresChannelsBackend(
            dsn=settings.database_url, resync_message=RESYNC_MESSAGE.encode(),
            process_wide={CHANGES_CHANNEL: changed_channel, SESSIONS_CHANNEL: session_ended})
    else:
        backend = MemoryChannelsBackend()
    # A slow browser drops its oldest messages instead of holding memory or slowing the others.
    return LiveChannels(
        backend=backend,
        arbitrary_channels_allowed=True,
        subscriber_max_backlog=BACKLOG,
        subscriber_backlog_strategy="dropleft",
        subscriber_class=LiveSubscriber,
    )


def listener_state() -> str:
    """'listening' or 'lost' (PostgreSQL LISTEN connection), 'in-process' (memory), 'not started' (no app here)."""
    plugin = _plugin
    if plugin is None:
        return "not started"
    backend = plugin._backend
    if isinstance(backend, PostgresChannelsBackend):
        return "listening" if backend.listening() else "lost"
    return "in-process"
