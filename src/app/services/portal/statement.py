"""A customer's statement for a date range in one currency, from the rows the balance rule reads.

closing = opening + invoices - payments - credits + refunds + adjustments. Each entry is dated on the vendor's
calendar: an invoice by its issue date, a payment when it was paid, a refund when it was made, a credit note when
it was issued, a credit applied or kept when it moved. Drafts and void invoices (which owe nothing) are left out
with everything on them.

The customer's balance counts what each invoice asks (`balance.asked`): a refund with no credit note leaves a
balance the invoice does not ask back, and an overpaid invoice asks nothing (the excess is the vendor's to
refund). So at the end of each day an invoice's lines add up to its balance plus a gap, and an adjustment line
takes the gap out; when a later event closes the gap, a line ends the earlier adjustment. The statement therefore
closes, on any day, on the balance the portal shows for that day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from app.parsing import parse_date
from app.services import balance
from app.services.clock import today_for
from app.services.portal.access import PortalViewer
from app.tables.credits import CreditNote, CustomerCredit
from app.tables.invoices import Invoice
from app.i18n import N_, Texts
from app.tables.payments import Payment, Refund
from app.tables.vendors import Vendor
from app.times import local_date

Status = Invoice.Status
COUNTED = [s.value for s in Status if s not in (Status.draft, Status.void)]
KIND_LABELS = {"invoice": N_("Invoice"), "payment": N_("Payment"), "credit": N_("Credit"), "refund": N_("Refund"),
               "adjustment": N_("Adjustment")}
ORDER = {"invoice": 0, "credit": 1, "payment": 2, "refund": 3, "adjustment": 4}
NOT_ASKED_BACK = N_("Refunded on %(number)s and not asked back")  # the invoice's balance is above what it asks
PAID_BEYOND = N_("Paid beyond what %(number)s asks")  # its balance is below 0, it asks nothing
ENDS = N_("Ends the earlier adjustment on %(number)s")


class StatementErrors(ValueError):
    """Field errors of the date-range form."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Entry:
    """One line of the statement; `amount` is signed: + raises what is owed, - lowers it."""

    day: date
    kind: str
    reference: str
    description: str
    amount: int
    balance: int = 0
    message: str = ""  # the description's msgid and values, so each reader's language can say it
    values: dict = field(default_factory=dict)
    invoice: int = 0

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def describe(self, t: Texts) -> str:
        """The description in the reader's language."""
        return t(self.message, **self.values) if self.message else self.description


def _entry(day: date, kind: str, reference: str, message: str, amount: int, invoice: int = 0, **values: str) -> Entry:
    return Entry(day, kind, reference, message % values, amount, message=message, values=values, invoice=invoice)


@dataclass
class Statement:
    """The figures and lines of one statement."""

    currency: str
    start: date
    end: date
    opening: int
    entries: list[Entry] = field(default_factory=list)

    def _sum(self, kind: str) -> int:
        return sum(e.amount for e in self.entries if e.kind == kind)

    @property
    def invoiced(self) -> int:
        return self._sum("invoice")

    @property
    def paid(self) -> int:
        return -self._sum("payment")

    @property
    def credited(self) -> int:
        return -self._sum("credit")

    @property
    def refunded(self) -> int:
        return self._sum("refund")

    @property
    def adjusted(self) -> int:
        return self._sum("adjustment")

    @property
    def has_adjustments(self) -> bool:
        return any(e.kind == "adjustment" for e in self.entries)

    @property
    def closing(self) -> int:
        return self.opening + self.invoiced - self.paid - self.credited + self.refunded + self.adjusted


def _number(invoice: dict) -> str:
    return invoice["number"] or f"#{invoice['id']}"


async def _entries(viewer: PortalViewer, currency: str, tz: str) -> list[Entry]:
    """Every dated movement of the customer's counted invoices in this currency, oldest first."""
    invoices = await Invoice.select(Invoice.id, Invoice.number, Invoice.issue_date, Invoice.total).where(
        (Invoice.vendor == viewer.vendor_id) & (Invoice.customer == viewer.customer_id)
        & Invoice.status.is_in(COUNTED) & (Invoice.currency == currency))
    if not invoices:
        return []
    by_id = {row["id"]: row for row in invoices}
    ids = list(by_id)
    entries = [_entry(row["issue_date"], "invoice", _number(row), N_("Invoice %(number)s"), row["total"], row["id"],
                      number=_number(row)) for row in invoices]
    for p in await Payment.select(Payment.invoice, Payment.amount, Payment.paid_at, Payment.method).where(
            (Payment.vendor == viewer.vendor_id) & Payment.invoice.is_in(ids) & Payment.deleted_at.is_null()):
        number = _number(by_id[p["invoice"]])
        entries.append(_entry(local_date(p["paid_at"], tz), "payment", number, N_("Payment for %(number)s"),
                              -p["amount"], p["invoice"], number=number))
    for r in await Refund.select(Refund.invoice, Refund.amount, Refund.created_at).where(
            (Refund.vendor == viewer.vendor_id) & Refund.invoice.is_in(ids)
            & Refund.status.is_in(list(balance.COUNTED_REFUNDS))):
        number = _number(by_id[r["invoice"]])
        entries.append(_entry(local_date(r["created_at"], tz), "refund", number, N_("Refund on %(number)s"),
                              r["amount"], r["invoice"], number=number))
    for n in await CreditNote.select(CreditNote.invoice, CreditNote.number, CreditNote.total, CreditNote.issue_date).where(
            (CreditNote.vendor == viewer.vendor_id) & CreditNote.invoice.is_in(ids)):
        entries.append(_entry(local_date(n["issue_date"], tz), "credit", n["number"],
                              N_("Credit note %(note)s on %(number)s"), -n["total"], n["invoice"], note=n["number"],
                              number=_number(by_id[n["invoice"]])))
    for m in await CustomerCredit.select(CustomerCredit.invoice, CustomerCredit.amount, CustomerCredit.created_at).where(
            (CustomerCredit.vendor == viewer.vendor_id) & CustomerCredit.invoice.is_in(ids)):
        number = _number(by_id[m["invoice"]])
        words = N_("Credit kept for later from %(number)s") if m["amount"] > 0 else N_("Credit applied to %(number)s")
        entries.append(_entry(local_date(m["created_at"], tz), "credit", number, words, m["amount"], m["invoice"],
                              number=number))
    entries.sort(key=lambda e: (e.day, ORDER[e.kind], e.reference))
    entries += _adjustments(entries, {row["id"]: _number(row) for row in invoices})
    entries.sort(key=lambda e: (e.day, ORDER[e.kind], e.reference))
    return entries


