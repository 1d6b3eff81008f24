"""Credit notes: against one sent invoice, by lines or by an amount, with a reason; they reduce its balance.

Figures follow the invoice rounding rule (services/invoices/totals.py). By lines, each credited quantity is
computed as a line would be (amount, discount, tax rounded once, half up); crediting what is left of a line
takes exactly its remaining figures, so a line credited in parts adds up to the line. By amount, the tax share
is round(amount x invoice tax / invoice total), and the last credit takes the tax that is left. By-amount notes
store no lines, so a by-lines note's tax is also capped at the invoice's tax less the tax of earlier notes
(the last lines give up the excess): the notes never credit more tax than the invoice charged.

The credit never exceeds the invoice's total less credits already issued. When the invoice was paid beyond its
new total, the excess is refunded (through Stripe for card payments, by hand for the others, via
services/payments/refunds.py, each refund row under a key made from the note) or kept as the customer's credit,
which the vendor can apply to another open invoice of that customer in the same currency.

A fully credited invoice reads Paid (the balance service's rule: balance 0 with credit in); its activity says
it was credited, so there is no separate status for the list, filters and dashboard to learn.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from piccolo.query.functions.aggregate import Sum

from app.db import engine, is_sqlite, write_transaction
from app.errors import NotAllowed
from app.live.announce import announce_invoice_changed
from app.money import format_money, parse_amount
from app.services import balance
from app.services.clock import today_for, utcnow
from app.services.invoices.totals import HUNDRED, _round
from app.services.numbering import take_credit_note_number
from app.services.payments import refunds
from app.services.rows import get_invoice, get_lines, lock_invoice, record_activity, vendor_timezone
from app.services.webhook_queue import queue_event
from app.tables.credits import CreditNote, CreditNoteLine, CustomerCredit
from app.tables.invoices import Invoice, InvoiceLine
from app.tables.payments import Payment, Refund

log = logging.getLogger("app.credit_notes")
Status = Invoice.Status
CLOSED = (Status.draft, Status.void)
EXCESS_CHOICES = {"refund": "Refund it to the customer", "keep": "Keep it as the customer's credit"}
MAX_REASON = 500
QUANTUM = Decimal("0.0001")


class CreditInvalid(Exception):
    """The credit note form cannot be used; errors by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class CreditForm:
    """The credit note form as typed."""

    mode: str = "lines"
    amount: str = ""
    quantities: dict[int, str] = field(default_factory=dict)
    reason: str = ""
    excess: str = ""
    request_key: str = ""


@dataclass(frozen=True)
class LineLeft:
    """An invoice line with what is not yet credited of it."""

    line: InvoiceLine
    quantity: Decimal
    amount: int
    discount: int
    tax: int


@dataclass(frozen=True)
class Figures:
    subtotal: int
    discount: int
    tax: int
    lines: tuple[dict, ...] = ()

    @property
    def total(self) -> int:
        return self.subtotal - self.discount + self.tax


def _line_discount(line: InvoiceLine, invoice: Invoice) -> int:
    return _round(Decimal(line.line_total) * Decimal(invoice.discount_percent or 0) / HUNDRED)


async def lines_left(invoice: Invoice) -> list[LineLeft]:
    """Each invoice line with the quantity and figures not yet credited."""
    done = {row["invoice_line"]: row for row in await CreditNoteLine.select(
        CreditNoteLine.invoice_line, Sum(CreditNoteLine.quantity, alias="q"), Sum(CreditNoteLine.line_total, alias="a"),
        Sum(CreditNoteLine.discount, alias="d"), Sum(CreditNoteLine.tax_amount, alias="t"),
    ).where(CreditNoteLine.credit_note.invoice == invoice.id).group_by(CreditNoteLine.invoice_line)}
    left = []
    for line in await get_lines(invoice.id):
        row = done.get(line.id, {})
        # SQLite sums the quantities as floats (0.1 + 0.2 = 0.30000000000000004): back to the column's 4 places.
        credited = Decimal(str(row.get("q") or 0)).quantize(QUANTUM)
        left.append(LineLeft(line, Decimal(line.quantity) - credited,
                             line.line_total - int(row.get("a") or 0),
                             _line_discount(line, invoice) - int(row.get("d") or 0),
                             line.tax_amount - int(row.get("t") or 0)))
    return left


async def issued_total(invoice_id: int) -> int:
    """The credit notes already issued against the invoice."""
    row = await CreditNote.select(Sum(CreditNote.total, alias="s")).where(CreditNote.invoice == invoice_id).first()
    return int(row["s"] or 0)


async def creditable(invoice: Invoice) -> int:
    """What may still be credited: the total less credit notes issued."""
    return invoice.total - await issued_total(invoice.id)


