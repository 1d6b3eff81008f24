"""Property: over random lines and payment sequences in USD, JPY and KWD, the invoice's figures, its details page,
its PDF and the CSV export agree to the minor unit, and the balance is total - (payments - refunds)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pypdfium2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.money import decimals, format_money, to_major
from app.services import clock
from app.services.payments import refunds
from app.services.invoices.lifecycle import mark_paid, send_invoice
from app.services.invoices.totals import LineInput, compute_totals
from app.tables.invoices import Invoice
from app.tables.payments import Payment, Refund
from tests import factories

QUANTITIES = ["1", "2", "0.5", "1.25", "3.333", "12"]
RATES = ["0", "5", "8.25", "10", "20"]


def _price(minor: int, currency: str) -> str:
    return str(to_major(minor, currency))


lines = st.lists(
    st.tuples(st.sampled_from(QUANTITIES), st.integers(min_value=1, max_value=5_000_000), st.sampled_from(RATES)),
    min_size=1, max_size=6,
)
# Each step: pay a share of what is due (by hand), or refund a share of a payment's refundable part.
steps = st.lists(st.tuples(st.sampled_from(["pay", "refund"]), st.integers(min_value=1, max_value=100)), max_size=6)


async def _apply(vendor_id: int, invoice_id: int, plan: list[tuple[str, int]]) -> None:
    for n, (kind, share) in enumerate(plan):
        invoice = await Invoice.objects().get(Invoice.id == invoice_id)
        if kind == "pay" and invoice.amount_due > 0:
            amount = max(1, invoice.amount_due * share // 100)
            await mark_paid(vendor_id, invoice_id, date(2026, 6, 10), "bank_transfer", amount=amount)
        elif kind == "refund":
            payment = await Payment.objects().where(Payment.invoice == invoice_id).first()
            from app.services.balance import refundable

            left = await refundable(payment) if payment else 0
            if left > 0:
                await refunds.refund_payment(vendor_id, invoice_id, payment.id, max(1, left * share // 100),
                                             "requested_by_customer", "", f"prop-{invoice_id}-{n}")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(currency=st.sampled_from(["USD", "JPY", "KWD"]), drawn=lines, plan=steps)
async def test_invoice_pdf_and_csv_agree_to_the_minor_unit(vendor, currency, drawn, plan):
    clock.freeze(datetime(2026, 6, 15, 12, tzinfo=timezone.utc))
    try:
        v = vendor.vendor_id
        customer = await factories.customer(v, currency=currency)
        rows = [(f"Item {i}", q, _price(p, currency), r) for i, (q, p, r) in enumerate(drawn)]
        invoice_id = await factories.invoice(v, customer.id, issue_date="2026-06-01", currency=currency, lines=rows)
        await send_invoice(v, invoice_id, "manual")
        await _apply(v, invoice_id, plan)
        invoice = await Invoice.objects().get(Invoice.id == invoice_id)

        expected = compute_totals([LineInput("x", Decimal(q), p, Decimal(r)) for q, p, r in drawn])
        assert invoice.total == expected.total == invoice.subtotal + invoice.tax_total - invoice.discount_total
        paid = sum(p.amount for p in await Payment.objects().where(Payment.invoice == invoice_id))
        refunded = sum(r.amount for r in await Refund.objects().where(Refund.invoice == invoice_id))
        assert (invoice.amount_paid, invoice.amount_refunded) == (paid, refunded)
        assert invoice.amount_due == invoice.total - (paid - refunded) >= 0

        export = (await vendor.client.get("/invoices/export.csv")).text
        row = next(r for r in csv.DictReader(io.StringIO(export)) if r["Invoice id"] == str(invoice_id))
        places = Decimal(1).scaleb(-decimals(currency))
        assert Decimal(row["Total"]) == to_major(invoice.total, currency).quantize(places)
        assert Decimal(row["Amount paid"]) == to_major(paid - refunded, currency)
        assert Decimal(row["Refunded"]) == to_major(refunded, currency)
        assert Decimal(row["Amount due"]) == to_major(invoice.amount_due, currency)
        assert Decimal(row["Subtotal"]) + Decimal(row["Tax"]) - Decimal(row["Discount"]) == Decimal(row["Total"])

        pdf = (await vendor.client.get(f"/invoices/{invoice_id}/pdf")).content
        document = pypdfium2.PdfDocument(pdf)
        text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        for amount in (invoice.total, invoice.amount_due, *([paid] if paid else []), *([refunded] if refunded else [])):
            assert format_money(amount, currency) in text, (amount, text[-400:])

        details = (await vendor.client.get(f"/invoices/{invoice_id}/document", headers={"HX-Request": "true"})).text
        assert f'Amount due</dt><dd class="num due">{format_money(invoice.amount_due, currency)}' in details
    finally:
        clock.freeze(None)
