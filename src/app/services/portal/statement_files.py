"""The statement as CSV and as PDF (the invoice PDF's page, header and fonts)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import tempfile
from pathlib import Path

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from app.money import format_money, to_major
from app.services.invoices.pdf import INK, MUTED, RULE, SOFT, InvoicePdf, _text, document_header
from app.services.pdf_fonts import fonts_for
from app.services.portal.statement import Statement
from app.times import format_date


def _safe(value: str) -> str:
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def statement_filename(statement: Statement, extension: str) -> str:
    """statement-USD-2026-01-01-to-2026-12-04.pdf"""
    return f"statement-{statement.currency}-{statement.start.isoformat()}-to-{statement.end.isoformat()}.{extension}"


def statement_csv(statement: Statement, customer: dict) -> str:
    """Opening balance, one row per entry with its running balance, the totals and the closing balance."""
    money = lambda amount: str(to_major(amount, statement.currency))  # noqa: E731
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Date", "Type", "Reference", "Description", "Amount", "Balance", "Currency"])
    cur = statement.currency
    writer.writerow([statement.start.isoformat(), "Opening balance", "", _safe(customer["name"]), "",
                     money(statement.opening), cur])
    for e in statement.entries:
        writer.writerow([e.day.isoformat(), e.kind_label, _safe(e.reference), _safe(e.description), money(e.amount),
                         money(e.balance), cur])
    for label, amount in (("Invoices", statement.invoiced), ("Payments", -statement.paid),
                          ("Credits", -statement.credited), ("Refunds", statement.refunded)):
        writer.writerow([statement.end.isoformat(), f"Total {label.lower()}", "", "", money(amount), "", cur])
    writer.writerow([statement.end.isoformat(), "Closing balance", "", "", "", money(statement.closing), cur])
    return buffer.getvalue()


def _summary(pdf: InvoicePdf, statement: Statement, customer: dict) -> None:
    cur = statement.currency
    pdf.set_font(pdf.family, "B", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, "STATEMENT FOR", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(0, 6, _text(pdf, customer["name"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, _text(pdf, f"{format_date(statement.start, 'UTC', True)} to {format_date(statement.end, 'UTC', True)}"
                              f" · {cur}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    rows = (("Opening balance", statement.opening), ("Invoices", statement.invoiced),
            ("Payments", -statement.paid), ("Credits", -statement.credited), ("Refunds", statement.refunded))
    for label, amount in rows:
        pdf.set_font(pdf.family, "", 9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(60, 6, label)
        pdf.set_text_color(*INK)
        pdf.cell(40, 6, _text(pdf, format_money(amount, cur)), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "B", 11)
    pdf.cell(60, 8, "Closing balance")
    pdf.cell(40, 8, _text(pdf, format_money(statement.closing, cur)), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)


def _entries(pdf: InvoicePdf, statement: Statement) -> None:
    cur = statement.currency
    pdf.set_font(pdf.family, "", 9)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    heading = FontFace(emphasis="BOLD", color=MUTED, fill_color=SOFT, size_pt=8.5)
    with pdf.table(col_widths=(24, 20, 70, 30, 30), text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
                   borders_layout="HORIZONTAL_LINES", headings_style=heading, line_height=5.5,
                   padding=(2, 1.5), width=pdf.epw, repeat_headings=1) as table:
        row = table.row()
        for head in ("DATE", "TYPE", "DESCRIPTION", "AMOUNT", "BALANCE"):
            row.cell(head)
        row = table.row()
        for value in (format_date(statement.start, "UTC"), "", "Opening balance", "",
                      format_money(statement.opening, cur)):
            row.cell(_text(pdf, value))
        for e in statement.entries:
            row = table.row()
            for value in (format_date(e.day, "UTC"), e.kind_label, e.description, format_money(e.amount, cur),
                          format_money(e.balance, cur)):
                row.cell(_text(pdf, value))


def render_statement_pdf(statement: Statement, vendor: dict, customer: dict) -> bytes:
    """The statement as PDF bytes (CPU-bound: call it in a thread)."""
    label = f"Statement {statement.start.isoformat()} to {statement.end.isoformat()}"
    text = json.dumps([vendor, customer, [vars(e) for e in statement.entries]], ensure_ascii=False, default=str)
    fonts = fonts_for(text + label + format_money(0, statement.currency), bold_text=vendor["name"] + customer["name"])
    with tempfile.TemporaryDirectory(prefix="payport-pdf-fonts-") as folder:
        pdf = InvoicePdf(label, fonts, Path(folder))
        pdf.set_title(label)
        pdf.set_author(vendor["name"])
        pdf.add_page()
        document_header(pdf, vendor, "STATEMENT", f"{statement.currency} · {format_date(statement.end, 'UTC')}")
        _summary(pdf, statement, customer)
        _entries(pdf, statement)
        return bytes(pdf.output())


async def statement_pdf(statement: Statement, vendor: dict, customer: dict) -> bytes:
    """render_statement_pdf off the event loop."""
    return await asyncio.to_thread(render_statement_pdf, statement, vendor, customer)
