"""The invoice editor: read the form, check every field, and save a draft or an edit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from app.live.announce import announce_invoice_changed
from app.db import write_transaction
from app.errors import NotAllowed
from app.money import UnknownCurrency, check_active_currency, check_currency, decimals, format_money, to_major, to_minor
from app.services.clock import today_for, utcnow
from app.services.invoices.lifecycle import invoice_change
from app.services.invoices.totals import TERMS, LineInput, Totals, amounts_locked_reason, compute_totals, due_date_for
from app.services.rows import bumped, get_invoice, record_activity
from app.services.webhook_queue import queue_event
from app.parsing import parse_date, parse_id
from app.tables.customers import Customer
from app.tables.invoices import Instalment, Invoice, InvoiceLine
from app.tables.tax import TaxRate
from app.tables.vendors import Vendor

MAX_QUANTITY = Decimal("1000000")
MAX_UNIT_PRICE = Decimal("100000000")  # major units: far beyond any real invoice line
MAX_LINES = 200
MAX_TOTAL = 10**15
LINE_FIELDS = ("description", "quantity", "unit_price", "tax_rate", "tax_rate_id")
TYPED_FIELDS = LINE_FIELDS[:4]  # a line with only a rate chosen (the default preselected) is an empty line


class EditorErrors(ValueError):
    """Field errors keyed by field name (line fields as line-<i>-<field>)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class InvoiceDraft:
    """What the editor holds: raw strings as typed, so a form with errors comes back unchanged."""

    customer: str = ""
    currency: str = "USD"
    issue_date: str = ""
    terms: str = "due_on_receipt"
    due_date: str = ""
    discount: str = "0"
    notes: str = ""
    footer: str = ""
    lines: list[dict[str, str]] = field(default_factory=list)
    prices_include_tax: bool = False


@dataclass(frozen=True)
class CleanInvoice:
    customer_id: int
    currency: str
    issue_date: date
    terms: str
    due_date: date | None
    discount_percent: Decimal
    notes: str
    footer: str
    lines: tuple[LineInput, ...]
    totals: Totals
    prices_include_tax: bool = False


