"""Row-level rules several features share: status sets and labels, get-or-404, row locks, the timeline entry.

Only tables and the clock below this module, so every feature package may import it and none points back up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any

from app.db import engine, is_sqlite
from app.errors import NotFound
from app.services.clock import today_for, utcnow
from app.tables.invoices import Invoice, InvoiceActivity, InvoiceLine
from app.tables.vendors import Vendor

Status = Invoice.Status
PAID_STATES = (Status.paid, Status.partially_refunded, Status.refunded)
STATUS_LABELS = {
    "draft": "Draft",
    "sent": "Sent",
    "overdue": "Overdue",
    "partially_paid": "Partially paid",
    "paid": "Paid",
    "partially_refunded": "Partially refunded",
    "refunded": "Refunded",
    "void": "Void",
}


def is_overdue(status: str, due_date: date | None, timezone: str) -> bool:
    """Sent or partially paid, and due before today in the vendor's time zone (never without a due date)."""
    return status in ("sent", "partially_paid") and due_date is not None and due_date < today_for(timezone)


def display_status(status: str, due_date: date | None, timezone: str) -> str:
    """The badge status: the stored one, or "overdue" derived from the due date."""
    return "overdue" if is_overdue(status, due_date, timezone) else status


async def get_invoice(vendor_id: int, invoice_id: int) -> Invoice:
    """The vendor's invoice, or NotFound (another vendor's id looks exactly like a missing one)."""
    invoice = await Invoice.objects().where(
        (Invoice.id == invoice_id) & (Invoice.vendor == vendor_id)
    ).first()
    if invoice is None:
        raise NotFound("That invoice does not exist.")
    return invoice


async def invoice_row(vendor_id: int, invoice_id: int) -> dict[str, Any]:
    """The vendor's invoice as a plain row, or NotFound (as get_invoice)."""
    row = await Invoice.select().where((Invoice.id == invoice_id) & (Invoice.vendor == vendor_id)).first()
    if row is None:
        raise NotFound("That invoice does not exist.")
    return row


async def get_lines(invoice_id: int) -> list[InvoiceLine]:
    """The invoice's lines in display order."""
    return await InvoiceLine.objects().where(InvoiceLine.invoice == invoice_id).order_by(
        InvoiceLine.position
    ).order_by(InvoiceLine.id)


async def get_activity(vendor_id: int, invoice_id: int) -> list[dict[str, Any]]:
    """The invoice's timeline, newest first."""
    return await InvoiceActivity.select().where(
        (InvoiceActivity.invoice == invoice_id) & (InvoiceActivity.vendor == vendor_id)
    ).order_by(InvoiceActivity.created_at, ascending=False).order_by(InvoiceActivity.id, ascending=False)


# Who is acting when not a member in the browser, e.g. "via the API"; record_activity names it in each entry.
_actor: ContextVar[str] = ContextVar("payport_actor", default="")


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Every activity entry recorded inside names `actor` (e.g. "via the API")."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> str:
    """Who acts for the change being made ("via the API"), or "" for a signed-in member."""
    return _actor.get()


async def record_activity(
    vendor_id: int, invoice_id: int, kind: str, message: str, data: dict[str, Any] | None = None
) -> None:
    """Add a timeline entry; call inside the transaction that made the change."""
    data = dict(data or {})
    if actor := _actor.get():
        data["actor"] = actor
        message = f"{message} ({actor})"
    await InvoiceActivity.insert(InvoiceActivity(
        vendor=vendor_id, invoice=invoice_id, kind=kind, message=message, data=data, created_at=utcnow(),
    ))


async def lock_invoice(vendor_id: int, invoice_id: int) -> Invoice:
    """Load the invoice inside a write transaction, holding its row until commit on PostgreSQL."""
    if not is_sqlite():  # SQLite write transactions are already serialised
        await engine().run_ddl(f"SELECT id FROM invoice WHERE id = {int(invoice_id)} FOR UPDATE")
    return await get_invoice(vendor_id, invoice_id)


async def vendor_timezone(vendor_id: int) -> str:
    """The vendor's IANA time zone (UTC when the vendor is gone)."""
    row = await Vendor.select(Vendor.timezone).where(Vendor.id == vendor_id).first()
    return row["timezone"] if row else "UTC"


def bumped() -> dict:
    """The column values every change to an invoice row sets: the next version and the time of the change."""
    return {Invoice.version: Invoice.version + 1, Invoice.updated_at: utcnow()}


def bump(invoice: Invoice) -> Invoice:
    """bumped() for a loaded row the caller saves: the next version and the time of the change."""
    invoice.version += 1
    invoice.updated_at = utcnow()
    return invoice
