"""What the portal lists, one function per section, each scoped to the one customer of the portal session.

SECTIONS is the page's order: a section is a key (its partial is partials/portal/section_<key>.html), a heading
and the function that returns its rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app.errors import NotFound
from app.i18n import N_, texts_for_customer
from app.services import balance
from app.services.customers import balances as customer_balances
from app.services.payments.history import METHOD_LABELS, REFUND_LABELS
from app.services.portal.access import PortalViewer
from app.services.quotes.records import STATUS_LABELS as QUOTE_LABELS
from app.services.quotes.records import display_status as quote_status
from app.services.rows import display_status
from app.tables.credits import CreditNote
from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.payments import Payment, PaymentLink, Refund
from app.tables.quotes import Quote
from app.tables.vendors import Vendor

Status = Invoice.Status
# Drafts were never sent, so the customer has not seen them.
SHOWN = [s.value for s in Status if s != Status.draft]


# What the portal prints from other services' label tables, marked here for the catalogs (templates call t()).
PRINTED_LABELS = (N_("Card (Stripe)"), N_("Bank transfer"), N_("Cash"), N_("Check"), N_("Card (elsewhere)"),
                  N_("Other"), N_("Sending to Stripe"), N_("Pending"), N_("Needs action"), N_("Refunded"),
                  N_("Failed"), N_("Canceled"), N_("Draft"), N_("Sent"), N_("Overdue"), N_("Partially paid"),
                  N_("Paid"), N_("Partially refunded"), N_("Void"))


@dataclass(frozen=True)
class Section:
    """One list on the portal page."""

    key: str
    title: str
    rows: Callable[[PortalViewer], Awaitable[list[dict[str, Any]]]]


async def invoice_ids(viewer: PortalViewer) -> list[int]:
    """Ids of the customer's invoices the portal may show."""
    rows = await Invoice.select(Invoice.id).where(
        (Invoice.vendor == viewer.vendor_id) & (Invoice.customer == viewer.customer_id) & Invoice.status.is_in(SHOWN))
    return [row["id"] for row in rows]


async def owned_invoice(viewer: PortalViewer, invoice_id: int) -> dict[str, Any]:
    """The customer's invoice as a row, or NotFound (another customer's id looks like a missing one)."""
    row = await Invoice.select().where(
        (Invoice.id == invoice_id) & (Invoice.vendor == viewer.vendor_id) & (Invoice.customer == viewer.customer_id)
        & Invoice.status.is_in(SHOWN)).first()
    if row is None:
        raise NotFound("That invoice does not exist.")
    return row


async def invoices(viewer: PortalViewer) -> list[dict[str, Any]]:
    """Open and paid invoices, newest first, with the badge status, the balance and the pay link token."""
    timezone = await _timezone(viewer)
    rows = await Invoice.select(
        Invoice.id, Invoice.number, Invoice.status, Invoice.currency, Invoice.issue_date, Invoice.due_date,
        Invoice.next_due_date, Invoice.total, Invoice.amount_due,
    ).where(
        (Invoice.vendor == viewer.vendor_id) & (Invoice.customer == viewer.customer_id) & Invoice.status.is_in(SHOWN)
    ).order_by(Invoice.issue_date, ascending=False).order_by(Invoice.id, ascending=False)
    tokens = {}
    if rows:
        links = await PaymentLink.select(PaymentLink.invoice, PaymentLink.token).where(
            (PaymentLink.vendor == viewer.vendor_id) & PaymentLink.invoice.is_in([r["id"] for r in rows]))
        tokens = {link["invoice"]: link["token"] for link in links}
    for row in rows:
        row["shown_status"] = display_status(row["status"], row["next_due_date"] or row["due_date"], timezone)
        row["asked"] = balance.asked(row["status"], row["amount_due"])  # the figure the portal's balance adds up
        row["open"] = row["asked"] > 0
        row["pay_token"] = tokens.get(row["id"], "")
    return rows


async def payments(viewer: PortalViewer) -> list[dict[str, Any]]:
    """Payments that count (not deleted), newest first, with the invoice they paid."""
    ids = await invoice_ids(viewer)
    if not ids:
        return []
    rows = await Payment.select(
        Payment.id, Payment.invoice, Payment.invoice.number.as_alias("invoice_number"), Payment.method,
        Payment.amount, Payment.currency, Payment.paid_at, Payment.reference,
    ).where((Payment.vendor == viewer.vendor_id) & Payment.invoice.is_in(ids) & Payment.deleted_at.is_null()
            ).order_by(Payment.paid_at, ascending=False).order_by(Payment.id, ascending=False)
    for row in rows:
        row["method_label"] = METHOD_LABELS.get(row["method"], row["method"])
    return rows