def _quantity(text: str) -> Decimal | None:
    try:
        value = Decimal((text or "0").strip() or "0")
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 and value == value.quantize(QUANTUM) else None


def _part_amount(line: InvoiceLine, quantity: Decimal, invoice: Invoice) -> int:
    """The net amount of part of a line: quantity x price, or its share of the net amount when the price is gross."""
    if invoice.prices_include_tax and line.tax_rate and line.quantity:
        return _round(Decimal(line.line_total) * quantity / Decimal(line.quantity))
    return _round(quantity * line.unit_price)


def _credit_line(left: LineLeft, quantity: Decimal, invoice: Invoice) -> dict:
    line = left.line
    if quantity == left.quantity:  # the rest of the line: exactly what is left, so the parts add up
        amount, discount, tax = left.amount, left.discount, left.tax
    else:
        amount = min(_part_amount(line, quantity, invoice), left.amount)
        discount = min(_round(Decimal(amount) * Decimal(invoice.discount_percent or 0) / HUNDRED), left.discount)
        tax = min(_round(Decimal(amount - discount) * Decimal(line.tax_rate or 0) / HUNDRED), left.tax)
    return {"invoice_line": line.id, "description": line.description, "quantity": quantity,
            "unit_price": line.unit_price, "tax_rate": Decimal(line.tax_rate or 0), "line_total": amount,
            "discount": discount, "tax_amount": tax}


async def _by_lines(invoice: Invoice, form: CreditForm, errors: dict[str, str]) -> Figures:
    chosen = []
    for left in await lines_left(invoice):
        text = form.quantities.get(left.line.id, "")
        quantity = _quantity(text)
        if quantity is None:
            errors[f"qty_{left.line.id}"] = "Enter a quantity such as 1 or 0.5."
        elif quantity > left.quantity:
            errors[f"qty_{left.line.id}"] = f"At most {_plain(left.quantity)} of this line can still be credited."
        elif quantity > 0:
            chosen.append(_credit_line(left, quantity, invoice))
    if not chosen and not errors:
        errors["lines"] = "Enter a quantity to credit on at least one line."
    _cap_tax(chosen, await tax_left(invoice))
    return Figures(sum(c["line_total"] for c in chosen), sum(c["discount"] for c in chosen),
                   sum(c["tax_amount"] for c in chosen), tuple(chosen))


def _cap_tax(chosen: list[dict], most: int) -> None:
    """Trim the chosen lines' tax, last line first, so their sum is at most `most`."""
    excess = sum(c["tax_amount"] for c in chosen) - max(most, 0)
    for line in reversed(chosen):
        if excess <= 0:
            return
        cut = min(excess, line["tax_amount"])
        line["tax_amount"] -= cut
        excess -= cut


async def tax_left(invoice: Invoice) -> int:
    """The invoice's tax less the tax of the credit notes already issued (by lines or by amount)."""
    row = await CreditNote.select(Sum(CreditNote.tax_total, alias="s")).where(CreditNote.invoice == invoice.id).first()
    return invoice.tax_total - int(row["s"] or 0)


async def _by_amount(invoice: Invoice, form: CreditForm, errors: dict[str, str], left: int) -> Figures:
    try:
        amount = parse_amount(form.amount, invoice.currency)
    except ValueError as exc:
        errors["amount"] = str(exc)
        return Figures(0, 0, 0)
    if amount < 1:
        errors["amount"] = "Enter an amount above zero."
        return Figures(0, 0, 0)
    most = max(0, min(await tax_left(invoice), amount))  # never a negative subtotal
    share = _round(Decimal(amount) * invoice.tax_total / invoice.total) if invoice.total else 0
    tax = most if amount == left else max(0, min(share, most))
    return Figures(amount - tax, 0, tax)


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


async def _figures(invoice: Invoice, form: CreditForm) -> Figures:
    errors: dict[str, str] = {}
    if invoice.status in CLOSED:
        raise CreditInvalid({"form": f"A {invoice.status} invoice cannot be credited."})
    left = await creditable(invoice)
    figures = await (_by_lines(invoice, form, errors) if form.mode == "lines" else
                     _by_amount(invoice, form, errors, left))
    if not errors and figures.total > left:
        errors["lines" if form.mode == "lines" else "amount"] = (
            f"At most {format_money(max(left, 0), invoice.currency)} of this invoice can still be credited.")
    if not errors and figures.total < 1:
        errors["lines" if form.mode == "lines" else "amount"] = "The credit comes to nothing; credit more."
    if errors:
        raise CreditInvalid(errors)
    return figures


