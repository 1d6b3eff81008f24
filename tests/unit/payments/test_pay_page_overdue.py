"""The customer's pay page says Overdue, with the due date, once the due date has passed."""

from datetime import timedelta

from app.services.clock import today_for
from app.services.payments.links import create_payment_link
from app.tables.invoices import Invoice
from tests.unit.payments.conftest import connect_vendor, make_invoice


async def _pay_page(vendor, other_client, sandbox, due_in_days: int):
    await connect_vendor(vendor.vendor_id, sandbox)
    invoice = await make_invoice(vendor.vendor_id)
    due = today_for("UTC") + timedelta(days=due_in_days)
    await Invoice.update({Invoice.due_date: due}).where(Invoice.id == invoice.id)
    link = await create_payment_link(vendor.vendor_id, invoice.id)
    return (await other_client.get(f"/pay/{link.token}")).text, due


async def test_overdue_invoice_says_overdue_with_its_due_date(vendor, other_client, sandbox):
    page, due = await _pay_page(vendor, other_client, sandbox, -3)
    assert '<span class="badge badge-overdue">Overdue</span>' in page
    assert "Awaiting payment" not in page
    assert "Overdue, was due on" in page and due.strftime("%b %-d, %Y") in page
    assert "Pay $125.00" in page  # still payable


async def test_invoice_not_yet_due_awaits_payment(vendor, other_client, sandbox):
    page, due = await _pay_page(vendor, other_client, sandbox, 5)
    assert "Awaiting payment" in page and "Overdue" not in page
    assert "Due date" in page and due.strftime("%b %-d, %Y") in page
