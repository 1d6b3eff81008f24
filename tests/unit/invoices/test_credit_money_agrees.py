"""Property: over random lines and sequences of payments and credit notes (by lines or amount, the excess
refunded or kept) in USD, JPY and KWD, the invoice, its credit notes, their PDFs and both CSVs agree to the
minor unit, and the balance is total - credits - (payments - refunds), never below 0."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timezone
from decimal import ROUND_DOWN, Decimal

import pypdfium2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.money import format_money, to_major
from app.services import clock
from app.services.invoices.credit_notes import CreditForm, CreditInvalid, issue_credit_note, lines_left
from app.services.invoices.lifecycle import mark_paid, send_invoice
from app.tables.credits import CreditNote, CustomerCredit
from app.tables.invoices import Invoice
from app.tables.payments import Payment, Refund
from tests import factories

QUANTITIES = ["1", "2", "0.5", "1.25", "3.333", "12"]
RATES = ["0", "5", "8.25", "10", "20"]
lines = st.lists(st.tuples(st.sampled_from(QUANTITIES), st.integers(min_value=1, max_value=2_000_000),
                           st.sampled_from(RATES)), min_size=1, max_size=5)
steps = st.lists(st.tuples(st.sampled_from(["pay", "lines", "amount"]), st.integers(min_value=1, max_value=100),
                           st.sampled_from(["refund", "keep"])), min_size=1, max_size=6)


def _text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


async def _step(vendor_id: int, invoice_id: int, kind: str, share: int, excess: str) -> None:
    invoice = await Invoice.objects().get(Invoice.id == invoice_id)
    form = CreditForm(mode="amount" if kind == "amount" else "lines", reason="Property", excess=excess,
                      request_key=uuid.uuid4().hex)
    if kind == "pay":
        if invoice.amount_due > 0:
            await mark_paid(vendor_id, invoice_id, date(2026, 6, 10), "bank_transfer",
                            amount=max(1, invoice.amount_due * share // 100))
        return
    if kind == "amount":
        left = invoice.total - sum(n.total for n in await CreditNote.objects().where(CreditNote.invoice == invoice_id))
        form.amount = str(to_major(max(1, left * share // 100), invoice.currency))
    else:
        for left in await lines_left(invoice):
            quantity = (left.quantity * share / 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
            form.quantities[left.line.id] = str(left.quantity if share == 100 else quantity)
    try:
        await issue_credit_note(vendor_id, invoice_id, form)
    except CreditInvalid as exc:  # nothing left to credit, or a share that rounds to nothing: refused, no change
        assert set(exc.errors) <= {"amount", "lines"}, exc.errors


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(currency=st.sampled_from(["USD", "JPY", "KWD"]), drawn=lines, plan=steps)
async def test_invoice_credit_notes_pdfs_and_csv_agree(vendor, currency, drawn, plan):
    clock.freeze(datetime(2026, 6, 15, 12, tzinfo=timezone.utc))
    try:
        v = vendor.vendor_id
        customer = await factories.customer(v, currency=currency)
        rows = [(f"Item {i}", q, str(to_major(p, currency)), r) for i, (q, p, r) in enumerate(drawn)]
        invoice_id = await factories.invoice(v, customer.id, issue_date="2026-06-01", currency=currency, lines=rows)
        await send_invoice(v, invoice_id, "manual")
        for kind, share, excess in plan:
            await _step(v, invoice_id, kind, share, excess)
        invoice = await Invoice.objects().get(Invoice.id == invoice_id)
        notes = await CreditNote.objects().where(CreditNote.invoice == invoice_id)
        kept = sum(c.amount for c in await CustomerCredit.objects().where(CustomerCredit.invoice == invoice_id))
        paid = sum(p.amount for p in await Payment.objects().where(Payment.invoice == invoice_id))
        refunded = sum(r.amount for r in await Refund.objects().where(Refund.invoice == invoice_id))
        issued = sum(n.total for n in notes)
        assert issued <= invoice.total
        assert invoice.amount_credited == issued - kept
        assert invoice.amount_due == invoice.total - invoice.amount_credited - (paid - refunded) >= 0
        assert kept + refunded == sum(n.amount_kept + n.amount_refunded for n in notes)
        assert sum(n.tax_total for n in notes) <= invoice.tax_total

        export = (await vendor.client.get("/invoices/export.csv")).text
        row = next(r for r in csv.DictReader(io.StringIO(export)) if r["Invoice id"] == str(invoice_id))
        assert Decimal(row["Credited"]) == to_major(invoice.amount_credited, currency)
        assert Decimal(row["Amount due"]) == to_major(invoice.amount_due, currency)
        notes_csv = {r["Credit note id"]: r for r in csv.DictReader(io.StringIO(
            (await vendor.client.get("/invoices/credit-notes/export.csv")).text))}
        for note in notes:
            assert note.total == note.subtotal - note.discount_total + note.tax_total
            line = notes_csv[str(note.id)]
            assert (Decimal(line["Total"]), Decimal(line["Tax"]), Decimal(line["Subtotal"])) == (
                to_major(note.total, currency), to_major(note.tax_total, currency), to_major(note.subtotal, currency))
            text = _text((await vendor.client.get(f"/invoices/credit-notes/{note.id}/pdf")).content)
            assert format_money(note.total, currency) in text and note.number in text
        if invoice.amount_credited:
            text = _text((await vendor.client.get(f"/invoices/{invoice_id}/pdf")).content)
            assert format_money(invoice.amount_credited, currency) in text
            assert format_money(invoice.amount_due, currency) in text
    finally:
        clock.freeze(None)
