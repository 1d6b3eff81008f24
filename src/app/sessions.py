"""Server-side sessions in the database, with the session id rotated at login."""

from __future__ import annotations

import json
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

from app.db import write_transaction
from app.live.announce import announce_session_ended
from app.live.listeners import on_session_end
from app.tables.sessions import SessionRecord

ROTATE_FLAG = "_rotate"
LOADED_KEY = "payport.session_loaded"
# An unchanged session is written back (to slide its expiry) at most this often, not on every request:
# a write per page view serialised SQLite writers and dominated list latency under load.
REFRESH_EVERY = timedelta(hours=1)
_loaded_expiry: ContextVar[datetime | None] = ContextVar("payport_session_expiry", default=None)


def _expiry(expires_in: int | timedelta | None) -> datetime | None:
    if expires_in is None:
        return None
    seconds = expires_in.total_seconds() if isinstance(expires_in, timedelta) else expires_in
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


# Sessions read in the last CACHE_SECONDS are served from memory: the lookup was a database read on every
# request. Writes and deletes in this process update it at once, and an ended session (logout, a new id at
# login) is announced to every process (app.live); other changes made elsewhere show within CACHE_SECONDS.
CACHE_SECONDS = 2.0
_recent: dict[str, tuple[float, dict[str, Any] | None]] = {}
# Bumped by every local write or delete: a read that raced a write must not cache what it read before it.
_writes: dict[str, int] = {}


def _forget(key: str) -> None:
    _recent.pop(key, None)
    _writes[key] = _writes.get(key, 0) + 1


def _ended(key: str | None) -> None:
    if key is None:
        _recent.clear()
    else:
        _forget(key)


on_session_end(_ended)


def _details(data: bytes) -> dict[Any, Any]:
    """Who and where, copied from the session data into columns so a person's sessions can be listed."""
    try:
        session = json.loads(data)
    except ValueError:
        return {}
    # A browser between the password and the second factor counts as that person's too, so a password reset
    # or "sign out everywhere" ends it as well.
    user_id = session.get("user_id", session.get("pending_user")) if isinstance(session, dict) else None
    if not isinstance(user_id, int):
        return {SessionRecord.user_id: None}
    return {SessionRecord.user_id: user_id,
            SessionRecord.user_agent: str(session.get("ua", ""))[:300],
            SessionRecord.address: str(session.get("ip", ""))[:64]}


# How often a session's "last seen" is written while it is in use.
SEEN_EVERY = timedelta(minutes=5)
_seen: dict[str, float] = {}


class DatabaseStore(Store):
    """A Litestar store backed by the session table, so every process sees the same sessions."""

    async def _read(self, key: str) -> dict[str, Any] | None:
        now = time.monotonic()
        cached = _recent.get(key)
        if cached and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        generation = _writes.get(key, 0)
        row = await SessionRecord.select(SessionRecord.data, SessionRecord.expires_at).where(
            SessionRecord.key == key
        ).first()
        if len(_recent) > 10_000:
            _recent.clear()
        if _writes.get(key, 0) == generation:
            _recent[key] = (now, row)
        return row

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        expires_at = _expiry(expires_in)
        now = datetime.now(timezone.utc)
        details = _details(data)
        _forget(key)
        updated = await SessionRecord.update(
            {SessionRecord.data: data, SessionRecord.expires_at: expires_at, SessionRecord.last_seen_at: now,
             **details}
        ).where(SessionRecord.key == key).returning(SessionRecord.id)
        if not updated:
            await SessionRecord.insert(SessionRecord(
                key=key, data=data, expires_at=expires_at, created_at=now, last_seen_at=now,
                **{column._meta.name: value for column, value in details.items()}))
        _forget(key)  # again: a read that overlapped the write may not keep what it saw

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        row = await self._read(key)
        if row is None:
            return None
        if row["expires_at"] and row["expires_at"] <= datetime.now(timezone.utc):
            await self.delete(key)
            return None
        _loaded_expiry.set(row["expires_at"])
        await self._seen_now(key)
        if renew_for is not None:
            _forget(key)
            await SessionRecord.update({SessionRecord.expires_at: _expiry(renew_for)}).where(
                SessionRecord.key == key
            )
            _forget(key)
        return bytes(row["data"])

    async def _seen_now(self, key: str) -> None:
        """Write "last seen" at most every SEEN_EVERY per session and process (not on every request)."""
        now = time.monotonic()
        if now - _seen.get(key, 0.0) < SEEN_EVERY.total_seconds():
            return
        if len(_seen) > 10_000:
            _seen.clear()
        _seen[key] = now
        async with write_transaction():
            await SessionRecord.update({SessionRecord.last_seen_at: datetime.now(timezone.utc)}).where(
                SessionRecord.key == key)

    async def delete(self, key: str) -> None:
        _forget(key)
        await SessionRecord.delete().where(SessionRecord.key == key)
        announce_session_ended(key)

    async def delete_all(self) -> None:
        _recent.clear()
        await SessionRecord.delete(force=True)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = await SessionRecord.select(SessionRecord.expires_at).where(SessionRecord.key == key).first()
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - datetime.now(timezone.utc)).total_seconds())


