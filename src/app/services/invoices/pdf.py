"""The printable invoice: fpdf2 layout, payment link as URL and QR code, cached on disk per invoice version."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import re
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from app.i18n import ENGLISH, N_, Texts
from app.services.business import REVERSE_CHARGE_NOTE, country_name, logo_bytes
from app.services.invoices.documents import InvoiceDocument, load_document
from app.services.pdf_fonts import FontSet, fonts_for, fonts_version
from app.services.rendering import in_worker
from app.settings import get_settings

# fontTools logs every glyph subset at INFO; that is noise in the server log.
logging.getLogger("fontTools").setLevel(logging.WARNING)
log = logging.getLogger(__name__)
INK = (26, 31, 43)
MUTED = (91, 100, 114)
RULE = (227, 230, 235)
BRAND = (79, 70, 229)
SOFT = (246, 247, 249)
STATUS_WORDS = {"paid": N_("PAID"), "partially_paid": N_("PARTIALLY PAID"), "void": N_("VOID"),
                "refunded": N_("REFUNDED"), "partially_refunded": N_("PARTIALLY REFUNDED")}
REVERSE_CHARGE_MSG = "Reverse charge: VAT to be accounted for by the recipient, Art. 196 Directive 2006/112/EC"
assert REVERSE_CHARGE_MSG == REVERSE_CHARGE_NOTE  # the catalog's msgid is the note's English text


class InvoicePdf(FPDF):
    """An A4 page with a quiet footer: page numbers and the invoice label."""

    def __init__(self, label: str, fonts: FontSet, folder: Path, texts: Texts = ENGLISH) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.label = label
        self.t = texts
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=20)
        self.font_set = fonts
        self.family = fonts.family
        for font in (f.prepared(folder) for f in fonts.files):
            self.add_font(font.family, font.style, str(font.path), collection_font_number=font.face)
        if fonts.fallbacks:
            # Not exact: bold Japanese falls back to the regular CJK face when no bold one was needed.
            self.set_fallback_fonts(fonts.fallbacks, exact_match=False)
        self.label_text = fonts.printable(label)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.family, "", 8)
        self.set_text_color(*MUTED)
        page = self.t("page %(page)s of %(pages)s", page=self.page_no(), pages="{nb}")
        self.cell(0, 5, f"{self.label_text} · {page}", align="C")


PRINTED = ("INVOICE", "Draft", "BILL TO", "Issue date", "Due date", "On receipt", "Amount due", "Description", "Qty",
           "Unit price", "Tax", "Amount", "Subtotal", "Discount (%(percent)s)", "Tax %(rate)s", "Total", "Credited",
           "Paid", "Refunded", "Pay online", "Scan the code or open this link to pay by card:",
           "Pay by bank transfer", "Reference %(number)s", "Notes", "page %(page)s of %(pages)s", REVERSE_CHARGE_MSG,
           "VAT ID %(id)s", "VAT ID: %(id)s", "Unit prices and line amounts include tax.", "Reg. no. %(number)s", "Invoice %(number)s", "Draft invoice")


def _text(pdf: InvoicePdf, value: str) -> str:
    return pdf.font_set.printable(value)


def _document_fonts(doc: InvoiceDocument) -> FontSet:
    """Fonts for every string the document can print; names are the strings set in bold."""
    t = doc.texts
    words = "".join(t(w) for w in (*STATUS_WORDS.values(), *PRINTED))
    text = (json.dumps(_payload(doc), ensure_ascii=False, default=str) + doc.label_in(t) + words
            + t.money(1234567, doc.currency) + t.date(doc.invoice["issue_date"])
            + t.country(doc.customer.get("country", "")))
    return fonts_for(text, bold_text=doc.vendor["name"] + doc.customer.get("name", ""))


def _quantity(value) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def accent(vendor: dict) -> tuple[int, int, int]:
    """The vendor's accent colour as RGB (the house indigo when none is set)."""
    value = (vendor.get("accent_color") or "").lstrip("#")
    return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4)) if len(value) == 6 else BRAND


def vendor_lines(vendor: dict, t: Texts = ENGLISH) -> list[str]:
    """The seller's details as printed under the name: address, contacts, tax and company ids."""
    contact = " · ".join(v for v in (vendor.get("email"), vendor.get("phone"), vendor.get("website")) if v)
    ids = " · ".join(v for v in (t("VAT ID %(id)s", id=vendor["vat_id"]) if vendor.get("vat_id") else "",
                                 t("Reg. no. %(number)s", number=vendor["company_number"])
                                 if vendor.get("company_number") else "") if v)
    return [v for v in (*(vendor.get("address") or "").splitlines(), contact, ids) if v]


