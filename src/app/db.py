"""Database helpers shared by every service: the engine, write transactions, start-up pragmas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
import aiosqlite
import asyncpg
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

# Piccolo opens a connection per query; concurrent SQLite writers then fail with
# "database is locked" even in WAL mode, so writes in one process queue on this lock.
_sqlite_write_lock = asyncio.Lock()


class PooledReadsSQLiteEngine(SQLiteEngine):
    """SQLite with plain reads on a few long-lived connections, and write transactions on one more.

    Piccolo opens a new connection (and thread) per query, about 1 ms each; a list page with its session
    and user lookups made six. Reads outside a transaction need no connection of their own: in WAL mode
    each SELECT sees the latest commit. write_transaction() holds the process's write lock, so its
    transactions take turns on one long-lived connection (measured: 0.6 ms instead of 2.9 ms for a
    two-row transaction). Other writes keep Piccolo's own path.
    """

    def __init__(self, *args, read_connections: int = 4, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # One small pool per event loop: tests drive the app from a second loop.
        self._readers: dict[asyncio.AbstractEventLoop, asyncio.Queue] = {}
        self._read_connections = read_connections
        self._writers: dict[asyncio.AbstractEventLoop, aiosqlite.Connection] = {}

    async def _open(self) -> aiosqlite.Connection:
        connection = aiosqlite.connect(**self.connection_kwargs)
        connection._thread.daemon = True  # never keeps the process alive at exit
        await connection
        connection.row_factory = dict_factory
        return connection

    async def writer(self) -> aiosqlite.Connection:
        """This loop's write connection; only for the holder of the write lock."""
        loop = asyncio.get_running_loop()
        connection = self._writers.get(loop)
        if connection is not None and connection.in_transaction:
            await self.discard_writer()  # a cancelled transaction never finished: start clean
            connection = None
        if connection is None:
            connection = self._writers[loop] = await self._open()
            await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    async def discard_writer(self) -> None:
        """Close this loop's write connection (rolling back whatever it left open)."""
        connection = self._writers.pop(asyncio.get_running_loop(), None)
        if connection is not None:
            await connection.close()

    async def _reader_pool(self) -> asyncio.Queue:
        loop = asyncio.get_running_loop()
        pool = self._readers.get(loop)
        if pool is None:
            pool = self._readers[loop] = asyncio.Queue()
            for _ in range(self._read_connections):
                pool.put_nowait(await self._open())
        return pool

    async def close_readers(self) -> None:
        """Close this event loop's read and write connections (at app shutdown)."""
        pool = self._readers.pop(asyncio.get_running_loop(), None)
        while pool is not None and not pool.empty():
            await pool.get_nowait().close()
        await self.discard_writer()

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        if query[:6].upper() != "SELECT":  # Piccolo tags most queries "generic": look at the SQL itself
            return await super()._run_in_new_connection(query, args, query_type, table)
        pool = await self._reader_pool()
        connection = await pool.get()
        try:
            async with connection.execute(query, args or []) as cursor:
                return await cursor.fetchall()
        finally:
            pool.put_nowait(connection)


class _WriterTransaction(SQLiteTransaction):
    """An immediate transaction on the engine's long-lived write connection, which it leaves open."""

    async def get_connection(self) -> aiosqlite.Connection:
        return await self.engine.writer()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        try:
            if exception is not None and not self._rolled_back:
                await self.rollback()
            elif exception is None and not (self._committed or self._rolled_back):
                await self.commit()
        except BaseException:
            await self.engine.discard_writer()  # closing rolls back what the failed COMMIT left
            raise
        finally:
            self.engine.current_transaction.reset(self.context)
        return exception is None


def engine() -> Engine:
    """The configured Piccolo engine."""
    found = engine_finder()
    assert found is not None, "piccolo_conf did not define DB"
    return found


def is_sqlite() -> bool:
    """True when running on the embedded SQLite engine."""
    return isinstance(engine(), SQLiteEngine)


_after_commit: ContextVar[dict[Hashable, Callable[[], None]] | None] = ContextVar("after_commit", default=None)


def after_commit(key: Hashable, callback: Callable[[], None]) -> None:
    """Run `callback` once the current write transaction commits (at once outside one); a rollback drops it.

    Callbacks with the same key run once per commit.
    """
    pending = _after_commit.get()
    if pending is None:
        callback()
    else:
        pending.setdefault(key, callback)


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for read-then-write work: immediate and serialised on SQLite."""
    db = engine()
    if db.current_transaction.get() is not None:
        # Already inside a write transaction: join it (the lock is not re-entrant).
        yield
        return
    pending: dict[Hashable, Callable[[], None]] = {}
    token = _after_commit.set(pending)
    try:
        async with _open_write_transaction(db):
            yield
    finally:
        _after_commit.reset(token)
    for callback in pending.values():
        callback()


@asynccontextmanager
async def _open_write_transaction(db: Engine) -> AsyncIterator[None]:
    if not isinstance(db, SQLiteEngine):
        async with db.transaction():
            yield
        return
    async with _sqlite_write_lock:
        if isinstance(db, PooledReadsSQLiteEngine):
            async with _WriterTransaction(db, transaction_type=TransactionType.immediate):
                yield
            return
        txn = db.transaction(transaction_type=TransactionType.immediate)
        try:
            async with txn:
                yield
        finally:
            # Piccolo 1.38 can leave the connection open when BEGIN/COMMIT fails.
            connection = getattr(txn, "connection", None)
            if connection is not None:
                await connection.close()


async def prepare_database() -> None:
    """Per-database settings that must hold before serving (WAL on SQLite)."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        await db.run_ddl("PRAGMA journal_mode=WAL")


class PooledPostgresEngine(PostgresEngine):
    """PostgreSQL whose pool serves only the event loop that opened it (tests drive the app from another)."""

    @property
    def pool(self):  # type: ignore[override]
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return self.__dict__.setdefault("_pools", {}).get(current)

    @pool.setter
    def pool(self, value) -> None:
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            return  # Piccolo's __init__ sets None outside any loop
        pools = self.__dict__.setdefault("_pools", {})
        if value is None:
            pools.pop(current, None)
        else:
            pools[current] = value

    async def start_connection_pool(self, **kwargs) -> None:
        pool = await asyncpg.create_pool(**{**self.config, **kwargs})
        self.pool = pool  # recorded for this loop only, once it exists


async def open_pool() -> None:
    """PostgreSQL: serve queries from a connection pool (Piccolo connects per query without one)."""
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is None:
        await db.start_connection_pool(min_size=2, max_size=10)


async def close_pool() -> None:
    """Close the PostgreSQL pool or this loop's SQLite read connections at shutdown."""
    db = engine()
    if isinstance(db, PooledReadsSQLiteEngine):
        await db.close_readers()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()
