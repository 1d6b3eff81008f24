"""The printable quote: the invoice PDF's look, titled Quote, with the customer's acceptance when there is one."""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from fpdf.enums import XPos, YPos

from app.errors import NotFound
from app.i18n import ENGLISH, N_, Texts, texts_for_customer
from app.services.invoices import pdf as invoice_pdf
from app.services.invoices.pdf import INK, MUTED, InvoicePdf, _text
from app.services.pdf_fonts import fonts_for
from app.services.quotes.records import STATUS_LABELS, display_status
from app.tables.customers import Customer
from app.tables.quotes import Quote, QuoteLine
from app.tables.vendors import Vendor
from app.times import format_time
from app.services.rendering import in_worker


PRINTED = (N_("QUOTE"), N_("QUOTE FOR"), N_("Date"), N_("Valid until"), N_("Status"), N_("Total"), N_("Subtotal"),
           N_("Discount"), N_("Tax"), "Description", "Qty", "Unit price", "Amount", "page %(page)s of %(pages)s",
           *STATUS_LABELS.values())


@dataclass(frozen=True)
class QuoteDocument:
    """A quote with its vendor, customer and lines, ready to render."""

    quote: dict
    vendor: dict
    customer: dict
    lines: list[dict]

    @property
    def texts(self) -> Texts:
        """The customer's language (else the vendor's): the customer's page, PDF and email speak it."""
        return texts_for_customer(self.customer, self.vendor)

    @property
    def label(self) -> str:
        t = self.texts
        return t("Quote %(number)s", number=self.quote["number"] or t("(draft)"))

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
    invoice_pdf.document_header(pdf, doc.vendor, pdf.t("QUOTE"), doc.quote["number"] or pdf.t("Draft"))


def _parties(pdf: InvoicePdf, doc: QuoteDocument) -> None:
    top = pdf.get_y()
    pdf.set_font(pdf.family, "B", 8)
    pdf.set_text_color(*MUTED)
    t = pdf.t
    pdf.cell(0, 5, t("QUOTE FOR"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(pdf.family, "B", 11)
    pdf.cell(95, 6, _text(pdf, doc.customer.get("name", "")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "", 9.5)
    details = [doc.customer.get("email", ""), doc.customer.get("billing_address", "")]
    pdf.multi_cell(95, 4.8, _text(pdf, "\n".join(d for d in details if d)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    pdf.set_y(top)
    tz = doc.vendor["timezone"]
    for label, value in ((t("Date"), t.date(doc.quote["issue_date"], tz)),
                         (t("Valid until"), t.date(doc.quote["expiry_date"], tz)),
                         (t("Status"), t(STATUS_LABELS[doc.shown_status])),
                         (t("Total"), t.money(doc.quote["total"], doc.currency))):
        pdf.set_x(120)
        pdf.set_font(pdf.family, "", 9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(30, 6, label)
        pdf.set_font(pdf.family, "B", 10)
        pdf.set_text_color(*INK)
        pdf.cell(0, 6, _text(pdf, value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(bottom, pdf.get_y()) + 6)


def _lines(pdf: InvoicePdf, doc: QuoteDocument) -> None:
    cur, t = doc.currency, pdf.t
    rows = [(line["description"], t.number(Decimal(line["quantity"])), t.money(line["unit_price"], cur),
             t.percent(Decimal(line["tax_rate"])), t.money(line["line_total"], cur)) for line in doc.lines]
    invoice_pdf.lines_table(pdf, rows)


def _totals(pdf: InvoicePdf, doc: QuoteDocument) -> None:
    quote, cur, t = doc.quote, doc.currency, pdf.t
    rows = [(t("Subtotal"), quote["subtotal"])]
    if quote["discount_total"]:
        rows.append((t("Discount"), -quote["discount_total"]))
    rows += [(t("Tax"), quote["tax_total"]), (t("Total"), quote["total"])]
    for label, amount in rows:
        strong = label == rows[-1][0]
        pdf.set_x(110)
        pdf.set_font(pdf.family, "B" if strong else "", 11 if strong else 9.5)
        pdf.set_text_color(*(INK if strong else MUTED))
        pdf.cell(45, 7, label)
        pdf.set_text_color(*INK)
        pdf.cell(0, 7, _text(pdf, t.money(amount, cur)), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def acceptance_text(doc: QuoteDocument, t: Texts = ENGLISH) -> str:
    """The acceptance as printed: who typed their name, when (vendor's zone) and from which address."""
    quote = doc.quote
    if not quote["accepted_at"]:
        return ""
    tz = doc.vendor["timezone"]
    when = f"{t.date(quote['accepted_at'], tz)} {format_time(quote['accepted_at'], tz, with_zone=True)}"
    return t("Accepted by %(name)s on %(when)s from %(address)s.", name=quote["accepted_name"], when=when,
             address=quote["accepted_address"] or t("an unknown address"))


def _notes(pdf: InvoicePdf, doc: QuoteDocument) -> None:
    pdf.ln(4)
    pdf.set_font(pdf.family, "", 9.5)
    pdf.set_text_color(*INK)
    accepted = acceptance_text(doc, pdf.t)
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
    t = doc.texts
    text = json.dumps([doc.quote, doc.vendor, doc.customer, doc.lines], ensure_ascii=False, default=str) + \
        doc.label + t.money(0, doc.currency) + "".join(t(w) for w in PRINTED)
    fonts = fonts_for(text, bold_text=doc.vendor["name"] + doc.customer.get("name", "") + acceptance_text(doc, t))
    with tempfile.TemporaryDirectory(prefix="payport-pdf-fonts-") as folder:
        pdf = InvoicePdf(doc.label, fonts, Path(folder), t)
        pdf.set_title(doc.label)
        pdf.set_author(doc.vendor["name"])
        pdf.add_page()
        for part in (_header, _parties, _lines, _totals, _notes):
            part(pdf, doc)
        return bytes(pdf.output())


async def quote_pdf(vendor_id: int, quote_id: int) -> tuple[bytes, str]:
    """The quote's PDF and file name (rendered on demand, in a worker process)."""
    doc = await load_quote_document(vendor_id, quote_id)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", doc.quote["number"] or "").strip("-.") or f"quote-{quote_id}"
    return await in_worker(render_quote_pdf, doc), f"{name}.pdf"