def _check_form(form: CreditForm) -> None:
    errors = {}
    if form.mode not in ("lines", "amount"):
        errors["mode"] = "Choose to credit lines or an amount."
    if not form.reason.strip():
        errors["reason"] = "Give a reason for the credit note."
    elif len(form.reason) > MAX_REASON:
        errors["reason"] = f"Keep the reason to {MAX_REASON} characters."
    if not form.request_key or len(form.request_key) > 48:
        errors["form"] = "This form has expired; open New credit note again."
    if errors:
        raise CreditInvalid(errors)


def excess_of(invoice: Invoice, credit: int) -> int:
    """The part of a credit the invoice was already paid beyond: it goes back or stays as customer credit."""
    return max(0, credit - max(invoice.amount_due, 0))


async def _refund_plan(invoice: Invoice, excess: int) -> list[tuple[Payment, int]]:
    """Which payments give the excess back: the latest first, each up to what is left of it."""
    plan, rest = [], excess
    payments = await Payment.objects().where(
        (Payment.invoice == invoice.id) & Payment.deleted_at.is_null()
    ).order_by(Payment.paid_at, ascending=False).order_by(Payment.id, ascending=False)
    for payment in payments:
        take = min(rest, await balance.refundable(payment))
        if take > 0:
            plan.append((payment, take))
            rest -= take
    if rest > 0:
        raise CreditInvalid({"excess": f"Only {format_money(excess - rest, invoice.currency)} of the payments can "
                                       "still be refunded; keep the credit for the customer instead."})
    return plan


async def _save(invoice: Invoice, form: CreditForm, figures: Figures, number: str) -> CreditNote:
    note = CreditNote(
        vendor=invoice.vendor, invoice=invoice.id, customer=invoice.customer, number=number, mode=form.mode,
        reason=form.reason.strip(), currency=invoice.currency, subtotal=figures.subtotal,
        discount_total=figures.discount, tax_total=figures.tax, total=figures.total, request_key=form.request_key,
        issue_date=utcnow(), created_at=utcnow(),
    )
    await note.save()
    for position, line in enumerate(figures.lines):
        await CreditNoteLine(credit_note=note.id, position=position, **line).save()
    return note


async def _settle_excess(invoice: Invoice, note: CreditNote, excess: int, choice: str) -> list[Refund]:
    if not excess:
        return []
    rows = []
    if choice == "keep":
        await CustomerCredit(vendor=invoice.vendor, customer=invoice.customer, invoice=invoice.id,
                             credit_note=note.id, currency=invoice.currency, amount=excess,
                             note=f"Kept from credit note {note.number}", created_at=utcnow()).save()
    else:
        for payment, amount in await _refund_plan(invoice, excess):
            rows.append(await refunds.add_refund(payment, amount, "other", f"Credit note {note.number}",
                                                 f"cn{note.id}-p{payment.id}"))
        note.refunds = [{"payment": r.payment, "refund": r.id, "amount": r.amount} for r in rows]
    note.excess, note.amount_kept = choice, excess if choice == "keep" else 0
    note.amount_refunded = excess if choice == "refund" else 0
    await note.save()
    return rows


def _activity(note: CreditNote, invoice: Invoice) -> str:
    text = f"Credit note {note.number} for {format_money(note.total, note.currency)}: {note.reason}."
    if note.amount_refunded:
        text += f" {format_money(note.amount_refunded, note.currency)} refunded to the customer."
    if note.amount_kept:
        text += f" {format_money(note.amount_kept, note.currency)} kept as the customer's credit."
    if invoice.status == Status.paid and invoice.amount_paid - invoice.amount_refunded <= 0:
        text += " The invoice is credited in full."
    return text + f" Amount due: {format_money(balance.shown_due(invoice), invoice.currency)}."


async def issue_credit_note(vendor_id: int, invoice_id: int, form: CreditForm) -> CreditNote:
    """Issue a credit note once per form key; refunds its excess through Stripe (once) or keeps it as credit."""
    _check_form(form)
    async with write_transaction():
        invoice = await lock_invoice(vendor_id, invoice_id)
        existing = await CreditNote.objects().where(CreditNote.request_key == form.request_key).first()
        if existing is not None:  # a second click of the same form: the first one does the work
            if existing.invoice != invoice.id:
                raise CreditInvalid({"form": "This form has expired; open New credit note again."})
            return existing
        figures = await _figures(invoice, form)
        excess = excess_of(invoice, figures.total)
        if excess and form.excess not in EXCESS_CHOICES:
            raise CreditInvalid({"excess": f"{format_money(excess, invoice.currency)} of this credit was already "
                                           "paid: choose to refund it or keep it as the customer's credit."})
        number = await take_credit_note_number(vendor_id, today_for(await vendor_timezone(vendor_id)).year)
        note = await _save(invoice, form, figures, number)
        pending = await _settle_excess(invoice, note, excess, form.excess)
        await balance.settle(invoice)
        await record_activity(vendor_id, invoice.id, "credited", _activity(note, invoice), {"credit_note": note.id})
        await queue_event(vendor_id, "credit_note.created", "credit_note", note)
    announce_invoice_changed(vendor_id, invoice_id)
    await _send_refunds(note, [row for row in pending if row.status == Refund.Status.requested])
    return note


