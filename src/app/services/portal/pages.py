"""What each portal page shows, gathered in one call per page so the controller stays thin."""

from __future__ import annotations

from typing import Any

from app.errors import NotFound
from app.i18n import N_, texts_for_customer
from app.services.payments import cards
from app.services.payments.links import link_by_token
from app.services.portal import sections
from app.services.portal.access import PortalViewer
from app.services.quotes.lifecycle import quote_by_token
from app.services.portal.statement import StatementErrors, build_statement, currencies, parse_range, today
from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.vendors import Vendor


async def requester(token: str) -> dict[str, Any]:
    """The vendor and customer behind a pay page's or a quote page's token (who a sign-in link would be for).

    `back` is the page the customer came from. An unknown token is NotFound.
    """
    if not token or len(token) > 64:
        raise NotFound(N_("This invoice or quote link does not exist."))
    try:
        link = await link_by_token(token)
    except NotFound:
        try:
            quote = await quote_by_token(token)
        except NotFound:
            raise NotFound(N_("This invoice or quote link does not exist.")) from None
        vendor_id, customer_id, back = quote.vendor, quote.customer, (f"/quote/{token}", N_("Back to the quote"))
    else:
        invoice = await Invoice.select(Invoice.customer).where(Invoice.id == link.invoice).first()
        vendor_id, customer_id, back = link.vendor, invoice["customer"], (f"/pay/{token}", N_("Back to the invoice"))
    vendor = await Vendor.select(Vendor.name, Vendor.logo_png, Vendor.accent_color, Vendor.language).where(
        Vendor.id == vendor_id).first()
    customer = await Customer.select(Customer.language).where(Customer.id == customer_id).first()
    return {"token": token, "vendor": vendor, "customer_id": customer_id, "back": back,
            "t": texts_for_customer(customer, vendor)}


async def home(viewer: PortalViewer) -> dict[str, Any]:
    """The portal's front page: header, balances, then every section with its rows."""
    head = await sections.portal_header(viewer)
    # A Peppol e-invoice addresses both parties by VAT id: offered when both have one.
    einvoices = bool(head["vendor"]["vat_id"] and head["customer"]["tax_id"])
    return {**head, "tz": head["vendor"]["timezone"], "balances": await sections.balances(viewer),
            "sections": await sections.page_sections(viewer), "einvoices": einvoices,
            "card": await cards.customer_card(viewer.vendor_id, viewer.customer_id)}


async def statement(viewer: PortalViewer, start: str, end: str, currency: str) -> dict[str, Any]:
    """The statement page's context: the range form, its errors, and the statement when the range is good."""
    head = await sections.portal_header(viewer)
    offered = await currencies(viewer)
    values = {"start": start, "end": end, "currency": currency}
    context = {**head, "tz": head["vendor"]["timezone"], "currencies": offered, "values": values, "errors": {},
               "statement": None}
    try:
        first, last, chosen = parse_range(start, end, currency, offered, head["customer"]["currency"],
                                          await today(viewer))
    except StatementErrors as exc:
        context["errors"] = exc.errors
        return context
    context["values"] = {"start": first.isoformat(), "end": last.isoformat(), "currency": chosen}
    context["statement"] = await build_statement(viewer, first, last, chosen)
    return context
