"""PostgreSQL LISTEN/NOTIFY: events cross processes, and survive a lost listener connection."""

from __future__ import annotations

import os

import asyncpg
import pytest

from app.live.announce import announce_invoice_changed
from app.settings import get_settings
from tests.unit.fixtures import Session
from tests.unit.live.conftest import browser_session, open_stream

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="PostgreSQL only: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test "
           "(cross-process fan-out needs LISTEN/NOTIFY; SQLite runs one process)",
)


async def test_change_in_one_process_reaches_a_stream_on_another(acme: Session, spawn_server):
    other_url, _ = spawn_server()  # a second uvicorn process on the same database
    async with open_stream(acme, base_url=other_url) as stream:
        announce_invoice_changed(acme.vendor_id, 31)  # handled by this process's server
        specific = await stream.next_event()
        generic = await stream.next_event()
    assert (specific.event, specific.data) == ("invoice-changed-31", "31")
    assert (generic.event, generic.data) == ("invoice-changed", "31")


async def test_other_process_delivers_nothing_to_another_vendor(acme: Session, spawn_server):
    other_url, _ = spawn_server()
    globex = await browser_session(other_url, "Globex Corp")
    async with open_stream(globex, base_url=other_url) as stream:
        announce_invoice_changed(acme.vendor_id, 31)
        announce_invoice_changed(globex.vendor_id, 77)
        assert (await stream.next_event()).event == "invoice-changed-77"
    await globex.client.aclose()


async def test_lost_listener_reconnects_and_browsers_resync(acme: Session):
    async with open_stream(acme) as stream:
        connection = await asyncpg.connect(get_settings().database_url)
        try:
            killed = await connection.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query ILIKE 'LISTEN%'"
            )
        finally:
            await connection.close()
        assert killed >= 1
        assert (await stream.next_event(timeout=10)).event == "resync"
        announce_invoice_changed(acme.vendor_id, 8)
        assert (await stream.next_event()).event == "invoice-changed-8"