def _gap(sums: dict[str, int]) -> int:
    """What an invoice's lines add up to beyond what it asks, from the balance rule's own figures."""
    figures = balance.Balance(sums["invoice"], -sums["payment"], sums["refund"], -sums["credit"])
    return figures.due - balance.asked(balance.status_for(Status.sent, figures), figures.due)


def _adjustments(entries: list[Entry], numbers: dict[int, str]) -> list[Entry]:
    """Per invoice, at the end of each of its days, the lines that take out the change in its gap."""
    by_invoice: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:  # already in day order
        by_invoice[entry.invoice].append(entry)
    made = []
    for invoice_id, rows in by_invoice.items():
        sums, gap = dict.fromkeys(ORDER, 0), 0
        for day, group in groupby(rows, key=lambda e: e.day):
            for entry in group:
                sums[entry.kind] += entry.amount
            new = _gap(sums)
            made += _moves(day, invoice_id, numbers[invoice_id], gap, new)
            gap = new
    return made


def _moves(day: date, invoice_id: int, number: str, old: int, new: int) -> list[Entry]:
    """Adjustment lines for a gap going from `old` to `new`: an adjustment is -gap, so the lines add -(new - old)."""
    if old == new:
        return []
    words = NOT_ASKED_BACK if new > 0 else PAID_BEYOND
    if old and new and (old > 0) == (new > 0):  # the same condition, a different amount
        parts = [(words, old - new)]
    else:
        parts = ([(ENDS, old)] if old else []) + ([(words, -new)] if new else [])
    return [_entry(day, "adjustment", number, message, amount, invoice_id, number=number)
            for message, amount in parts]


async def vendor_zone(viewer: PortalViewer) -> str:
    """The vendor's time zone: statement days are the vendor's days."""
    row = await Vendor.select(Vendor.timezone).where(Vendor.id == viewer.vendor_id).first()
    return row["timezone"] if row else "UTC"


async def currencies(viewer: PortalViewer) -> list[str]:
    """Currencies the customer has counted invoices in, alphabetically."""
    rows = await Invoice.select(Invoice.currency).where(
        (Invoice.vendor == viewer.vendor_id) & (Invoice.customer == viewer.customer_id)
        & Invoice.status.is_in(COUNTED)).distinct()
    return sorted({row["currency"] for row in rows})


def parse_range(start: str, end: str, currency: str, offered: list[str], fallback: str, today: date
                ) -> tuple[date, date, str]:
    """The form's dates and currency, checked: StatementErrors with a message per field."""
    errors: dict[str, str] = {}
    first = parse_date(start) if start else date(today.year, 1, 1)
    last = parse_date(end) if end else today
    if first is None:
        errors["start"] = "Enter the first day as YYYY-MM-DD."
    if last is None:
        errors["end"] = "Enter the last day as YYYY-MM-DD."
    if first and last and first > last:
        errors["end"] = "The last day must be on or after the first day."
    chosen = currency or (fallback if fallback in offered else (offered[0] if offered else fallback))
    if offered and chosen not in offered:
        errors["currency"] = "Choose one of the currencies you have invoices in."
    if errors:
        raise StatementErrors(errors)
    return first, last, chosen


async def build_statement(viewer: PortalViewer, start: date, end: date, currency: str) -> Statement:
    """Opening balance before `start`, the entries from `start` to `end` (inclusive) with running balances."""
    tz = await vendor_zone(viewer)
    everything = await _entries(viewer, currency, tz)
    opening = sum(e.amount for e in everything if e.day < start)
    statement = Statement(currency, start, end, opening, [e for e in everything if start <= e.day <= end])
    running = opening
    for entry in statement.entries:
        running += entry.amount
        entry.balance = running
    return statement


async def today(viewer: PortalViewer) -> date:
    """Today on the vendor's calendar."""
    return today_for(await vendor_zone(viewer))