class RotatingSessionBackend(ServerSideSessionBackend):
    """Gives the session a fresh id when it carries the rotate flag (set at login)."""

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        if data:
            connection.scope[LOADED_KEY] = self.serialize_data(data, connection.scope)  # type: ignore[typeddict-unknown-key]
        return data

    def _unchanged(self, scope_session: ScopeSession, connection: ASGIConnection) -> bool:
        loaded = connection.scope.get(LOADED_KEY)
        if scope_session is Empty or not loaded or ROTATE_FLAG in scope_session:
            return False
        expires_at = _loaded_expiry.get()
        fresh = expires_at is None or expires_at - datetime.now(timezone.utc) > (
            timedelta(seconds=self.config.max_age) - REFRESH_EVERY)
        return fresh and self.serialize_data(scope_session, connection.scope) == loaded

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        if not scope_session and self.config.key not in connection.cookies:
            # No session came in and nothing goes out (webhooks, pay pages, the login form): Litestar would
            # still store an empty session under a new id, a row and two writes per request.
            return
        if self._unchanged(scope_session, connection):
            # The stored row already holds exactly this session: skip the write, send the cookie as always.
            params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
            session_id = self.get_session_id(connection)
            MutableScopeHeaders.from_message(message).add(
                "Set-Cookie", Cookie(value=session_id, key=self.config.key, **params).to_header(header=""))
            return
        if scope_session is Empty or not scope_session.pop(ROTATE_FLAG, False):
            await super().store_in_message(scope_session, message, connection)
            return
        store = self.config.get_store_from_app(connection.scope["app"])
        if old_id := connection.cookies.get(self.config.key):
            await self.delete(old_id, store=store)
        session_id = self.generate_session_id()
        await self.set(session_id=session_id, data=self.serialize_data(scope_session, connection.scope), store=store)
        params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        MutableScopeHeaders.from_message(message).add(
            "Set-Cookie", Cookie(value=session_id, key=self.config.key, **params).to_header(header="")
        )


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    """Server-side session config using the rotating backend."""

    _backend_class = RotatingSessionBackend  # type: ignore[assignment]


def login_session(user_id: int, vendor_id: int, connection: ASGIConnection | None = None) -> dict[str, Any]:
    """Session data for a fresh login; the flag makes the backend issue a new id.

    With the request, the browser and address are kept too, for the person's list of sessions.
    """
    data: dict[str, Any] = {"user_id": user_id, "vendor_id": vendor_id, ROTATE_FLAG: True}
    if connection is not None:
        data["ua"] = connection.headers.get("user-agent", "")[:300]
        data["ip"] = connection.client.host if connection.client else ""
    return data


def pending_session(user_id: int, vendor_id: int, email: str, enrol: bool,
                    connection: ASGIConnection | None = None) -> dict[str, Any]:
    """Between the password and the second factor: nobody is signed in yet (there is no user_id)."""
    data = login_session(user_id, vendor_id, connection)
    del data["user_id"], data["vendor_id"]
    return {**data, "pending_user": user_id, "pending_vendor": vendor_id, "pending_email": email,
            "pending_enrol": enrol}