async def refunds(viewer: PortalViewer) -> list[dict[str, Any]]:
    """Refunds on the customer's payments, newest first, with their state in words."""
    ids = await invoice_ids(viewer)
    if not ids:
        return []
    rows = await Refund.select(
        Refund.id, Refund.invoice, Refund.invoice.number.as_alias("invoice_number"), Refund.amount,
        Refund.currency, Refund.status, Refund.created_at,
    ).where((Refund.vendor == viewer.vendor_id) & Refund.invoice.is_in(ids)
            ).order_by(Refund.created_at, ascending=False).order_by(Refund.id, ascending=False)
    for row in rows:
        row["status_label"] = REFUND_LABELS.get(row["status"], row["status"])
    return rows


async def credit_notes(viewer: PortalViewer) -> list[dict[str, Any]]:
    """Credit notes issued to the customer, newest first, with the invoice each credits."""
    return await CreditNote.select(
        CreditNote.id, CreditNote.number, CreditNote.invoice, CreditNote.invoice.number.as_alias("invoice_number"),
        CreditNote.total, CreditNote.currency, CreditNote.issue_date, CreditNote.reason,
    ).where((CreditNote.vendor == viewer.vendor_id) & (CreditNote.customer == viewer.customer_id)
            ).order_by(CreditNote.issue_date, ascending=False).order_by(CreditNote.id, ascending=False)


async def quotes(viewer: PortalViewer) -> list[dict[str, Any]]:
    """Quotes sent to the customer (never drafts), newest first, with their status as the customer's page shows."""
    timezone = await _timezone(viewer)
    rows = await Quote.select(
        Quote.id, Quote.number, Quote.status, Quote.currency, Quote.issue_date, Quote.expiry_date, Quote.total,
        Quote.token,
    ).where((Quote.vendor == viewer.vendor_id) & (Quote.customer == viewer.customer_id)
            & (Quote.status != Quote.Status.draft)
            ).order_by(Quote.issue_date, ascending=False).order_by(Quote.id, ascending=False)
    for row in rows:
        row["shown_status"] = quote_status(row["status"], row["expiry_date"], timezone)
        row["status_label"] = QUOTE_LABELS.get(row["shown_status"], row["shown_status"])
    return rows


async def balances(viewer: PortalViewer) -> list[dict[str, Any]]:
    """The balance due per currency: the figure the vendor's customer page shows."""
    return await customer_balances(viewer.vendor_id, viewer.customer_id)


SECTIONS: list[Section] = [
    Section("invoices", N_("Invoices"), invoices),
    Section("payments", N_("Payments"), payments),
    Section("refunds", N_("Refunds"), refunds),
    Section("credit_notes", N_("Credit notes"), credit_notes),
    Section("quotes", N_("Quotes"), quotes),
]


async def page_sections(viewer: PortalViewer) -> list[tuple[Section, list[dict[str, Any]]]]:
    """Every section with its rows, in page order."""
    return [(section, await section.rows(viewer)) for section in SECTIONS]


async def _timezone(viewer: PortalViewer) -> str:
    row = await Vendor.select(Vendor.timezone).where(Vendor.id == viewer.vendor_id).first()
    return row["timezone"] if row else "UTC"


async def portal_header(viewer: PortalViewer) -> dict[str, Any]:
    """The vendor's name and branding and the customer's name, for the portal's header."""
    vendor = await Vendor.select().where(Vendor.id == viewer.vendor_id).first()
    customer = await Customer.select(Customer.name, Customer.email, Customer.currency, Customer.tax_id,
                                     Customer.language).where(
        (Customer.id == viewer.customer_id) & (Customer.vendor == viewer.vendor_id)).first()
    if vendor is None or customer is None:
        raise NotFound("This portal does not exist any more.")
    return {"vendor": vendor, "customer": customer, "t": texts_for_customer(customer, vendor)}


async def owned_payment(viewer: PortalViewer, payment_id: int) -> dict[str, Any]:
    """The customer's payment (for its receipt), or NotFound."""
    ids = await invoice_ids(viewer)
    row = None if not ids else await Payment.select(
        Payment.id, Payment.invoice, Payment.method, Payment.amount, Payment.currency, Payment.paid_at,
        Payment.reference, Payment.payment_intent,
    ).where((Payment.id == payment_id) & (Payment.vendor == viewer.vendor_id) & Payment.invoice.is_in(ids)
            & Payment.deleted_at.is_null()).first()
    if row is None:
        raise NotFound("That payment does not exist.")
    row["method_label"] = METHOD_LABELS.get(row["method"], row["method"])
    row["invoice_row"] = invoice = await owned_invoice(viewer, row["invoice"])
    row["invoice_asks"] = balance.asked(invoice["status"], invoice["amount_due"])
    row["refunds"] = await Refund.select(Refund.amount, Refund.status, Refund.created_at).where(
        (Refund.payment == payment_id) & (Refund.vendor == viewer.vendor_id)).order_by(Refund.created_at)
    return row


async def owned_credit_note(viewer: PortalViewer, note_id: int) -> int:
    """The id of the customer's credit note, or NotFound."""
    row = await CreditNote.select(CreditNote.id).where(
        (CreditNote.id == note_id) & (CreditNote.vendor == viewer.vendor_id)
        & (CreditNote.customer == viewer.customer_id)).first()
    if row is None:
        raise NotFound("That credit note does not exist.")
    return row["id"]
