"""The statement as CSV and as PDF (the invoice PDF's page, header and fonts)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from app.i18n import N_, Texts, texts_for_customer
from app.money import to_major
from app.services.invoices.pdf import INK, MUTED, RULE, SOFT, InvoicePdf, _text, document_header
from app.services.pdf_fonts import fonts_for
from app.services.portal.statement import Statement
from app.times import format_date
from app.services.rendering import in_worker


def _safe(value: str) -> str:
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


PRINTED = (N_("STATEMENT"), N_("STATEMENT FOR"), "Opening balance", "Invoices", "Payments", "Credits", "Refunds",
           N_("Adjustments"), N_("Closing balance"), "Date", "Type", "Description", "Amount", "Balance", "Invoice",
           "Payment", "Credit", "Refund", "Adjustment", "%(start)s to %(end)s", "page %(page)s of %(pages)s")


def _day(t: Texts, value, long: bool = False) -> str:
    """The statement's days are calendar days: English keeps its short or long form, other languages babel's."""
    return format_date(value, "UTC", long) if t.language == "en" else t.date(value, "UTC")


def statement_filename(statement: Statement, extension: str) -> str:
    """statement-USD-2026-01-01-to-2026-12-04.pdf"""
    return f"statement-{statement.currency}-{statement.start.isoformat()}-to-{statement.end.isoformat()}.{extension}"


def statement_csv(statement: Statement, customer: dict, vendor: dict | None = None) -> str:
    """Opening balance, one row per entry with its running balance, the totals (adjustments always, so every
    file has the same shape) and the closing balance.

    Headers and labels speak the customer's language; dates stay ISO and amounts plain numbers for spreadsheets.
    """
    t = texts_for_customer(customer, vendor)
    money = lambda amount: str(to_major(amount, statement.currency))  # noqa: E731
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([t(h) for h in ("Date", "Type", "Reference", "Description", "Amount", "Balance", "Currency")])
    cur = statement.currency
    writer.writerow([statement.start.isoformat(), t("Opening balance"), "", _safe(customer["name"]), "",
                     money(statement.opening), cur])
    for e in statement.entries:
        writer.writerow([e.day.isoformat(), t(e.kind_label), _safe(e.reference), _safe(e.describe(t)), money(e.amount),
                         money(e.balance), cur])
    for label, amount in ((N_("Total invoices"), statement.invoiced), (N_("Total payments"), -statement.paid),
                          (N_("Total credits"), -statement.credited), (N_("Total refunds"), statement.refunded),
                          (N_("Total adjustments"), statement.adjusted)):
        writer.writerow([statement.end.isoformat(), t(label), "", "", money(amount), "", cur])
    writer.writerow([statement.end.isoformat(), t("Closing balance"), "", "", "", money(statement.closing), cur])
    return buffer.getvalue()


def _summary(pdf: InvoicePdf, statement: Statement, customer: dict) -> None:
    cur, t = statement.currency, pdf.t
    pdf.set_font(pdf.family, "B", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, t("STATEMENT FOR"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(0, 6, _text(pdf, customer["name"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, _text(pdf, t("%(start)s to %(end)s", start=_day(t, statement.start, True),
                                end=_day(t, statement.end, True)) + f" · {cur}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    rows = ((t("Opening balance"), statement.opening), (t("Invoices"), statement.invoiced),
            (t("Payments"), -statement.paid), (t("Credits"), -statement.credited), (t("Refunds"), statement.refunded))
    if statement.has_adjustments:
        rows += ((t("Adjustments"), statement.adjusted),)
    for label, amount in rows:
        pdf.set_font(pdf.family, "", 9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(60, 6, label)
        pdf.set_text_color(*INK)
        pdf.cell(40, 6, _text(pdf, t.money(amount, cur)), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "B", 11)
    pdf.cell(60, 8, t("Closing balance"))
    pdf.cell(40, 8, _text(pdf, t.money(statement.closing, cur)), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)


def _entries(pdf: InvoicePdf, statement: Statement) -> None:
    cur, t = statement.currency, pdf.t
    pdf.set_font(pdf.family, "", 9)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    heading = FontFace(emphasis="BOLD", color=MUTED, fill_color=SOFT, size_pt=8.5)
    with pdf.table(col_widths=(26, 26, 62, 30, 30), text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
                   borders_layout="HORIZONTAL_LINES", headings_style=heading, line_height=5.5,
                   padding=(2, 1.5), width=pdf.epw, repeat_headings=1) as table:
        row = table.row()
        for head in ("Date", "Type", "Description", "Amount", "Balance"):
            row.cell(_text(pdf, t(head).upper()))
        row = table.row()
        for value in (_day(t, statement.start), "", t("Opening balance"), "", t.money(statement.opening, cur)):
            row.cell(_text(pdf, value))
        for e in statement.entries:
            row = table.row()
            for value in (_day(t, e.day), t(e.kind_label), e.describe(t), t.money(e.amount, cur),
                          t.money(e.balance, cur)):
                row.cell(_text(pdf, value))


def render_statement_pdf(statement: Statement, vendor: dict, customer: dict) -> bytes:
    """The statement as PDF bytes (CPU-bound: call it in a thread)."""
    t = texts_for_customer(customer, vendor)
    label = t("Statement %(start)s to %(end)s", start=statement.start.isoformat(), end=statement.end.isoformat())
    text = json.dumps([vendor, customer, [vars(e) for e in statement.entries]], ensure_ascii=False, default=str)
    words = "".join(t(w) for w in PRINTED) + _day(t, statement.start, True) + _day(t, statement.end, True)
    fonts = fonts_for(text + label + words + t.money(0, statement.currency),
                      bold_text=vendor["name"] + customer["name"] + t("Closing balance"))
    with tempfile.TemporaryDirectory(prefix="payport-pdf-fonts-") as folder:
        pdf = InvoicePdf(label, fonts, Path(folder), t)
        pdf.set_title(label)
        pdf.set_author(vendor["name"])
        pdf.add_page()
        document_header(pdf, vendor, t("STATEMENT"), f"{statement.currency} · {_day(t, statement.end)}")
        _summary(pdf, statement, customer)
        _entries(pdf, statement)
        return bytes(pdf.output())


async def statement_pdf(statement: Statement, vendor: dict, customer: dict) -> bytes:
    """render_statement_pdf in a worker process."""
    return await in_worker(render_statement_pdf, statement, vendor, customer)
