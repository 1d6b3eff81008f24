"""Live updates: one channel per vendor; changes are announced as small id-only messages."""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import random
import re
import signal
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from types import TracebackType

import anyio
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.subscriber import Subscriber
from litestar.response.sse import ServerSentEventMessage

from app.live.postgres import CHANGES_CHANNEL, SESSIONS_CHANNEL, PostgresChannelsBackend
from app.settings import Settings

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
BACKLOG = 100
EVENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
HEARTBEAT = ServerSentEventMessage(comment="keep-alive", data=None).encode()
# Sent when messages were dropped for a slow browser, or fan-out was interrupted: re-fetch what is visible.
RESYNC = ServerSentEventMessage(event="resync", data="").encode()
RESYNC_MESSAGE = json.dumps({"resync": True})

_plugin: LiveChannels | None = None
_change_listeners: list[Callable[[int | None], None]] = []
_session_listeners: list[Callable[[str | None], None]] = []


def vendor_channel(vendor_id: int) -> str:
    """The channel every open browser of this vendor listens on."""
    return f"vendor-{vendor_id}"


def on_vendor_change(listener: Callable[[int | None], None]) -> None:
    """Call listener(vendor_id) on every announcement, made here or (PostgreSQL) by another process.

    It runs before the announcement reaches any browser, so a cache dropped here is gone by the time
    the browser re-fetches. None means any vendor may have changed (announcements may have been lost).
    """
    _change_listeners.append(listener)


def _notify(listeners: list[Callable], value: object) -> None:
    # A cache listener failing must neither undo a committed change nor stop the other listeners.
    for listener in listeners:
        try:
            listener(value)
        except Exception:
            log.exception("listener %r failed for %r", listener, value)


def _changed(vendor_id: int | None) -> None:
    _notify(_change_listeners, vendor_id)


def on_session_end(listener: Callable[[str | None], None]) -> None:
    """Call listener(key) when a session ends in this process or (PostgreSQL) another; None: maybe any."""
    _session_listeners.append(listener)


def _session_ended(key: str | None) -> None:
    _notify(_session_listeners, key)


def announce_session_ended(key: str) -> None:
    """Tell every process that session `key` is gone (logout, a new id at login); call after the delete."""
    _session_ended(key)
    _send(key, SESSIONS_CHANNEL)


def _changed_channel(channel: str | None) -> None:
    """A change announced on `channel` by some process (None: the listener reconnected, messages may be lost)."""
    if channel is None:
        _changed(None)
    elif channel.startswith("vendor-") and channel[7:].isdigit():
        _changed(int(channel[7:]))


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
            process_wide={CHANGES_CHANNEL: _changed_channel, SESSIONS_CHANNEL: _session_ended})
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


def _retry_ms() -> int:
    # Spread reconnections after a restart so browsers do not all come back in the same instant.
    return random.randint(1000, 3000)


@functools.lru_cache(maxsize=1024)
def sse_events(raw: bytes) -> bytes:
    """The SSE events one channel message becomes in the browser, encoded once for all its streams."""
    message = json.loads(raw)
    if "invoice" in message:
        invoice_id = int(message["invoice"])
        return (ServerSentEventMessage(event=f"invoice-changed-{invoice_id}", data=invoice_id).encode()
                + ServerSentEventMessage(event="invoice-changed", data=invoice_id).encode())
    if "what" in message:
        return ServerSentEventMessage(event=f"{message['what']}-changed", data=message["what"]).encode()
    if message.get("resync"):
        return RESYNC
    return b""


class VendorStream:
    """One browser's stream of its vendor's changes, as encoded SSE chunks; `stop()` ends it."""

    def __init__(self, vendor_id: int) -> None:
        self.vendor_id = vendor_id
        self._subscriber: LiveSubscriber | None = None
        self._stopped = False

    def stop(self) -> None:
        """End the stream (the browser went away)."""
        self._stopped = True
        if self._subscriber is not None:
            self._subscriber.put_nowait(None)

    async def events(self) -> AsyncIterator[bytes]:
        """The chunks to send, until the browser leaves or the server stops."""
        plugin = _plugin
        if plugin is None or plugin.closing or self._stopped:
            yield ServerSentEventMessage(comment="closing", retry=_retry_ms(), data=None).encode()
            return
        channel = vendor_channel(self.vendor_id)
        subscriber: LiveSubscriber = await plugin.subscribe(channel)  # type: ignore[assignment]
        self._subscriber = subscriber
        plugin.streams.add(subscriber)
        try:
            # The first bytes confirm the subscription is in place (tests wait for them).
            yield ServerSentEventMessage(comment="connected", retry=_retry_ms(), data=None).encode()
            while not (self._stopped or plugin.closing):
                try:
                    raw = await subscriber.next_message(HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield HEARTBEAT
                    continue
                if raw is None:
                    return
                if subscriber.dropped:
                    subscriber.dropped = False
                    yield RESYNC
                if events := sse_events(raw):
                    yield events  # both events of an announcement in one write
        finally:
            plugin.streams.discard(subscriber)
            # Cancelled (server timeout) or not, the subscription must be released.
            with anyio.CancelScope(shield=True):
                await plugin.unsubscribe(subscriber, channel)


def _inside_transaction() -> bool:
    from app.db import engine

    try:
        return engine().current_transaction.get() is not None
    except Exception:  # no database configured: nothing to be inside of
        return False


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _publish(vendor_id: int, message: dict[str, object]) -> None:
    _changed(vendor_id)
    if _plugin is not None and _inside_transaction():
        # Browsers re-fetch at once; before the commit they would read the old state and stay stale.
        log.warning("announced %s inside an open transaction; announce after the commit", message)
    _send(json.dumps(message), vendor_channel(vendor_id))


def _send(data: str, channel: str) -> None:
    if _plugin is None:
        return  # no app running (CLI tools, some unit tests): nobody can be listening
    try:
        if _running_loop() is _plugin.loop:
            _plugin.publish(data, channels=[channel])
        else:  # another thread (a worker, a test client's loop): hand it to the app's loop
            _plugin.loop.call_soon_threadsafe(_plugin.publish, data, [channel])
    except Exception:  # an announcement must never undo a committed change
        log.exception("could not announce %s on %s", data, channel)


def announce_invoice_changed(vendor_id: int, invoice_id: int) -> None:
    """Tell the vendor's browsers that invoice `invoice_id` changed; call after commit."""
    _publish(vendor_id, {"invoice": int(invoice_id)})


def announce_vendor_changed(vendor_id: int, what: str) -> None:
    """Tell the vendor's browsers that vendor-wide state changed (e.g. 'stripe', 'customers'); call after commit."""
    if not EVENT_NAME.match(what):
        log.error("not announced: %r is not a valid event name (lowercase letters, digits, dashes)", what)
        return
    _publish(vendor_id, {"what": what})
