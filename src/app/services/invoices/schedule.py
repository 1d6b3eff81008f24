"""An invoice's payment schedule from the details page: read with what is paid of each, edit, deposit, remove.

The rules (rounding, order of payments, next due) are in services/instalments.py; this module reads the form,
checks it, and replaces the rows inside one write transaction that also re-settles the balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from app.errors import NotAllowed
from app.money import format_money, parse_amount, to_major
from app.parsing import parse_date
from app.services import instalments
from app.services.balance import COLLECTING, settle
from app.services.clock import today_for
from app.services.instalments import MAX_PARTS, Part, Progress
from app.services.invoices.lifecycle import invoice_change
from app.services.rows import get_invoice, lock_invoice, record_activity, vendor_timezone
from app.tables.invoices import Instalment, Invoice

EDITABLE = (Invoice.Status.draft, *COLLECTING)


@dataclass(frozen=True)
class ScheduleView:
    """The schedule as the details page shows it."""

    invoice: Invoice
    parts: list[Progress]

    @property
    def editable(self) -> bool:
        return self.invoice.status in EDITABLE and self.invoice.total > 0


@dataclass
class ScheduleForm:
    """The typed rows, the parts read from them, and errors by field name."""

    values: dict[str, str]
    rows: int
    parts: list[Part] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


async def schedule_view(vendor_id: int, invoice_id: int) -> ScheduleView:
    """The vendor's invoice with its instalments and what is paid of each, judged today in the vendor's zone."""
    invoice = await get_invoice(vendor_id, invoice_id)
    rows = await instalments.rows_of(invoice.id)
    today = today_for(await vendor_timezone(vendor_id))
    paid_in = instalments.paid_in(invoice, max(invoice.amount_due, 0)) if invoice.status != Invoice.Status.void else 0
    return ScheduleView(invoice, instalments.progress_of(rows, paid_in, today))


def form_values(view: ScheduleView) -> dict[str, str]:
    """The form pre-filled from the stored schedule (percent rows as percents)."""
    values: dict[str, str] = {}
    for i, part in enumerate(view.parts):
        values[f"date_{i}"] = part.due_date.isoformat()
        if part.percent is not None:
            values[f"kind_{i}"], values[f"value_{i}"] = "percent", f"{part.percent.normalize():f}"
        else:
            values[f"kind_{i}"], values[f"value_{i}"] = "amount", str(to_major(part.amount, view.invoice.currency))
    return values


def deposit_values(invoice: Invoice, percent: str, today: date) -> dict[str, str]:
    """A two-part schedule: `percent` now (not before the invoice date), the rest on the due date."""
    now = max(today, invoice.issue_date)
    due = invoice.due_date if invoice.due_date and invoice.due_date > now else None
    return {"date_0": now.isoformat(), "kind_0": "percent", "value_0": percent.strip(),
            "date_1": due.isoformat() if due else "", "kind_1": "percent", "value_1": _rest(percent)}


def _rest(percent: str) -> str:
    try:
        rest = Decimal(100) - Decimal(percent.strip())
    except InvalidOperation:
        return ""
    return f"{rest.normalize():f}" if 0 < rest < 100 else ""


def _percent(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip().rstrip("%").strip())
    except InvalidOperation:
        raise ValueError("Enter a percent such as 30 or 12.5.") from None
    if not value.is_finite() or not 0 < value <= 100 or value != value.quantize(Decimal("0.0001")):
        raise ValueError("Enter a percent above 0 and at most 100, with at most 4 decimals.")
    return value


def _read_row(form: ScheduleForm, i: int, invoice: Invoice) -> Part | None:
    raw_date, raw_value = form.values.get(f"date_{i}", "").strip(), form.values.get(f"value_{i}", "").strip()
    if not raw_date and not raw_value:
        return None
    due, kind = parse_date(raw_date), form.values.get(f"kind_{i}", "amount")
    if due is None:
        form.errors[f"date_{i}"] = "Enter the date this instalment is due."
    elif due < invoice.issue_date:
        form.errors[f"date_{i}"] = f"Not before the invoice date, {invoice.issue_date.isoformat()}."
    try:
        if kind == "percent":
            value = _percent(raw_value)
            return Part(due, percent=value) if due else None
        amount = parse_amount(raw_value, invoice.currency)
        if amount <= 0:
            raise ValueError("Enter an amount above 0.")
        return Part(due, amount=amount) if due else None
    except ValueError as exc:
        form.errors[f"value_{i}"] = str(exc)
        return None


def read_form(values: dict[str, str], invoice: Invoice) -> ScheduleForm:
    """Parse and check the typed schedule: 2 to 12 rows, dates ascending, summing to the total exactly."""
    rows = min(max(sum(1 for key in values if key.startswith("date_")), 2), MAX_PARTS)
    form = ScheduleForm(values, rows)
    for i in range(rows):
        part = _read_row(form, i, invoice)
        if part is not None:
            if form.parts and part.due_date <= form.parts[-1].due_date:
                form.errors[f"date_{i}"] = "Each instalment is due after the one before."
            form.parts.append(part)
    if form.errors:
        return form
    if len(form.parts) < 2:
        form.errors["form"] = "A schedule has 2 to 12 instalments; fill in at least two rows."
        return form
    exact = instalments.exact_sum(invoice.total, form.parts)
    if exact != invoice.total:
        typed = format_money(int(exact.quantize(Decimal(1))), invoice.currency)
        form.errors["form"] = (f"The instalments add up to {typed}; they must add up to the invoice total, "
                               f"{format_money(invoice.total, invoice.currency)}.")
    elif any(amount <= 0 for amount in instalments.split(invoice.total, form.parts)):
        form.errors["form"] = "Each instalment must be at least one minor unit of the currency."
    return form


def _check_editable(invoice: Invoice) -> None:
    if invoice.status not in EDITABLE:
        raise NotAllowed("This invoice takes no more payments, so its schedule cannot change.")
    if invoice.total <= 0:
        raise NotAllowed("An invoice with nothing to pay has no schedule.")


async def save_schedule(vendor_id: int, invoice_id: int, parts: list[Part]) -> None:
    """Replace the invoice's schedule with `parts` (checked by read_form) and re-settle its balance."""
    async with invoice_change(vendor_id, invoice_id):
        invoice = await lock_invoice(vendor_id, invoice_id)
        _check_editable(invoice)
        await Instalment.delete().where(Instalment.invoice == invoice.id)
        amounts = instalments.split(invoice.total, parts)
        for position, (part, amount) in enumerate(zip(parts, amounts)):
            await Instalment(vendor=vendor_id, invoice=invoice.id, position=position, due_date=part.due_date,
                             amount=amount, percent=part.percent).save()
        shown = ", ".join(f"{format_money(a, invoice.currency)} on {p.due_date.isoformat()}"
                          for p, a in zip(parts, amounts))
        await record_activity(vendor_id, invoice.id, "schedule_set", f"Payment schedule set: {shown}.",
                              {"instalments": len(parts)})
        await settle(invoice)


async def remove_schedule(vendor_id: int, invoice_id: int) -> None:
    """Drop the schedule: the whole balance is due by the invoice's due date again."""
    async with invoice_change(vendor_id, invoice_id):
        invoice = await lock_invoice(vendor_id, invoice_id)
        _check_editable(invoice)
        await Instalment.delete().where(Instalment.invoice == invoice.id)
        await record_activity(vendor_id, invoice.id, "schedule_removed", "Payment schedule removed.", {})
        await settle(invoice)


async def panel_context(vendor_id: int, invoice_id: int, view: ScheduleView | None = None, **extra: object) -> dict:
    """What the Payment schedule panel shows (not editing unless `extra` says so); `view` when already read."""
    view = view or await schedule_view(vendor_id, invoice_id)
    return {"view": view, "invoice": view.invoice, "tz": await vendor_timezone(vendor_id),
            "labels": instalments.STATE_LABELS, "editing": False, "errors": {}, "values": {}, "rows": 0,
            "max_parts": instalments.MAX_PARTS, **extra}
