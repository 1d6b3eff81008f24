"""Credit notes never credit more tax than the invoice charged nor more than its total, whatever the mix of
by-amount notes (which store no lines) and by-lines notes; quantities credited in parts add up exactly on SQLite
(whose SUM of a numeric column is a float) as on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.money import to_major
from app.services import clock
from app.services.invoices.credit_notes import CreditForm, CreditInvalid, issue_credit_note, lines_left
from app.tables.credits import CreditNote, CreditNoteLine
from app.tables.invoices import Invoice, InvoiceLine
from tests import factories
from tests.factories import Line


@pytest.fixture(autouse=True)
def frozen_day():
    clock.freeze(datetime(2026, 6, 15, 12, tzinfo=timezone.utc))
    yield
    clock.freeze(None)


def _form(mode: str = "lines", **values) -> CreditForm:
    return CreditForm(mode=mode, reason="Returned", request_key=uuid.uuid4().hex, **values)


async def _sent(vendor_id: int, lines: list[Line]) -> Invoice:
    customer = await factories.insert_customer(vendor_id, "Pat Customer", "pat@example.com")
    return await factories.insert_invoice(vendor_id, customer.id, lines, status="sent", issue_date=date(2026, 6, 1),
                                          number=f"INV-{uuid.uuid4().hex[:6]}", sent_method="manual")


async def _line_ids(invoice_id: int) -> list[int]:
    rows = await InvoiceLine.select(InvoiceLine.id).where(InvoiceLine.invoice == invoice_id).order_by(
        InvoiceLine.position)
    return [row["id"] for row in rows]


async def _credited(invoice_id: int) -> tuple[int, int]:
    notes = await CreditNote.objects().where(CreditNote.invoice == invoice_id)
    return sum(n.tax_total for n in notes), sum(n.total for n in notes)


async def test_by_lines_after_by_amount_credits_no_more_tax_than_the_invoice(vendor):
    # A: 100.00 at 20% (tax 20.00), B: 100.00 at 0%: total 220.00, tax 20.00.
    invoice = await _sent(vendor.vendor_id, [Line("A", 1, 10_000, 20), Line("B", 1, 10_000, 0)])
    a, _ = await _line_ids(invoice.id)
    by_amount = await issue_credit_note(vendor.vendor_id, invoice.id, _form("amount", amount="110"))
    assert (by_amount.subtotal, by_amount.tax_total) == (10_000, 1_000)
    half = await issue_credit_note(vendor.vendor_id, invoice.id, _form(quantities={a: "0.5"}))
    assert (half.subtotal, half.tax_total) == (5_000, 1_000)
    # The invoice's 20.00 of tax is now all credited: the next part of A credits its amount and no tax.
    more = await issue_credit_note(vendor.vendor_id, invoice.id, _form(quantities={a: "0.4"}))
    assert (more.subtotal, more.tax_total, more.total) == (4_000, 0, 4_000)
    lines = await CreditNoteLine.select(CreditNoteLine.tax_amount).where(CreditNoteLine.credit_note == more.id)
    assert [row["tax_amount"] for row in lines] == [0]  # the note's lines say what the note says
    assert await _credited(invoice.id) == (2_000, 21_000)
    after = await Invoice.objects().get(Invoice.id == invoice.id)
    assert after.amount_credited == 21_000 and after.amount_due == 1_000


async def test_a_line_credited_in_tenths_leaves_exactly_the_rest(vendor):
    invoice = await _sent(vendor.vendor_id, [Line("Hours", 1, 10_000, 10)])
    (line,) = await _line_ids(invoice.id)
    for quantity in ("0.1", "0.2"):
        await issue_credit_note(vendor.vendor_id, invoice.id, _form(quantities={line: quantity}))
    (left,) = await lines_left(invoice)
    assert left.quantity == Decimal("0.7")
    await issue_credit_note(vendor.vendor_id, invoice.id, _form(quantities={line: "0.7"}))
    assert await _credited(invoice.id) == (invoice.tax_total, invoice.total)
    (left,) = await lines_left(invoice)
    assert (left.quantity, left.amount, left.tax) == (0, 0, 0)


QUANTITIES = ["1", "2", "0.3", "1.5", "3.333"]
RATES = ["0", "7", "10", "20"]
lines = st.lists(st.tuples(st.sampled_from(QUANTITIES), st.integers(min_value=1, max_value=500_000),
                           st.sampled_from(RATES)), min_size=1, max_size=4)
steps = st.lists(st.tuples(st.sampled_from(["lines", "amount"]), st.integers(min_value=1, max_value=100),
                           st.integers(min_value=0, max_value=3)), min_size=1, max_size=6)


async def _step(vendor_id: int, invoice: Invoice, kind: str, share: int, pick: int) -> None:
    """One note: a share of what is left by amount, or a share of one line (or of every line) by lines."""
    form = _form(kind)
    if kind == "amount":
        _, issued = await _credited(invoice.id)
        form.amount = str(to_major(max(1, (invoice.total - issued) * share // 100), invoice.currency))
    else:
        left = await lines_left(invoice)
        chosen = left if pick >= len(left) else [left[pick]]
        for item in chosen:
            quantity = (item.quantity * share / 100).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
            form.quantities[item.line.id] = str(item.quantity if share == 100 else quantity)
    try:
        await issue_credit_note(vendor_id, invoice.id, form)
    except CreditInvalid as exc:  # nothing left, or a share that rounds to nothing: refused, nothing changed
        assert set(exc.errors) <= {"amount", "lines"}, exc.errors


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=lines, plan=steps)
async def test_credited_tax_and_total_never_exceed_the_invoices(vendor, drawn, plan):
    clock.freeze(datetime(2026, 6, 15, 12, tzinfo=timezone.utc))
    invoice = await _sent(vendor.vendor_id, [Line(f"Item {i}", q, p, r) for i, (q, p, r) in enumerate(drawn)])
    for kind, share, pick in plan:
        await _step(vendor.vendor_id, invoice, kind, share, pick)
        tax, total = await _credited(invoice.id)
        assert 0 <= tax <= invoice.tax_total and total <= invoice.total
    for note in await CreditNote.objects().where(CreditNote.invoice == invoice.id):
        assert note.subtotal >= 0 and note.tax_total >= 0 and note.total == note.subtotal + note.tax_total
        if note.mode == "lines":
            rows = await CreditNoteLine.select(CreditNoteLine.tax_amount).where(CreditNoteLine.credit_note == note.id)
            assert sum(row["tax_amount"] for row in rows) == note.tax_total
    for left in await lines_left(invoice):
        assert left.quantity >= 0 and left.amount >= 0
    after = await Invoice.objects().get(Invoice.id == invoice.id)
    assert after.amount_due == invoice.total - (await _credited(invoice.id))[1]