async def _send_refunds(note: CreditNote, rows: list[Refund]) -> None:
    """Each refund row once through Stripe; a refusal leaves the invoice flagged with the amount to return."""
    for row in rows:
        try:
            await refunds.complete_refund(row)
        except Exception as exc:  # Stripe refused or did not answer: the row says so, the invoice is flagged
            log.warning("credit note %s: refund %s not made: %s", note.number, row.id, exc)
            async with write_transaction():
                invoice = await lock_invoice(note.vendor, note.invoice)
                await balance.settle(invoice)
            announce_invoice_changed(note.vendor, note.invoice)


async def customer_credit(customer_id: int, currency: str) -> int:
    """The customer's credit balance in one currency."""
    row = await CustomerCredit.select(Sum(CustomerCredit.amount, alias="s")).where(
        (CustomerCredit.customer == customer_id) & (CustomerCredit.currency == currency)).first()
    return int(row["s"] or 0)


async def apply_credit(vendor_id: int, invoice_id: int, amount_text: str, request_key: str) -> int:
    """Pay (part of) an open invoice from its customer's credit balance in its currency; once per form key."""
    if not request_key or len(request_key) > 64:
        raise CreditInvalid({"form": "This form has expired; open Apply credit again."})
    async with write_transaction():
        invoice = await lock_invoice(vendor_id, invoice_id)
        if await CustomerCredit.exists().where(CustomerCredit.request_key == request_key):
            return 0
        if invoice.status not in balance.COLLECTING or invoice.amount_due <= 0:
            raise CreditInvalid({"form": "Credit can be applied only to an invoice with an amount due."})
        if not is_sqlite():  # two applications of one balance queue on the customer row
            await engine().run_ddl(f"SELECT id FROM customer WHERE id = {int(invoice.customer)} FOR UPDATE")
        available = await customer_credit(invoice.customer, invoice.currency)
        try:
            amount = parse_amount(amount_text, invoice.currency)
        except ValueError as exc:
            raise CreditInvalid({"amount": str(exc)}) from None
        most = min(available, invoice.amount_due)
        if amount < 1 or amount > most:
            raise CreditInvalid({"amount": f"Enter an amount from {format_money(min(1, most), invoice.currency)} "
                                           f"to {format_money(most, invoice.currency)}."})
        await CustomerCredit(vendor=vendor_id, customer=invoice.customer, invoice=invoice.id,
                             currency=invoice.currency, amount=-amount, request_key=request_key,
                             note="Applied to this invoice", created_at=utcnow()).save()
        await balance.settle(invoice)
        await record_activity(vendor_id, invoice.id, "credit_applied",
                              f"{format_money(amount, invoice.currency)} of the customer's credit applied. Amount "
                              f"due: {format_money(balance.shown_due(invoice), invoice.currency)}.", {})
    announce_invoice_changed(vendor_id, invoice_id)
    return amount


async def notes_of(vendor_id: int, invoice_id: int) -> list[CreditNote]:
    """The invoice's credit notes, newest first."""
    await get_invoice(vendor_id, invoice_id)
    return await CreditNote.objects().where(
        (CreditNote.invoice == invoice_id) & (CreditNote.vendor == vendor_id)
    ).order_by(CreditNote.id, ascending=False)


async def refund_states(note: CreditNote) -> list[dict]:
    """The refunds a note asked for, with their status now."""
    entries = json.loads(note.refunds) if isinstance(note.refunds, str) else note.refunds
    ids = [entry["refund"] for entry in entries or []]
    if not ids:
        return []
    return await Refund.select(Refund.id, Refund.amount, Refund.status, Refund.failure_reason, Refund.manual).where(
        Refund.id.is_in(ids))


async def panel_context(vendor_id: int, invoice_id: int) -> dict:
    """What the invoice's Credit notes panel shows; the details page and the panel's own route both use it."""
    invoice = await get_invoice(vendor_id, invoice_id)
    notes = await notes_of(vendor_id, invoice_id)
    return {"invoice": invoice, "notes": notes, "refunds": {n.id: await refund_states(n) for n in notes},
            "available": await customer_credit(invoice.customer, invoice.currency),
            "tz": await vendor_timezone(vendor_id), "email_error": {}, "nonce": secrets.token_hex(8)}