def _logo(pdf: InvoicePdf, vendor: dict) -> None:
    data = logo_bytes(vendor)
    if data:
        # At most 50 x 20 mm, keeping the aspect ratio (fpdf2 fits the image into the box).
        pdf.image(io.BytesIO(data), x=pdf.l_margin, y=pdf.get_y(), w=50, h=20, keep_aspect_ratio=True)
        pdf.set_y(pdf.get_y() + 23)


def _header(pdf: InvoicePdf, doc: InvoiceDocument) -> None:
    inv = doc.invoice
    t = pdf.t
    word = STATUS_WORDS.get(inv["status"])
    document_header(pdf, doc.vendor, t("INVOICE"), inv.get("number") or t("Draft"), t(word) if word else None,
                    paid=inv["status"] == "paid")


def document_header(pdf: InvoicePdf, vendor: dict, title: str, number: str, word: str | None = None,
                    paid: bool = False) -> None:
    """The seller block (logo, name, address, ids) beside the document's title and number; invoices and credit notes."""
    top = pdf.get_y()
    pdf.set_font(pdf.family, "B", 22)
    pdf.set_text_color(*accent(vendor))
    pdf.cell(0, 9, title, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "", 9.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, _text(pdf, number), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if word:
        pdf.set_font(pdf.family, "B", 10)
        pdf.set_text_color(*((17, 122, 69) if paid else MUTED))
        pdf.cell(0, 6, word, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    right_bottom = pdf.get_y()
    pdf.set_y(top)
    _logo(pdf, vendor)
    pdf.set_text_color(*INK)
    pdf.set_font(pdf.family, "B", 16)
    pdf.cell(110, 8, _text(pdf, vendor["name"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(110, 4.6, _text(pdf, "\n".join([*vendor_lines(vendor, pdf.t)] or [vendor["email"]])),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), right_bottom))
    pdf.ln(6)
    pdf.set_draw_color(*RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(6)


def _parties(pdf: InvoicePdf, doc: InvoiceDocument) -> None:
    inv, cust, t = doc.invoice, doc.customer, pdf.t
    top = pdf.get_y()
    pdf.set_font(pdf.family, "B", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, t("BILL TO"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(pdf.family, "B", 11)
    pdf.cell(95, 6, _text(pdf, cust.get("name", "")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "", 9.5)
    country = t.country(cust.get("country", "")) or country_name(cust.get("country", ""))
    address = cust.get("billing_address", "")
    details = [cust.get("email", ""), address, country if country.lower() not in address.lower() else "",
               t("VAT ID: %(id)s", id=cust["tax_id"]) if cust.get("tax_id") else ""]
    pdf.multi_cell(95, 4.8, _text(pdf, "\n".join(d for d in details if d)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()
    rows = [(t("Issue date"), t.date(inv["issue_date"])),
            (t("Due date"), t.date(inv["due_date"]) if inv.get("due_date") else t("On receipt")),
            (t("Amount due"), t.money(doc.amount_due, doc.currency))]
    pdf.set_y(top)
    for label, value in rows:
        pdf.set_x(120)
        pdf.set_font(pdf.family, "", 9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(30, 6, label)
        pdf.set_font(pdf.family, "B", 10 if label != t("Amount due") else 11)
        pdf.set_text_color(*INK)
        pdf.cell(0, 6, _text(pdf, value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)


def _lines(pdf: InvoicePdf, doc: InvoiceDocument) -> None:
    t = pdf.t
    inclusive = bool(doc.invoice.get("prices_include_tax"))
    # With tax-inclusive prices a line shows what was entered (quantity x gross price); the totals show the net.
    lines_table(pdf, [(line.description, t.number(line.quantity), t.money(line.unit_price, doc.currency),
                       t.percent(line.tax_rate),
                       t.money(_gross(line) if inclusive else line.line_total, doc.currency))
                      for line in doc.lines])
    if inclusive:
        pdf.set_font(pdf.family, "", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 5, _text(pdf, t("Unit prices and line amounts include tax.")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)


def _gross(line) -> int:
    return int((line.quantity * line.unit_price).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def lines_table(pdf: InvoicePdf, rows: list[tuple[str, ...]]) -> None:
    """The lines table (description, quantity, unit price, tax, amount), shared with credit notes."""
    t = pdf.t
    heads = (t("Description"), t("Qty"), t("Unit price"), t("Tax"), t("Amount"))
    pdf.set_font(pdf.family, "", 9.5)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    heading = FontFace(emphasis="BOLD", color=MUTED, fill_color=SOFT, size_pt=8.5)
    # fpdf2's table wraps long descriptions, breaks pages between rows and repeats the heading row.
    with pdf.table(col_widths=(84, 18, 28, 16, 28), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                   borders_layout="HORIZONTAL_LINES", headings_style=heading, line_height=5.5,
                   padding=(2, 1.5), width=pdf.epw, repeat_headings=1) as table:
        row = table.row()
        for head in heads:
            row.cell(_text(pdf, head.upper()))
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(_text(pdf, value))
    pdf.ln(4)


def _tax_rows(doc: InvoiceDocument, t: Texts = ENGLISH) -> list[tuple[str, int]]:
    """One row per tax rate, as on the details page; a single 'Tax' row when lines carry no rate."""
    by_rate: dict = {}
    for line in doc.lines:
        if line.tax_rate:
            by_rate[line.tax_rate.normalize()] = by_rate.get(line.tax_rate.normalize(), 0) + line.tax_amount
    if by_rate and sum(by_rate.values()) == doc.invoice["tax_total"]:
        return [(t("Tax %(rate)s", rate=t.percent(rate)), amount) for rate, amount in sorted(by_rate.items())]
    return [(t("Tax"), doc.invoice["tax_total"])]


def _totals(pdf: InvoicePdf, doc: InvoiceDocument) -> None:
    inv, cur, t = doc.invoice, doc.currency, pdf.t
    rows = [(t("Subtotal"), inv["subtotal"])]
    if inv["discount_total"]:
        rows.append((t("Discount (%(percent)s)", percent=t.percent(inv["discount_percent"])), -inv["discount_total"]))
    rows += _tax_rows(doc, t)
    rows.append((t("Total"), inv["total"]))
    if inv["amount_credited"]:
        rows.append((t("Credited"), -inv["amount_credited"]))
    if inv["amount_paid"]:
        rows.append((t("Paid"), -inv["amount_paid"]))
    if inv["amount_refunded"]:
        rows.append((t("Refunded"), inv["amount_refunded"]))
    rows.append((t("Amount due"), doc.amount_due))
    for label, amount in rows:
        strong = label in (t("Total"), t("Amount due"))
        pdf.set_x(110)
        pdf.set_font(pdf.family, "B" if strong else "", 11 if label == t("Amount due") else 9.5)
        pdf.set_text_color(*(INK if strong else MUTED))
        pdf.cell(45, 7, _text(pdf, label))
        pdf.set_text_color(*INK)
        pdf.cell(0, 7, _text(pdf, t.money(amount, cur)), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


def _pay_online(pdf: InvoicePdf, doc: InvoiceDocument) -> None:
    if not doc.link_url or inv_closed(doc):
        return
    if pdf.get_y() > pdf.h - 70:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_fill_color(*SOFT)
    pdf.rect(pdf.l_margin, top, pdf.w - pdf.l_margin - pdf.r_margin, 40, style="F")
    qr = io.BytesIO()
    segno.make(doc.link_url, error="m").save(qr, kind="png", scale=6, border=1)
    pdf.image(qr, x=pdf.l_margin + 4, y=top + 4, w=32, h=32)
    pdf.set_xy(pdf.l_margin + 42, top + 7)
    pdf.set_font(pdf.family, "B", 12)
    pdf.set_text_color(*INK)
    pdf.cell(0, 7, _text(pdf, pdf.t("Pay online")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(pdf.l_margin + 42)
    pdf.set_font(pdf.family, "", 9.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 6, _text(pdf, pdf.t("Scan the code or open this link to pay by card:")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(pdf.l_margin + 42)
    pdf.set_text_color(*BRAND)
    pdf.set_font(pdf.family, "", 9)
    pdf.cell(0, 6, _text(pdf, doc.link_url), link=doc.link_url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(top + 46)


def inv_closed(doc: InvoiceDocument) -> bool:
    """Nothing left to pay online: paid, refunded or void."""
    return doc.invoice["status"] not in ("sent", "partially_paid")


def _bank(pdf: InvoicePdf, doc: InvoiceDocument) -> None:
    vendor = doc.vendor
    if not vendor.get("iban") or doc.invoice["status"] in ("paid", "void", "refunded", "partially_refunded"):
        return
    pdf.set_font(pdf.family, "B", 9)
    pdf.set_text_color(*INK)
    pdf.cell(0, 6, _text(pdf, pdf.t("Pay by bank transfer")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "", 9)
    pdf.set_text_color(*MUTED)
    rows = [vendor.get("bank_name", ""), f"IBAN {_iban(vendor['iban'])}",
            f"BIC {vendor['bic']}" if vendor.get("bic") else "",
            pdf.t("Reference %(number)s", number=doc.invoice.get("number") or "")]
    pdf.multi_cell(0, 4.8, _text(pdf, "\n".join(r for r in rows if r.strip())), new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.ln(3)


def _iban(value: str) -> str:
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def _reverse_charge(pdf: InvoicePdf, doc: InvoiceDocument) -> None:
    if doc.customer.get("reverse_charge"):
        pdf.set_font(pdf.family, "B", 9)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 4.8, _text(pdf, pdf.t(REVERSE_CHARGE_MSG)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)


def _notes(pdf: InvoicePdf, doc: InvoiceDocument) -> None:
    for title, body in ((pdf.t("Notes"), doc.invoice.get("notes")), ("", doc.invoice.get("footer"))):
        if not body:
            continue
        if title:
            pdf.set_font(pdf.family, "B", 9)
            pdf.set_text_color(*INK)
            pdf.cell(0, 6, _text(pdf, title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(pdf.family, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 4.8, _text(pdf, body), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)


def _unprinted_note(pdf: InvoicePdf, doc: InvoiceDocument) -> None:
    """Say which characters no installed font could print, on the page and in the log, never silently."""
    if not pdf.font_set.unprinted:
        return
    codes = ", ".join(f"U+{ord(ch):04X}" for ch in sorted(pdf.font_set.unprinted))
    log.warning("PDF of %s: no font for %s; printed as %s", doc.label, codes, pdf.font_set.replacement)
    pdf.set_font(pdf.family, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 4.2, f"Some characters have no font on this server and show as {pdf.font_set.replacement}: "
                           f"{codes}.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_pdf(doc: InvoiceDocument) -> bytes:
    """The invoice as PDF bytes (CPU-bound: run it in a worker process, see services/rendering.py)."""
    with tempfile.TemporaryDirectory(prefix="payport-pdf-fonts-") as folder:
        t = doc.texts
        pdf = InvoicePdf(doc.label_in(t), _document_fonts(doc), Path(folder), t)
        pdf.set_title(doc.label_in(t))
        pdf.set_author(doc.vendor["name"])
        pdf.add_page()
        for part in (_header, _parties, _lines, _totals, _reverse_charge, _pay_online, _bank, _notes,
                     _unprinted_note):
            part(pdf, doc)
        return bytes(pdf.output())


def pdf_filename(doc: InvoiceDocument) -> str:
    """A safe download name: INV-2026-0001.pdf, or draft-invoice-12.pdf."""
    number = doc.invoice.get("number")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", number or "").strip("-.")
    return f"{safe or ('invoice-' + str(doc.id) if number else f'draft-invoice-{doc.id}')}.pdf"


def _payload(doc: InvoiceDocument) -> list:
    return [doc.invoice, doc.vendor, doc.customer, doc.link_url, [vars(l) for l in doc.lines]]


def _cache_path(doc: InvoiceDocument) -> Path:
    # The version names the file; the digest also covers what changes without a new version
    # (status, payment, link, customer or vendor details), so a stale PDF is never served.
    # So do the installed fonts: a PDF printed before a font was installed is printed again.
    payload = json.dumps([fonts_version(), *_payload(doc)], default=str, sort_keys=True)
    digest = hashlib.sha256(payload.encode()).hexdigest()[:16]
    folder = get_settings().data_dir / "pdf" / f"vendor-{doc.invoice['vendor']}"
    return folder / f"invoice-{doc.id}-v{doc.invoice['version']}-{digest}.pdf"


def _cached(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def _store(path: Path, invoice_id: int, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(f"invoice-{invoice_id}-v*.pdf"):
        old.unlink(missing_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # atomic: a reader never sees half a file


async def _render(doc: InvoiceDocument) -> bytes:
    return await in_worker(render_pdf, doc)


async def invoice_pdf(vendor_id: int, invoice_id: int) -> tuple[bytes, str]:
    """The invoice's PDF and file name, from the cache when this version was rendered before."""
    doc = await load_document(vendor_id, invoice_id)
    return await document_pdf(doc)


async def document_pdf(doc: InvoiceDocument) -> tuple[bytes, str]:
    """The PDF for an already loaded document (rendered in a worker process, file access in a thread)."""
    path = _cache_path(doc)
    data = await asyncio.to_thread(_cached, path)
    if data is None:
        data = await _render(doc)
        await asyncio.to_thread(_store, path, doc.id, data)
    return data, pdf_filename(doc)
