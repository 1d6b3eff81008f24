"""PostgreSQL LISTEN/NOTIFY fan-out that survives connection loss, so several processes share events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable, Iterable, Mapping

import asyncpg
from litestar.channels.backends.asyncpg import AsyncPgChannelsBackend

log = logging.getLogger(__name__)
RECONNECT_DELAYS = (0.2, 0.5, 1, 2, 5)
CONNECTION_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
# Every process listens here, browsers or not: each publish names its channel here first, so caches
# keyed on a vendor's data are dropped in every process before that vendor's browsers hear of it.
CHANGES_CHANNEL = "payport-changes"
# Ended sessions (logout, rotation at login), so no process keeps serving one from its cache.
SESSIONS_CHANNEL = "payport-sessions"


class _Publisher:
    """One reused NOTIFY connection and the lock that keeps its use one at a time."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.connection: asyncpg.Connection | None = None


class PostgresChannelsBackend(AsyncPgChannelsBackend):
    """Litestar's asyncpg backend with one reused publishing connection and a listener that reconnects.

    Litestar's version opens a connection per publish, and its publish worker dies on the first
    database error (every later announcement then waits forever, and so does shutdown); here a
    failed publish is logged and dropped. When the listening connection is lost, it comes back
    with every LISTEN, and each channel gets `resync_message` so browsers re-fetch what they missed.
    `process_wide` maps channels every process listens to, whatever its browsers, to a callback that gets each
    payload (None after a reconnect: messages may have been lost); CHANGES_CHANNEL's payload is the channel
    of every other publish.
    """

    def __init__(self, dsn: str, resync_message: bytes,
                 process_wide: Mapping[str, Callable[[str | None], None]] | None = None) -> None:
        super().__init__(dsn=dsn)
        self._resync_message = resync_message
        self._process_wide = dict(process_wide or {})
        # Per event loop: the same app may be started in several loops (test clients run one per thread),
        # and an asyncpg connection or asyncio lock must stay in the loop that made it.
        self._publishers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Publisher] = (
            weakref.WeakKeyDictionary())
        self._reconnecting: asyncio.Task | None = None
        self._stopping = False

    async def on_startup(self) -> None:
        self._stopping = False
        await super().on_startup()
        for channel in self._process_wide:
            await self._listener_conn.add_listener(channel, self._heard_process_wide)
        self._listener_conn.add_termination_listener(self._on_listener_lost)

    async def on_shutdown(self) -> None:
        self._stopping = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
        publisher = self._publishers.pop(asyncio.get_running_loop(), None)
        if publisher is not None and publisher.connection is not None:
            await publisher.connection.close()
        await super().on_shutdown()

    def listening(self) -> bool:
        """True while the LISTEN connection is open (False while it is lost and reconnecting)."""
        connection = getattr(self, "_listener_conn", None)
        return connection is not None and not connection.is_closed() and self._reconnecting is None

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        payload = data.decode("utf-8")
        publisher = self._publishers.setdefault(asyncio.get_running_loop(), _Publisher())
        async with publisher.lock:
            for attempt in range(2):
                try:
                    if publisher.connection is None or publisher.connection.is_closed():
                        publisher.connection = await self._connect()
                    for channel in channels:  # two statements: NOTIFYs arrive in commit order
                        if CHANGES_CHANNEL in self._process_wide and channel not in self._process_wide:
                            await publisher.connection.execute("SELECT pg_notify($1, $2)", CHANGES_CHANNEL, channel)
                        await publisher.connection.execute("SELECT pg_notify($1, $2)", channel, payload)
                    return
                except CONNECTION_ERRORS as exc:
                    publisher.connection = None
                    if attempt:
                        log.error("live update not published to %s: %s", list(channels), exc)

    async def subscribe(self, channels: Iterable[str]) -> None:
        async with self._listener_lock:
            for channel in set(channels) - self._subscribed_channels:
                self._subscribed_channels.add(channel)  # a reconnect LISTENs to it if this fails
                with contextlib.suppress(*CONNECTION_ERRORS):
                    await self._listener_conn.add_listener(channel, self._listener)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        async with self._listener_lock:
            for channel in set(channels) & self._subscribed_channels:
                self._subscribed_channels.discard(channel)
                with contextlib.suppress(*CONNECTION_ERRORS):
                    await self._listener_conn.remove_listener(channel, self._listener)

    def _heard_process_wide(self, connection: asyncpg.Connection, pid: int, channel: str, payload: object) -> None:
        self._process_wide[channel](str(payload))

    def _on_listener_lost(self, connection: asyncpg.Connection) -> None:
        if self._stopping or self._reconnecting is not None:
            return
        log.warning("live updates: lost the PostgreSQL listener connection, reconnecting")
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        attempt = 0
        try:
            while not self._stopping:
                await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
                attempt += 1
                try:
                    await self._listen_again()
                except CONNECTION_ERRORS as exc:
                    log.warning("live updates: listener reconnect failed (%s), retrying", exc)
                    continue
                log.info("live updates: listener reconnected")
                return
        finally:
            self._reconnecting = None

    async def _listen_again(self) -> None:
        async with self._listener_lock:
            connection = await self._connect()
            for channel in self._process_wide:
                await connection.add_listener(channel, self._heard_process_wide)
            for channel in list(self._subscribed_channels):
                await connection.add_listener(channel, self._listener)
            connection.add_termination_listener(self._on_listener_lost)
            self._listener_conn = connection
            channels = list(self._subscribed_channels)
        for callback in self._process_wide.values():
            callback(None)  # what was published while disconnected is unknown
        for channel in channels:
            self._queue.put_nowait((channel, self._resync_message))  # type: ignore[union-attr]
