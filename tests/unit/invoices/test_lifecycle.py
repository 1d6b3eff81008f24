"""Lifecycle: forward-only transitions, mark as paid, void, overdue in the vendor's time zone, activity."""

from datetime import date, datetime, timezone

import pytest

from app.errors import NotAllowed
from app.services import clock
from app.services.invoices.lifecycle import mark_paid, send_invoice, void_invoice
from app.services.rows import display_status, get_activity, is_overdue
from app.tables.invoices import Invoice
from tests.unit.invoices import factories


@pytest.fixture
def frozen():
    clock.freeze(datetime(2026, 6, 15, 23, 30, tzinfo=timezone.utc))
    yield
    clock.freeze(None)


def test_overdue_is_judged_in_the_vendor_time_zone(frozen):
    # 23:30 UTC on June 15 is already June 16 in Tokyo and still June 15 in New York.
    due = date(2026, 6, 15)
    assert is_overdue("sent", due, "Asia/Tokyo")
    assert not is_overdue("sent", due, "America/New_York")
    assert not is_overdue("sent", None, "Asia/Tokyo")  # never without a due date
    assert not is_overdue("paid", date(2020, 1, 1), "UTC")
    assert not is_overdue("draft", date(2020, 1, 1), "UTC")
    assert display_status("sent", date(2026, 6, 1), "UTC") == "overdue"


async def test_send_mark_paid_and_activity(vendor, frozen):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-06-01")
    await send_invoice(vendor.vendor_id, invoice_id, "manual")
    paid = await mark_paid(vendor.vendor_id, invoice_id, date(2026, 6, 10), "bank_transfer", "TX-991")
    assert paid.status == "paid" and paid.amount_paid == paid.total == 20000
    assert paid.paid_reference == "TX-991" and paid.paid_at.date() == date(2026, 6, 10)
    kinds = [a["kind"] for a in await get_activity(vendor.vendor_id, invoice_id)]
    assert kinds == ["marked_paid", "sent", "created"]
    messages = [a["message"] for a in await get_activity(vendor.vendor_id, invoice_id)]
    assert messages[0] == "Marked as paid: $200.00 by bank transfer on Jun 10, 2026 (reference TX-991)."


async def test_transitions_only_move_forward(vendor, frozen):
    c = await factories.customer(vendor.vendor_id)
    draft_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-06-01")
    with pytest.raises(NotAllowed, match="draft"):
        await mark_paid(vendor.vendor_id, draft_id, date(2026, 6, 2), "cash")
    await send_invoice(vendor.vendor_id, draft_id, "manual")
    await mark_paid(vendor.vendor_id, draft_id, date(2026, 6, 2), "cash")
    for action in (lambda: void_invoice(vendor.vendor_id, draft_id, "Oops"),
                   lambda: send_invoice(vendor.vendor_id, draft_id, "manual"),
                   lambda: mark_paid(vendor.vendor_id, draft_id, date(2026, 6, 2), "cash")):
        with pytest.raises(NotAllowed, match="paid"):
            await action()
    assert (await Invoice.objects().get(Invoice.id == draft_id)).status == "paid"


async def test_mark_paid_rejects_bad_dates_and_changes_nothing(vendor, frozen):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-06-01")
    await send_invoice(vendor.vendor_id, invoice_id, "manual")
    with pytest.raises(NotAllowed, match="future"):
        await mark_paid(vendor.vendor_id, invoice_id, date(2026, 7, 1), "cash")
    with pytest.raises(NotAllowed, match="before the issue date"):
        await mark_paid(vendor.vendor_id, invoice_id, date(2026, 5, 1), "cash")
    assert (await Invoice.objects().get(Invoice.id == invoice_id)).status == "sent"


async def test_void_needs_a_reason(vendor):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id)
    with pytest.raises(NotAllowed, match="reason"):
        await void_invoice(vendor.vendor_id, invoice_id, "  ")
    voided = await void_invoice(vendor.vendor_id, invoice_id, "Duplicate")
    assert voided.status == "void" and voided.void_reason == "Duplicate"