def draft_from_form(form: Any) -> InvoiceDraft:
    """Build the draft from a multi-valued form (line fields repeat once per line)."""
    columns = {name: form.getall(f"line_{name}", []) for name in LINE_FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    lines = [{name: (columns[name][i] if i < len(columns[name]) else "").strip() for name in LINE_FIELDS}
             for i in range(count)]
    lines = [line for line in lines if any(line[name] for name in TYPED_FIELDS)]
    get = lambda name, default="": (form.get(name) or default).strip()  # noqa: E731
    return InvoiceDraft(
        customer=get("customer"), currency=get("currency", "USD").upper(), issue_date=get("issue_date"),
        terms=get("terms", "due_on_receipt"), due_date=get("due_date"), discount=get("discount", "0") or "0",
        notes=get("notes"), footer=get("footer"), lines=lines,
        prices_include_tax=get("prices_include_tax") in ("on", "1", "true"),
    )


def draft_from_invoice(invoice: Invoice, lines: list[InvoiceLine]) -> InvoiceDraft:
    """The editor's view of a saved invoice."""
    return InvoiceDraft(
        customer=str(invoice.customer), currency=invoice.currency, issue_date=invoice.issue_date.isoformat(),
        terms=invoice.terms, due_date=invoice.due_date.isoformat() if invoice.due_date else "",
        discount=_plain(invoice.discount_percent), notes=invoice.notes, footer=invoice.footer,
        lines=[{"description": line.description, "quantity": _plain(line.quantity),
                "unit_price": str(to_major(line.unit_price, invoice.currency)), "tax_rate": _plain(line.tax_rate),
                "tax_rate_id": str(line.tax_rate_ref) if line.tax_rate_ref else ""}
               for line in lines],
        prices_include_tax=bool(invoice.prices_include_tax),
    )


def _plain(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def _decimal(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _parse_date(raw: str) -> date | None:
    return parse_date(raw)


async def named_rates(vendor_id: int) -> dict[str, dict]:
    """The vendor's tax rates by id (as the form sends it), archived ones included (old lines keep theirs)."""
    rows = await TaxRate.select().where(TaxRate.vendor == vendor_id)
    return {str(r["id"]): r for r in rows}


async def tax_rounding(vendor_id: int) -> str:
    row = await Vendor.select(Vendor.tax_rounding).where(Vendor.id == vendor_id).first()
    return (row or {}).get("tax_rounding") or "line"


def _check_line(i: int, line: dict[str, str], currency: str | None, errors: dict[str, str],
                rates: dict[str, dict] | None = None) -> LineInput | None:
    before = len(errors)
    chosen = None
    if line.get("tax_rate_id"):
        chosen = (rates or {}).get(line["tax_rate_id"])
        if chosen is None:
            errors[f"line-{i}-tax_rate"] = "Choose one of your tax rates."
    if not line["description"]:
        errors[f"line-{i}-description"] = "Describe the item."
    elif len(line["description"]) > 2000:
        errors[f"line-{i}-description"] = "Keep the description under 2,000 characters."
    quantity = _decimal(line["quantity"])
    if quantity is None:
        errors[f"line-{i}-quantity"] = "Enter a number."
    elif quantity <= 0 or quantity > MAX_QUANTITY or quantity.as_tuple().exponent < -4:
        errors[f"line-{i}-quantity"] = "Use a quantity above 0 and up to 1,000,000, with at most 4 decimals."
    price = _decimal(line["unit_price"])
    places = decimals(currency) if currency else 2
    if price is None:
        errors[f"line-{i}-unit_price"] = "Enter a price."
    elif price < 0 or price > MAX_UNIT_PRICE:
        errors[f"line-{i}-unit_price"] = "Use a price from 0 up to 100,000,000."
    elif price.normalize().as_tuple().exponent < -places:  # 12345.00 is a whole number of yen
        errors[f"line-{i}-unit_price"] = f"{currency} prices have at most {places} decimals." if places else \
            f"{currency} has no decimals: enter a whole amount."
    rate = Decimal(chosen["percent"]) if chosen else _decimal(line["tax_rate"] or "0")
    if rate is None or rate < 0 or rate > 100 or rate.as_tuple().exponent < -4:
        errors[f"line-{i}-tax_rate"] = "Use a tax rate from 0 to 100 percent."
    if len(errors) > before or currency is None:
        return None
    if chosen:
        return LineInput(line["description"], quantity, to_minor(price, currency), rate.normalize(),
                         chosen["category"], chosen["id"])
    return LineInput(line["description"], quantity, to_minor(price, currency), rate)


def _check_dates(draft: InvoiceDraft, timezone: str, errors: dict[str, str]) -> tuple[date | None, date | None]:
    issue = _parse_date(draft.issue_date) if draft.issue_date else today_for(timezone)
    if issue is None:
        errors["issue_date"] = "Enter the issue date as YYYY-MM-DD, between 1970 and 2199."
    if draft.terms not in TERMS:
        errors["terms"] = "Choose payment terms."
        return issue, None
    if draft.terms != "custom":
        return issue, due_date_for(draft.terms, issue) if issue else None
    due = _parse_date(draft.due_date)
    if due is None:
        errors["due_date"] = "Enter the due date, or choose payment terms."
    elif issue and due < issue:
        errors["due_date"] = "The due date cannot be before the issue date."
    return issue, due


async def check_draft(vendor_id: int, timezone: str, draft: InvoiceDraft) -> CleanInvoice:
    """Every field checked at once; raise EditorErrors with all problems, or return clean values."""
    errors: dict[str, str] = {}
    customer_id = parse_id(draft.customer)
    if customer_id is None or not await Customer.exists().where(
        (Customer.id == customer_id) & (Customer.vendor == vendor_id)
    ):
        errors["customer"] = "Choose a customer."
    try:
        currency: str | None = check_active_currency(draft.currency)  # what the currency list offers
    except UnknownCurrency:
        currency = None
        errors["currency"] = f"{draft.currency or 'That'} is not a currency we know. Use an ISO code like USD."
    issue, due = _check_dates(draft, timezone, errors)
    discount = _decimal(draft.discount)
    if discount is None or discount < 0 or discount > 100 or discount.as_tuple().exponent < -4:
        errors["discount"] = "Use a discount from 0 to 100 percent."
    if not draft.lines:
        errors["lines"] = "Add at least one line."
    elif len(draft.lines) > MAX_LINES:
        errors["lines"] = f"An invoice can have at most {MAX_LINES} lines."
    rates = await named_rates(vendor_id)
    lines = [_check_line(i, line, currency, errors, rates) for i, line in enumerate(draft.lines[:MAX_LINES])]
    if customer_id is not None and "lines" not in errors and await Customer.exists().where(
        (Customer.id == customer_id) & (Customer.vendor == vendor_id) & (Customer.reverse_charge == True)  # noqa: E712
    ) and any(line is not None and line.tax_rate for line in lines):
        # Reverse charge (category AE in the e-invoice): the customer accounts for the VAT, so none is charged.
        errors["lines"] = "This customer is reverse-charged: set the tax to 0% on every line."
    for name, limit in (("notes", 5000), ("footer", 2000)):
        if len(getattr(draft, name)) > limit:
            errors[name] = f"Keep this under {limit:,} characters."
    if errors:
        raise EditorErrors(errors)
    totals = compute_totals(list(lines), discount, inclusive=draft.prices_include_tax,
                            rounding=await tax_rounding(vendor_id))
    if totals.total < 0:
        raise EditorErrors({"lines": "The total cannot be below zero."})
    if totals.total > MAX_TOTAL:
        raise EditorErrors({"lines": "The total is too large for one invoice."})
    return CleanInvoice(customer_id, currency, issue, draft.terms, due, discount, draft.notes, draft.footer,
                        tuple(lines), totals, draft.prices_include_tax)


def preview_totals(draft: InvoiceDraft, rates: dict[str, dict] | None = None,
                   rounding: str = "line") -> tuple[Totals, str]:
    """Totals of whatever lines are valid so far, for the live preview while typing."""
    try:
        currency = check_currency(draft.currency)
    except UnknownCurrency:
        currency = "USD"
    discount = _decimal(draft.discount)
    discount = discount if discount is not None and 0 <= discount <= 100 else Decimal(0)
    lines = [_check_line(i, line, currency, {}, rates) for i, line in enumerate(draft.lines[:MAX_LINES])]
    return compute_totals([line for line in lines if line], discount, inclusive=draft.prices_include_tax,
                          rounding=rounding), currency


def _amounts(clean: CleanInvoice) -> dict:
    t = clean.totals
    return {Invoice.customer: clean.customer_id, Invoice.currency: clean.currency,
            Invoice.discount_percent: clean.discount_percent, Invoice.subtotal: t.subtotal,
            Invoice.prices_include_tax: clean.prices_include_tax,
            Invoice.discount_total: t.discount_total, Invoice.tax_total: t.tax_total, Invoice.total: t.total,
            # Amounts change only while nothing is paid or credited, so the balance is the total.
            Invoice.amount_due: t.total}


def _terms(clean: CleanInvoice) -> dict:
    return {Invoice.issue_date: clean.issue_date, Invoice.terms: clean.terms, Invoice.due_date: clean.due_date,
            Invoice.notes: clean.notes, Invoice.footer: clean.footer}


async def _write_lines(invoice_id: int, clean: CleanInvoice) -> None:
    await InvoiceLine.delete().where(InvoiceLine.invoice == invoice_id)
    rows = [InvoiceLine(invoice=invoice_id, position=i, description=line.description, quantity=line.quantity,
                        unit_price=line.unit_price, tax_rate=line.tax_rate, line_total=figures.amount,
                        tax_amount=figures.tax, tax_rate_ref=line.rate_ref, tax_category=line.category)
            for i, (line, figures) in enumerate(zip(clean.lines, clean.totals.lines))]
    if rows:
        await InvoiceLine.insert(*rows)


async def create_invoice(vendor_id: int, clean: CleanInvoice) -> int:
    """Save a new draft; returns its id."""
    now = utcnow()
    values = {column._meta.name: value for column, value in {**_amounts(clean), **_terms(clean)}.items()}
    invoice = Invoice(vendor=vendor_id, status="draft", created_at=now, updated_at=now, **values)
    async with write_transaction():
        await invoice.save()
        await _write_lines(invoice.id, clean)
        await record_activity(vendor_id, invoice.id, "created",
                              f"Draft created for {format_money(clean.totals.total, clean.currency)}.")
        await queue_event(vendor_id, "invoice.created", "invoice", invoice)
    announce_invoice_changed(vendor_id, invoice.id)
    return invoice.id


async def update_invoice(vendor_id: int, invoice_id: int, clean: CleanInvoice) -> None:
    """Save an edit: everything on drafts and unlocked sent invoices; only terms and notes once locked."""
    async with invoice_change(vendor_id, invoice_id):
        invoice = await get_invoice(vendor_id, invoice_id)
        locked = await amounts_locked_reason(invoice)
        if invoice.status not in ("draft", "sent"):
            raise NotAllowed(locked or "This invoice can no longer be edited.")
        values = _terms(clean) if locked else {**_amounts(clean), **_terms(clean)}
        values.update(bumped())
        await Invoice.update(values).where(Invoice.id == invoice_id)
        if not locked:
            await _write_lines(invoice_id, clean)
        await record_activity(vendor_id, invoice_id, "edited", _edit_message(invoice, clean, bool(locked)))
        if not locked and invoice.total != clean.totals.total:
            await _drop_schedule(vendor_id, invoice_id)


async def _drop_schedule(vendor_id: int, invoice_id: int) -> None:
    # A schedule splits one total exactly; a new total needs a new split, which the vendor decides.
    if await Instalment.delete().where(Instalment.invoice == invoice_id).returning(Instalment.id):
        await Invoice.update({Invoice.next_due_date: None, Invoice.next_due_amount: 0}).where(Invoice.id == invoice_id)
        await record_activity(vendor_id, invoice_id, "schedule_removed",
                              "Payment schedule removed: the total changed. Split it again if needed.")


def _edit_message(before: Invoice, clean: CleanInvoice, locked: bool) -> str:
    if locked:
        return "Edited the dates, terms or notes; amounts are locked."
    if before.total != clean.totals.total or before.currency != clean.currency:
        return (f"Edited: total changed from {format_money(before.total, before.currency)} "
                f"to {format_money(clean.totals.total, clean.currency)}.")
    return "Edited."

