"""The printable quote: the invoice PDF's look, titled Quote, with the customer's acceptance when there is one."""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from fpdf.enums import XPos, YPos

from app.errors import NotFound
from app.money import format_money
from app.services.invoices import pdf as invoice_pdf
from app.services.invoices.pdf import INK, MUTED, InvoicePdf, _quantity, _text
from app.services.pdf_fonts import fonts_for
from app.services.quotes.records import STATUS_LABELS, display_status
from app.tables.customers import Customer
from app.tables.quotes import Quote, QuoteLine
from app.tables.vendors import Vendor
from app.times import format_date, format_datetime


@dataclass(frozen=True)
class QuoteDocument:
    """A quote with its vendor, customer and lines, ready to render."""

    quote: dict
    vendor: dict
    customer: dict
    lines: list[dict]

    @property
    def label(self) -> str:
        return f"Quote {self.quote['number'] or '(draft)'}"

    @property
    def currency(self) -> str:
        return self.quote["currency"]

    @property
    def shown_status(self) -> str:
        return display_status(self.quote["status"], self.quote["expiry_date"], self.vendor["timezone"])


async def load_quote_document(vendor_id: int, quote_id: int) -> QuoteDocument:
    """The quote as its PDF shows it; NotFound for another vendor's or a missing id."""
    quote = await Quote.select().where((Quote.id == quote_id) & (Quote.vendor == vendor_id)).first()
    if quote is None:
        raise NotFound("That quote does not exist.")
    vendor = await Vendor.select().where(Vendor.id == vendor_id).first()
    customer = await Customer.select().where(Customer.id == quote["customer"]).first() or {}
    lines = await QuoteLine.select().where(QuoteLine.quote == quote_id).order_by(QuoteLine.position).order_by(
        QuoteLine.id)
    return QuoteDocument(quote, vendor, customer, lines)


def _header(pdf: InvoicePdf, doc: QuoteDocument) -> None:
    invoice_pdf.document_header(pdf, doc.vendor, "QUOTE", doc.quote["number"] or "Draft")


def _parties(pdf: InvoicePdf, doc: QuoteDocument) -> None:
    top = pdf.get_y()
    pdf.set_font(pdf.family, "B", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, "QUOTE FOR", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(pdf.family, "B", 11)
    pdf.cell(95, 6, _text(pdf, doc.customer.get("name", "")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "", 9.5)
    details = [doc.customer.get("email", ""), doc.customer.get("billing_address", "")]
    pdf.multi_cell(95, 4.8, _text(pdf, "\n".join(d for d in details if d)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    pdf.set_y(top)
    tz = doc.vendor["timezone"]
    for label, value in (("Date", format_date(doc.quote["issue_date"], tz)),
                         ("Valid until", format_date(doc.quote["expiry_date"], tz)),
                         ("Status", STATUS_LABELS[doc.shown_status]),
                         ("Total", format_money(doc.quote["total"], doc.currency))):
        pdf.set_x(120)
        pdf.set_font(pdf.family, "", 9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(30, 6, label)
        pdf.set_font(pdf.family, "B", 10)
        pdf.set_text_color(*INK)
        pdf.cell(0, 6, _text(pdf, value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(bottom, pdf.get_y()) + 6)


def _lines(pdf: InvoicePdf, doc: QuoteDocument) -> None:
    cur = doc.currency
    rows = [(line["description"], _quantity(Decimal(line["quantity"])), format_money(line["unit_price"], cur),
             f"{_quantity(Decimal(line['tax_rate']))}%", format_money(line["line_total"], cur)) for line in doc.lines]
    invoice_pdf.lines_table(pdf, rows)


def _totals(pdf: InvoicePdf, doc: QuoteDocument) -> None:
    quote, cur = doc.quote, doc.currency
    rows = [("Subtotal", quote["subtotal"])]
    if quote["discount_total"]:
        rows.append(("Discount", -quote["discount_total"]))
    rows += [("Tax", quote["tax_total"]), ("Total", quote["total"])]
    for label, amount in rows:
        strong = label == "Total"
        pdf.set_x(110)
        pdf.set_font(pdf.family, "B" if strong else "", 11 if strong else 9.5)
        pdf.set_text_color(*(INK if strong else MUTED))
        pdf.cell(45, 7, label)
        pdf.set_text_color(*INK)
        pdf.cell(0, 7, _text(pdf, format_money(amount, cur)), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def acceptance_text(doc: QuoteDocument) -> str:
    """The acceptance as printed: who typed their name, when (vendor's zone) and from which address."""
    quote = doc.quote
    if not quote["accepted_at"]:
        return ""
    when = format_datetime(quote["accepted_at"], doc.vendor["timezone"], with_zone=True)
    return f"Accepted by {quote['accepted_name']} on {when} from {quote['accepted_address'] or 'an unknown address'}."


def _notes(pdf: InvoicePdf, doc: QuoteDocument) -> None:
    pdf.ln(4)
    pdf.set_font(pdf.family, "", 9.5)
    pdf.set_text_color(*INK)
    accepted = acceptance_text(doc)
    if accepted:
        pdf.set_font(pdf.family, "B", 10)
        pdf.multi_cell(0, 5, _text(pdf, accepted), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        pdf.set_font(pdf.family, "", 9.5)
    for text in (doc.quote["notes"], doc.quote["footer"]):
        if text:
            pdf.multi_cell(0, 5, _text(pdf, text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)


def render_quote_pdf(doc: QuoteDocument) -> bytes:
    """The quote as PDF bytes (CPU-bound: call it in a thread)."""
    text = json.dumps([doc.quote, doc.vendor, doc.customer, doc.lines], ensure_ascii=False, default=str) + \
        doc.label + format_money(0, doc.currency)
    fonts = fonts_for(text, bold_text=doc.vendor["name"] + doc.customer.get("name", "") + acceptance_text(doc))
    with tempfile.TemporaryDirectory(prefix="payport-pdf-fonts-") as folder:
        pdf = InvoicePdf(doc.label, fonts, Path(folder))
        pdf.set_title(doc.label)
        pdf.set_author(doc.vendor["name"])
        pdf.add_page()
        for part in (_header, _parties, _lines, _totals, _notes):
            part(pdf, doc)
        return bytes(pdf.output())


async def quote_pdf(vendor_id: int, quote_id: int) -> tuple[bytes, str]:
    """The quote's PDF and file name (rendered on demand, off the event loop)."""
    doc = await load_quote_document(vendor_id, quote_id)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", doc.quote["number"] or "").strip("-.") or f"quote-{quote_id}"
    return await asyncio.to_thread(render_quote_pdf, doc), f"{name}.pdf"
