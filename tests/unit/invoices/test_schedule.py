"""Payment schedules: exact percent splits, payments applied in order, Overdue by instalment, the form's errors."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from app.services import clock
from app.services.instalments import Part, covered, split
from app.services.invoices.editor import check_draft, update_invoice
from app.services.invoices.lifecycle import delete_payment, mark_paid, send_invoice
from app.tables.invoices import Instalment, Invoice
from app.tables.payments import Payment
from app.tables.vendors import Vendor
from tests import factories


@pytest.fixture
def frozen():
    # 2026-06-10 20:00 UTC is already Jun 11 in Tokyo: the vendor's zone decides what is overdue.
    clock.freeze(datetime(2026, 6, 10, 20, tzinfo=timezone.utc))
    yield
    clock.freeze(None)


async def _sent(vendor, price: str, currency: str = "USD") -> int:
    c = await factories.customer(vendor.vendor_id, currency=currency)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-06-01", currency=currency,
                                         terms="custom", due_date="2026-07-31", lines=[("Work", "1", price, "0")])
    await send_invoice(vendor.vendor_id, invoice_id, "manual")
    return invoice_id


def _form(*rows: tuple[str, str, str]) -> dict[str, str]:
    data: dict[str, str] = {}
    for i, (day, kind, value) in enumerate(rows):
        data.update({f"date_{i}": day, f"kind_{i}": kind, f"value_{i}": value})
    return data


async def _row(invoice_id: int) -> Invoice:
    return await Invoice.objects().get(Invoice.id == invoice_id)


@pytest.mark.parametrize(("total", "currency"), [(10_000, "USD"), (1_000, "JPY"), (100_001, "KWD")])
def test_percent_splits_sum_to_the_total_exactly(total, currency):
    thirds = [Part(date(2026, 6, d), percent=Decimal("33.3333")) for d in (1, 2)] + [
        Part(date(2026, 6, 3), percent=Decimal("33.3334"))]
    amounts = split(total, thirds)
    assert sum(amounts) == total
    assert amounts[0] == amounts[1] == int((Decimal(total) * Decimal("0.333333") + Decimal("0.5")) // 1)
    twelve = split(total, [Part(date(2026, 1, 1 + i), percent=Decimal(100) / 12) for i in range(12)])
    assert sum(twelve) == total and max(twelve) - min(twelve) <= 12


def test_payments_are_applied_in_order():
    assert covered([300, 300, 400], 450) == [300, 150, 0]
    assert covered([300, 300, 400], 1000) == [300, 300, 400]
    assert covered([300, 300, 400], 0) == [0, 0, 0]


async def test_a_deposit_schedule_asks_for_the_deposit_then_the_rest(vendor, frozen):
    invoice_id = await _sent(vendor, "1000.00")
    form = (await vendor.client.get(f"/invoices/{invoice_id}/schedule/edit?deposit=30",
                                    headers={"HX-Request": "true"})).text
    assert 'value="2026-06-10"' in form and 'value="2026-07-31"' in form and 'value="70"' in form
    saved = await vendor.post(f"/invoices/{invoice_id}/schedule", _form(("2026-06-10", "percent", "30"),
                                                                        ("2026-07-31", "percent", "70")))
    assert saved.status_code == 200 and "$300.00" in saved.text and "$700.00" in saved.text
    row = await _row(invoice_id)
    assert (row.next_due_date, row.next_due_amount) == (date(2026, 6, 10), 30_000)
    await mark_paid(vendor.vendor_id, invoice_id, date(2026, 6, 10), "cash", amount=20_000)
    row = await _row(invoice_id)
    assert (row.next_due_date, row.next_due_amount, row.amount_due) == (date(2026, 6, 10), 10_000, 80_000)
    panel = (await vendor.client.get(f"/invoices/{invoice_id}/schedule", headers={"HX-Request": "true"})).text
    assert "Partly paid" in panel and "$200.00 paid" in panel


async def test_an_instalment_past_its_date_makes_the_invoice_overdue(vendor, frozen):
    await Vendor.update({Vendor.timezone: "Asia/Tokyo"}).where(Vendor.id == vendor.vendor_id)
    invoice_id = await _sent(vendor, "900.00")
    await vendor.post(f"/invoices/{invoice_id}/schedule", _form(("2026-06-10", "amount", "300"),
                                                                ("2026-06-20", "amount", "300"),
                                                                ("2026-07-31", "amount", "300")))
    # In Tokyo it is Jun 11: the first instalment is a day late although the invoice is due Jul 31.
    overdue = (await vendor.client.get("/invoices/table?status=overdue", headers={"HX-Request": "true"})).text
    assert f"/invoices/{invoice_id}" in overdue
    panel = (await vendor.client.get(f"/invoices/{invoice_id}/schedule", headers={"HX-Request": "true"})).text
    assert 'data-testid="instalment-1-status">Overdue' in panel and 'data-testid="instalment-2-status">Due' in panel
    payment = await mark_paid(vendor.vendor_id, invoice_id, date(2026, 6, 11), "cash", amount=30_000)
    assert payment.next_due_date == date(2026, 6, 20)
    overdue = (await vendor.client.get("/invoices/table?status=overdue", headers={"HX-Request": "true"})).text
    assert f"/invoices/{invoice_id}" not in overdue
    # Deleting the payment moves the first instalment (and the invoice) back to overdue.
    paid = await Payment.objects().where(Payment.invoice == invoice_id).first()
    await delete_payment(vendor.vendor_id, invoice_id, paid.id, "Entered twice")
    row = await _row(invoice_id)
    assert (row.status, row.next_due_date, row.next_due_amount) == ("sent", date(2026, 6, 10), 30_000)
    panel = (await vendor.client.get(f"/invoices/{invoice_id}/schedule", headers={"HX-Request": "true"})).text
    assert 'data-testid="instalment-1-status">Overdue' in panel


async def test_deleting_a_manual_payment_moves_instalments_back(vendor, frozen):
    invoice_id = await _sent(vendor, "1000", currency="JPY")
    await vendor.post(f"/invoices/{invoice_id}/schedule", _form(("2026-06-15", "percent", "33.3333"),
                                                                ("2026-06-30", "percent", "33.3333"),
                                                                ("2026-07-31", "percent", "33.3334")))
    amounts = [r.amount for r in await Instalment.objects().where(Instalment.invoice == invoice_id)
               .order_by(Instalment.position)]
    assert amounts == [333, 333, 334]
    await mark_paid(vendor.vendor_id, invoice_id, date(2026, 6, 10), "cash", amount=666)
    row = await _row(invoice_id)
    assert (row.next_due_date, row.next_due_amount) == (date(2026, 7, 31), 334)
    payment = await Payment.objects().where(Payment.invoice == invoice_id).first()
    await delete_payment(vendor.vendor_id, invoice_id, payment.id, "Bounced")
    row = await _row(invoice_id)
    assert (row.status, row.next_due_date, row.next_due_amount) == ("sent", date(2026, 6, 15), 333)


async def test_a_schedule_that_does_not_add_up_shows_errors_in_place(vendor, frozen):
    invoice_id = await _sent(vendor, "100.000", currency="KWD")
    short = await vendor.post(f"/invoices/{invoice_id}/schedule", _form(("2026-06-10", "amount", "40.000"),
                                                                        ("2026-06-20", "amount", "50.000")))
    assert short.status_code == 422
    assert "add up to KWD" in short.text and "invoice total, KWD" in short.text
    backwards = await vendor.post(f"/invoices/{invoice_id}/schedule", _form(("2026-06-20", "percent", "50"),
                                                                            ("2026-06-10", "percent", "50")))
    assert backwards.status_code == 422 and "after the one before" in backwards.text
    early = await vendor.post(f"/invoices/{invoice_id}/schedule", _form(("2026-05-01", "percent", "50"),
                                                                        ("2026-06-10", "percent", "150")))
    assert early.status_code == 422 and "Not before the invoice date" in early.text and "at most 100" in early.text
    one = await vendor.post(f"/invoices/{invoice_id}/schedule", _form(("2026-06-10", "percent", "100")))
    assert one.status_code == 422 and "2 to 12" in one.text
    assert await Instalment.count().where(Instalment.invoice == invoice_id) == 0
    row = await _row(invoice_id)
    assert row.next_due_date is None
    ok = await vendor.post(f"/invoices/{invoice_id}/schedule", _form(("2026-06-10", "percent", "33.3333"),
                                                                     ("2026-06-20", "percent", "66.6667")))
    assert ok.status_code == 200
    amounts = [r.amount for r in await Instalment.objects().where(Instalment.invoice == invoice_id)
               .order_by(Instalment.position)]
    assert amounts == [33_333, 66_667]


async def test_another_vendors_schedule_is_not_found(vendor, other_vendor, frozen):
    invoice_id = await _sent(vendor, "100.00")
    answer = await other_vendor.post(f"/invoices/{invoice_id}/schedule", _form(("2026-06-10", "percent", "50"),
                                                                                ("2026-06-20", "percent", "50")))
    assert answer.status_code == 404
    assert await Instalment.count().where(Instalment.invoice == invoice_id) == 0


async def test_a_new_total_on_a_draft_drops_its_schedule(vendor, frozen):
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-06-01",
                                         lines=[("Work", "1", "100.00", "0")])
    await vendor.post(f"/invoices/{invoice_id}/schedule", _form(("2026-06-10", "percent", "50"),
                                                                ("2026-06-20", "percent", "50")))
    assert (await _row(invoice_id)).next_due_amount == 5_000
    clean = await check_draft(vendor.vendor_id, "UTC", factories.draft(c.id, [("Work", "1", "120.00", "0")],
                                                                       issue_date="2026-06-01"))
    await update_invoice(vendor.vendor_id, invoice_id, clean)
    row = await _row(invoice_id)
    assert await Instalment.count().where(Instalment.invoice == invoice_id) == 0
    assert (row.total, row.next_due_date, row.next_due_amount) == (12_000, None, 0)
