"""Invoice numbers: the vendor's pattern, given at the first send, unique and never reused, even under races."""

import asyncio

import pytest

from app.errors import NotAllowed
from app.services.invoices.lifecycle import send_invoice, void_invoice
from app.services.numbering import format_number, pattern_error
from app.tables.invoices import Invoice
from app.tables.vendors import Vendor
from tests.unit.invoices import factories


def test_pattern_formats_and_checks():
    assert format_number("{prefix}{year}-{seq}", "INV-", 4, 1, 2026) == "INV-2026-0001"
    assert format_number("{seq}", "", 1, 12345, 2026) == "12345"
    assert pattern_error("{prefix}{year}") == "The pattern must contain {seq} so every number is different."
    assert "Unknown placeholder {month}" in pattern_error("{month}-{seq}")
    assert pattern_error("{prefix}-{seq") is not None


async def test_draft_has_no_number_until_first_send(vendor):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-03-01")
    assert (await Invoice.objects().get(Invoice.id == invoice_id)).number is None
    sent = await send_invoice(vendor.vendor_id, invoice_id, "manual")
    assert sent.number == "INV-2026-0001" and sent.status == "sent" and sent.sent_method == "manual"
    again = await send_invoice(vendor.vendor_id, invoice_id, "manual")
    assert again.number == "INV-2026-0001"  # a resend keeps the number


async def test_void_numbers_are_never_reused(vendor):
    c = await factories.customer(vendor.vendor_id)
    first = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-03-01")
    await send_invoice(vendor.vendor_id, first, "manual")
    await void_invoice(vendor.vendor_id, first, "Issued in error")
    second = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-03-02")
    assert (await send_invoice(vendor.vendor_id, second, "manual")).number == "INV-2026-0002"


async def test_changed_pattern_never_reproduces_an_existing_number(vendor):
    c = await factories.customer(vendor.vendor_id)
    first = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-03-01")
    await send_invoice(vendor.vendor_id, first, "manual")
    # Resetting the counter would hand out INV-2026-0001 again: it is skipped instead.
    await Vendor.update({Vendor.next_invoice_seq: 1}).where(Vendor.id == vendor.vendor_id)
    second = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-03-01")
    assert (await send_invoice(vendor.vendor_id, second, "manual")).number == "INV-2026-0002"


async def test_concurrent_sends_get_distinct_consecutive_numbers(vendor):
    c = await factories.customer(vendor.vendor_id)
    ids = [await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-05-01") for _ in range(12)]
    sent = await asyncio.gather(*(send_invoice(vendor.vendor_id, i, "manual") for i in ids))
    numbers = sorted(s.number for s in sent)
    assert numbers == [f"INV-2026-{n:04d}" for n in range(1, 13)]


async def test_the_same_draft_sent_concurrently_takes_one_number(vendor):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-05-01")
    results = await asyncio.gather(*(send_invoice(vendor.vendor_id, invoice_id, "manual") for _ in range(6)))
    assert {r.number for r in results} == {"INV-2026-0001"}
    vendor_row = await Vendor.objects().get(Vendor.id == vendor.vendor_id)
    assert vendor_row.next_invoice_seq == 2  # exactly one number consumed


async def test_numbering_is_per_vendor(vendor, other_vendor):
    for session in (vendor, other_vendor):
        c = await factories.customer(session.vendor_id)
        invoice_id = await factories.invoice(session.vendor_id, c.id, issue_date="2026-01-10")
        assert (await send_invoice(session.vendor_id, invoice_id, "manual")).number == "INV-2026-0001"


async def test_stripe_method_is_refused_until_stripe_is_ready(vendor):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id)
    with pytest.raises(NotAllowed, match="Connect Stripe in Settings"):
        await send_invoice(vendor.vendor_id, invoice_id, "stripe")
    assert (await Invoice.objects().get(Invoice.id == invoice_id)).status == "draft"
