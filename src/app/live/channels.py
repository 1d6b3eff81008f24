"""The channels plugin and its backends: memory on SQLite, Postgres LISTEN/NOTIFY across processes."""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import signal
import threading
from types import TracebackType

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend

from app.live.encoding import sse_events
from app.live.listeners import changed_channel, session_ended
from app.live.postgres import CHANGES_CHANNEL, SESSIONS_CHANNEL, PostgresChannelsBackend
from app.live.writer import StreamWriter
from app.settings import Settings

log = logging.getLogger(__name__)
RESYNC_MESSAGE = json.dumps({"resync": True})

_plugin: LiveChannels | None = None


def current() -> LiveChannels | None:
    """The running app's plugin, or None (CLI tools, some unit tests: nobody can be listening)."""
    return _plugin


def vendor_channel(vendor_id: int) -> str:
    """The channel every open browser of this vendor listens on."""
    return f"vendor-{vendor_id}"


class LiveChannels(ChannelsPlugin):
    """The channels plugin: its backend carries announcements between processes; the open streams are ours.

    Litestar's subscribers each hold a queue read by a task per stream; here each vendor channel holds the
    writers of its open streams, and an announcement is encoded once and written to each of them in turn.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._channels: dict[str, set[StreamWriter]] = {}  # type: ignore[assignment]
        self.streams: set[StreamWriter] = set()
        self.closing = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.heartbeats: asyncio.Task | None = None
        self._listening: set[str] = set()
        self._listen_lock = asyncio.Lock()
        self._chained: dict[int, object] = {}

    async def attach(self, writer: StreamWriter, channel: str) -> None:
        """Write the channel's announcements to `writer` from now on (once this returns, it listens)."""
        self._channels.setdefault(channel, set()).add(writer)
        self.streams.add(writer)
        await self._listen_as_needed(channel)

    async def detach(self, writer: StreamWriter, channel: str) -> None:
        """Stop writing to `writer`; the last stream of a channel in this process stops listening to it."""
        self.streams.discard(writer)
        writers = self._channels.get(channel)
        if writers is not None:
            writers.discard(writer)
            if not writers:
                del self._channels[channel]  # vendors come and go: no empty entry stays behind
        await self._listen_as_needed(channel)

    async def _listen_as_needed(self, channel: str) -> None:
        # One at a time and from the registry's state, so a stream arriving while the previous last one
        # leaves is never left with the channel unlistened.
        async with self._listen_lock:
            wanted = bool(self._channels.get(channel))
            if wanted and channel not in self._listening:
                await self._backend.subscribe([channel])
                self._listening.add(channel)
            elif not wanted and channel in self._listening:
                self._listening.discard(channel)
                await self._backend.unsubscribe([channel])

    async def _sub_worker(self) -> None:
        async for channel, payload in self._backend.stream_events():
            writers = self._channels.get(channel)
            if not writers:
                continue
            try:
                chunk = sse_events(payload)
            except ValueError:
                log.error("live update not understood on %s: %r", channel, payload)
                continue
            for writer in tuple(writers):
                writer.write(chunk)

    async def __aenter__(self) -> LiveChannels:
        global _plugin
        await super().__aenter__()
        _freeze_startup_heap()
        self.closing = False
        self._listening = set()
        self._listen_lock = asyncio.Lock()  # of this loop: the app may be started again in another
        self.loop = asyncio.get_running_loop()
        self._chain_exit_signals()
        _plugin = self
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        global _plugin
        self.end_streams()
        if self.heartbeats is not None:
            self.heartbeats.cancel()
            self.heartbeats = None
        self._restore_exit_signals()
        if _plugin is self:
            _plugin = None
        await super().__aexit__(exc_type, exc, tb)

    def end_streams(self) -> None:
        """Make every open stream return now, and new ones return at once (the server is stopping)."""
        self.closing = True
        for writer in list(self.streams):
            writer.end()

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
    return LiveChannels(backend=backend, arbitrary_channels_allowed=True)


def listener_state() -> str:
    """'listening' or 'lost' (PostgreSQL LISTEN connection), 'in-process' (memory), 'not started' (no app here)."""
    plugin = _plugin
    if plugin is None:
        return "not started"
    backend = plugin._backend
    if isinstance(backend, PostgresChannelsBackend):
        return "listening" if backend.listening() else "lost"
    return "in-process"
