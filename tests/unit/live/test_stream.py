"""GET /events against a real uvicorn server: what a vendor's browser receives, and what it must not."""

from __future__ import annotations

import asyncio

import httpx

from app.live import channels as live_channels
from app.live.announce import announce_invoice_changed, announce_vendor_changed
from app.live.channels import vendor_channel
from app.live.stream import HEARTBEAT_SECONDS
from tests.unit.fixtures import Session
from tests.unit.live.conftest import open_stream


async def test_anonymous_visitor_gets_no_stream(server_url: str):
    async with httpx.AsyncClient(base_url=server_url) as client:
        response = await client.get("/events")
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/login"


async def test_stream_is_uncached_event_stream_with_retry_hint(acme: Session):
    async with acme.client.stream("GET", "/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        first = await anext(response.aiter_lines())
        assert first == ": connected"


async def test_invoice_change_arrives_as_specific_and_generic_event(acme: Session):
    async with open_stream(acme) as stream:
        announce_invoice_changed(acme.vendor_id, 42)
        specific = await stream.next_event()
        generic = await stream.next_event()
    assert (specific.event, specific.data) == ("invoice-changed-42", "42")
    assert (generic.event, generic.data) == ("invoice-changed", "42")


async def test_vendor_wide_change_arrives_as_named_event(acme: Session):
    async with open_stream(acme) as stream:
        announce_vendor_changed(acme.vendor_id, "stripe")
        event = await stream.next_event()
    assert (event.event, event.data) == ("stripe-changed", "stripe")


async def test_every_open_browser_of_the_vendor_receives_the_change(acme: Session, server_url: str):
    async with open_stream(acme) as first, open_stream(acme, base_url=server_url) as second:
        announce_invoice_changed(acme.vendor_id, 7)
        received = [await first.next_event(), await second.next_event()]
    assert [event.event for event in received] == ["invoice-changed-7", "invoice-changed-7"]


async def test_another_vendor_receives_nothing(acme: Session, globex: Session):
    async with open_stream(acme) as acme_stream, open_stream(globex) as globex_stream:
        announce_invoice_changed(acme.vendor_id, 5)
        announce_vendor_changed(acme.vendor_id, "stripe")
        assert (await acme_stream.next_event()).event == "invoice-changed-5"
        # Globex's next event is its own marker: nothing of Acme's came before it.
        announce_invoice_changed(globex.vendor_id, 99)
        assert (await globex_stream.next_event()).event == "invoice-changed-99"


async def test_idle_stream_gets_heartbeat_comments(acme: Session, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.2)
    async with open_stream(acme) as stream:
        block = await stream.next_block(timeout=2)
    assert block.comments == ["keep-alive"] and block.event is None


async def test_heartbeat_is_every_15_seconds():
    assert HEARTBEAT_SECONDS == 15


async def test_leaving_browser_releases_its_subscription(acme: Session):
    channel = vendor_channel(acme.vendor_id)
    async with open_stream(acme):
        assert len(live_channels._plugin.streams) == 1
    for _ in range(200):
        if not live_channels._plugin.streams and not live_channels._plugin._channels.get(channel):
            break
        await asyncio.sleep(0.01)
    assert not live_channels._plugin.streams
    assert not live_channels._plugin._channels.get(channel)


async def test_bad_vendor_event_name_is_not_announced(acme: Session, caplog):
    async with open_stream(acme) as stream:
        announce_vendor_changed(acme.vendor_id, "stripe\nevent: invoice-changed-1")
        announce_vendor_changed(acme.vendor_id, "customers")
        event = await stream.next_event()
    assert event.event == "customers-changed"
    assert "not a valid event name" in caplog.text


async def test_announcing_inside_a_transaction_warns(acme: Session, caplog):
    from app.db import write_transaction

    async with open_stream(acme) as stream:
        async with write_transaction():
            announce_invoice_changed(acme.vendor_id, 12)
        assert (await stream.next_event()).event == "invoice-changed-12"
    assert "inside an open transaction" in caplog.text
