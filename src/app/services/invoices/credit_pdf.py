"""The printable credit note: the invoice PDF's look, titled Credit note, naming the invoice it credits."""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from fpdf.enums import XPos, YPos

from app.errors import NotFound
from app.i18n import Texts, texts_for_customer
from app.services.invoices import pdf as invoice_pdf
from app.services.invoices.pdf import INK, MUTED, InvoicePdf, _text
from app.services.pdf_fonts import fonts_for
from app.tables.credits import CreditNote, CreditNoteLine
from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.vendors import Vendor
from app.services.rendering import in_worker


@dataclass(frozen=True)
class CreditDocument:
    """A credit note with its invoice, vendor, customer and lines, ready to render."""

    note: dict
    invoice: dict
    vendor: dict
    customer: dict
    lines: list[dict]

    @property
    def label(self) -> str:
        return f"Credit note {self.note['number']}"

    @property
    def texts(self) -> Texts:
        """The customer's language (else the vendor's)."""
        return texts_for_customer(self.customer, self.vendor)

    @property
    def currency(self) -> str:
        return self.note["currency"]


async def load_credit_document(vendor_id: int, note_id: int) -> CreditDocument:
    """The credit note as its PDF shows it; NotFound for another vendor's or a missing id."""
    note = await CreditNote.select().where((CreditNote.id == note_id) & (CreditNote.vendor == vendor_id)).first()
    if note is None:
        raise NotFound("That credit note does not exist.")
    invoice = await Invoice.select().where(Invoice.id == note["invoice"]).first()
    vendor = await Vendor.select().where(Vendor.id == vendor_id).first()
    customer = await Customer.select().where(Customer.id == note["customer"]).first() or {}
    lines = await CreditNoteLine.select().where(CreditNoteLine.credit_note == note_id).order_by(CreditNoteLine.position)
    return CreditDocument(note, invoice, vendor, customer, lines)


PRINTED = ("CREDIT NOTE", "CREDIT TO", "Invoice", "Credit", "Reason: %(reason)s", "Credit on invoice %(number)s",
           "Discount", "Total credited", "Refunded to you", "Kept as your credit", "Credit note %(number)s")


def _header(pdf: InvoicePdf, doc: CreditDocument) -> None:
    # The seller's details (logo, address, VAT id) as on the invoice: a credit note needs them as much.
    invoice_pdf.document_header(pdf, doc.vendor, pdf.t("CREDIT NOTE"), doc.note["number"])


def _parties(pdf: InvoicePdf, doc: CreditDocument) -> None:
    t = pdf.t
    top = pdf.get_y()
    pdf.set_font(pdf.family, "B", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, _text(pdf, t("CREDIT TO")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(pdf.family, "B", 11)
    pdf.cell(95, 6, _text(pdf, doc.customer.get("name", "")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "", 9.5)
    details = [doc.customer.get("email", ""), doc.customer.get("billing_address", "")]
    pdf.multi_cell(95, 4.8, _text(pdf, "\n".join(d for d in details if d)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    pdf.set_y(top)
    for label, value in ((t("Issue date"), t.date(doc.note["issue_date"], doc.vendor["timezone"])),
                         (t("Invoice"), doc.invoice["number"] or ""),
                         (t("Credit"), t.money(doc.note["total"], doc.currency))):
        pdf.set_x(120)
        pdf.set_font(pdf.family, "", 9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(30, 6, _text(pdf, label))
        pdf.set_font(pdf.family, "B", 10)
        pdf.set_text_color(*INK)
        pdf.cell(0, 6, _text(pdf, value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(bottom, pdf.get_y()) + 6)
    pdf.set_font(pdf.family, "", 9.5)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 5, _text(pdf, t("Reason: %(reason)s", reason=doc.note["reason"])), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _lines(pdf: InvoicePdf, doc: CreditDocument) -> None:
    cur, t = doc.currency, pdf.t
    rows = [(line["description"], t.number(Decimal(line["quantity"])), t.money(line["unit_price"], cur),
             t.percent(Decimal(line["tax_rate"])), t.money(line["line_total"], cur)) for line in doc.lines]
    if not rows:
        rows = [(t("Credit on invoice %(number)s", number=doc.invoice["number"]), "1",
                 t.money(doc.note["subtotal"], cur), "", t.money(doc.note["subtotal"], cur))]
    invoice_pdf.lines_table(pdf, rows)


def _totals(pdf: InvoicePdf, doc: CreditDocument) -> None:
    note, cur, t = doc.note, doc.currency, pdf.t
    rows = [(t("Subtotal"), note["subtotal"])]
    if note["discount_total"]:
        rows.append((t("Discount"), -note["discount_total"]))
    rows += [(t("Tax"), note["tax_total"]), (t("Total credited"), note["total"])]
    if note["amount_refunded"]:
        rows.append((t("Refunded to you"), note["amount_refunded"]))
    if note["amount_kept"]:
        rows.append((t("Kept as your credit"), note["amount_kept"]))
    for label, amount in rows:
        strong = label == t("Total credited")
        pdf.set_x(110)
        pdf.set_font(pdf.family, "B" if strong else "", 11 if strong else 9.5)
        pdf.set_text_color(*(INK if strong else MUTED))
        pdf.cell(45, 7, _text(pdf, label))
        pdf.set_text_color(*INK)
        pdf.cell(0, 7, _text(pdf, t.money(amount, cur)), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_credit_pdf(doc: CreditDocument) -> bytes:
    """The credit note as PDF bytes (CPU-bound: call it in a thread)."""
    t = doc.texts
    label = t("Credit note %(number)s", number=doc.note["number"])
    words = "".join(t(w) for w in (*invoice_pdf.PRINTED, *PRINTED))
    text = json.dumps([doc.note, doc.invoice.get("number"), doc.vendor, doc.customer, doc.lines],
                      ensure_ascii=False, default=str) + label + words + t.money(1234567, doc.currency) \
        + t.date(doc.note["issue_date"])
    fonts = fonts_for(text, bold_text=doc.vendor["name"] + doc.customer.get("name", ""))
    with tempfile.TemporaryDirectory(prefix="payport-pdf-fonts-") as folder:
        pdf = InvoicePdf(label, fonts, Path(folder), t)
        pdf.set_title(label)
        pdf.set_author(doc.vendor["name"])
        pdf.add_page()
        for part in (_header, _parties, _lines, _totals):
            part(pdf, doc)
        return bytes(pdf.output())


async def credit_note_pdf(vendor_id: int, note_id: int) -> tuple[bytes, str]:
    """The credit note's PDF and file name (small: rendered on demand, in a worker process)."""
    doc = await load_credit_document(vendor_id, note_id)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", doc.note["number"]).strip("-.") or f"credit-note-{note_id}"
    return await in_worker(render_credit_pdf, doc), f"{name}.pdf"
