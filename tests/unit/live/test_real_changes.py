"""Real changes through HTTP routes reach the vendor's open streams, across processes on PostgreSQL too."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from app.services.invoices.lifecycle import send_invoice
from app.sessions import CACHE_SECONDS
from tests.unit.fixtures import Session
from tests import factories
from tests.unit.live.conftest import browser_session, open_stream

HTMX = {"HX-Request": "true"}  # the list partial as the browser fetches it (without it: a redirect to the page)
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


async def sent_invoice(vendor_id: int) -> int:
    customer = await factories.customer(vendor_id)
    invoice_id = await factories.invoice(vendor_id, customer.id, issue_date="2026-01-05")
    await send_invoice(vendor_id, invoice_id, "manual")
    return invoice_id


async def mark_paid(session: Session, invoice_id: int, base_url: str | None = None):
    url = f"{base_url or ''}/invoices/{invoice_id}/mark-paid"
    return await session.post(url, {"paid_on": "2026-01-10", "method": "bank_transfer", "reference": "TX-1"})


async def test_marking_paid_reaches_every_stream_of_the_vendor_only(acme: Session, globex: Session, server_url: str):
    invoice_id, globex_invoice = await sent_invoice(acme.vendor_id), await sent_invoice(globex.vendor_id)
    async with open_stream(acme) as first, open_stream(acme, base_url=server_url) as second, \
            open_stream(globex) as other:
        response = await mark_paid(acme, invoice_id)
        assert response.is_success, response.text
        for stream in (first, second):
            assert (await stream.next_event()).event == f"invoice-changed-{invoice_id}"
            assert (await stream.next_event()).data == str(invoice_id)
        assert (await mark_paid(globex, globex_invoice)).is_success
        assert (await other.next_event()).event == f"invoice-changed-{globex_invoice}"


async def test_another_vendor_marking_paid_is_404_and_announces_nothing(acme: Session, globex: Session):
    invoice_id, own = await sent_invoice(acme.vendor_id), await sent_invoice(acme.vendor_id)
    async with open_stream(acme) as stream:
        refused = await mark_paid(globex, invoice_id)
        assert refused.status_code == 404, refused.text
        assert (await mark_paid(acme, own)).is_success
        # The first event is the vendor's own change: the refused attempt announced nothing.
        assert (await stream.next_event()).event == f"invoice-changed-{own}"


two_processes_only = pytest.mark.skipif(
    not POSTGRES, reason="PostgreSQL only: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test "
                         "(two uvicorn processes share events and ended sessions through LISTEN/NOTIFY)")


@pytest.fixture
async def two_processes(spawn_server) -> AsyncIterator[tuple[str, str, Session]]:
    """Two uvicorn processes on one database, and a vendor signed up through the first."""
    (first_url, _), (second_url, _) = spawn_server(), spawn_server()
    vendor = await browser_session(first_url, "Acme Ltd")
    yield first_url, second_url, vendor
    await vendor.client.aclose()


@two_processes_only
async def test_change_handled_by_one_process_reaches_a_stream_on_another(two_processes):
    _, second_url, vendor = two_processes
    invoice_id = await sent_invoice(vendor.vendor_id)
    paid_on_second = f"{second_url}/invoices/table?status=paid"
    assert f'id="invoice-{invoice_id}-row"' not in (await vendor.client.get(paid_on_second, headers=HTMX)).text  # now cached there
    async with open_stream(vendor, base_url=second_url) as stream:
        response = await mark_paid(vendor, invoice_id)  # handled by the first process
        assert response.is_success, response.text
        specific, generic = await stream.next_event(), await stream.next_event()
        # What the browser does on that event: re-fetch the list, here from the second process.
        assert f'id="invoice-{invoice_id}-row"' in (await vendor.client.get(paid_on_second, headers=HTMX)).text
    assert (specific.event, generic.event, generic.data) == (f"invoice-changed-{invoice_id}", "invoice-changed",
                                                              str(invoice_id))


@two_processes_only
async def test_logging_out_on_one_process_ends_the_session_on_another_within_moments(two_processes):
    first_url, second_url, vendor = two_processes
    cookie = {"payport_session": vendor.client.cookies.get("payport_session")}
    async with httpx.AsyncClient(base_url=second_url, cookies=cookie) as other_tab:
        assert (await other_tab.get("/invoices", follow_redirects=False)).status_code == 200  # kept in its cache
        logout = await vendor.post(f"{first_url}/logout", htmx=False, follow_redirects=False)
        assert logout.headers["location"] == "/login"
        # The same cookie on the other process: gone there too within moments (NOTIFY travels), well
        # before that process's session cache (CACHE_SECONDS) would have let it go.
        deadline = time.monotonic() + CACHE_SECONDS / 2
        while (await other_tab.get("/invoices", follow_redirects=False)).headers.get("location") != "/login":
            assert time.monotonic() < deadline, "the other process still serves the ended session"
            await asyncio.sleep(0.02)
