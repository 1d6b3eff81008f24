"""The reports as CSV (amounts in major units of their currency) and the tax report as PDF (fpdf2)."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import timedelta
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from app.money import format_money, to_major
from app.services.invoices.pdf import BRAND, INK, MUTED, RULE, SOFT
from app.services.pdf_fonts import fonts_for
from app.services.reports.ageing import BUCKETS, CustomerAgeing
from app.services.reports.periods import BASES
from app.services.reports.revenue import CustomerRevenue
from app.services.reports.tax import TaxReport
from app.times import format_date


def _safe(value: str) -> str:
    # A spreadsheet runs a cell that starts with one of these as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def tax_csv(report: TaxReport) -> str:
    """One line per currency and rate: taxable, tax, credited and net, then a total line per currency."""
    def line(row, label):
        cur = row.currency
        return [report.period.label, report.period.basis, cur, label] + [
            str(to_major(v, cur)) for v in (row.taxable, row.tax, row.credit_taxable, row.credit_tax,
                                            row.net_taxable, row.net_tax)]
    rows = [line(r, r.rate_label) for r in report.rows] + [line(t, "Total") for t in report.totals]
    return _csv(["Period", "Basis", "Currency", "Tax rate", "Taxable amount", "Tax", "Credited taxable",
                 "Credited tax", "Net taxable amount", "Net tax"], rows)


def ageing_csv(rows: list[CustomerAgeing]) -> str:
    """One line per open invoice, with its customer, due date, days late and bucket."""
    out = [[_safe(r.name), r.currency, line.number, line.issue_date.isoformat(),
            line.due_date.isoformat() if line.due_date else "", line.days_late, BUCKETS[line.bucket],
            str(to_major(line.amount_due, r.currency))] for r in rows for line in r.invoices]
    return _csv(["Customer", "Currency", "Invoice", "Issue date", "Due date", "Days past due", "Bucket",
                 "Amount due"], out)


def revenue_csv(rows: list[CustomerRevenue], label: str) -> str:
    """One line per customer and currency."""
    out = [[label, _safe(r.name), r.currency] + [str(to_major(v, r.currency)) for v in
                                                  (r.invoiced, r.credited, r.net_invoiced, r.received)]
           for r in rows]
    return _csv(["Period", "Customer", "Currency", "Invoiced", "Credited", "Net invoiced", "Received"], out)


def _table(pdf: FPDF, family: str, rows: list[tuple[str, ...]]) -> None:
    heading = FontFace(emphasis="BOLD", color=MUTED, fill_color=SOFT, size_pt=8.5)
    pdf.set_font(family, "", 9.5)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    with pdf.table(col_widths=(22, 28, 32, 28, 32, 28), text_align=("LEFT",) + ("RIGHT",) * 5,
                   borders_layout="HORIZONTAL_LINES", headings_style=heading, line_height=5.5,
                   padding=(2, 1.5), width=pdf.epw, repeat_headings=1) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)


def _tax_rows(report: TaxReport, currency: str) -> list[tuple[str, ...]]:
    money = lambda v: format_money(v, currency)  # noqa: E731
    rows = [("RATE", "TAXABLE", "TAX", "CREDITED TAX", "NET TAXABLE", "NET TAX")]
    for r in [r for r in report.rows if r.currency == currency]:
        rows.append((r.rate_label, money(r.taxable), money(r.tax), money(-r.credit_tax), money(r.net_taxable),
                     money(r.net_tax)))
    for t in [t for t in report.totals if t.currency == currency]:
        rows.append(("Total", money(t.taxable), money(t.tax), money(-t.credit_tax), money(t.net_taxable),
                     money(t.net_tax)))
    return rows


def tax_pdf(report: TaxReport, vendor_name: str, zone: str) -> bytes:
    """The tax report on A4, one table per currency (CPU-bound: call it in a thread)."""
    title = f"Tax report {report.period.label}"
    fonts = fonts_for(vendor_name + title)
    with tempfile.TemporaryDirectory(prefix="payport-report-fonts-") as folder:
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_margins(18, 18, 18)
        for font in (f.prepared(Path(folder)) for f in fonts.files):
            pdf.add_font(font.family, font.style, str(font.path), collection_font_number=font.face)
        if fonts.fallbacks:
            pdf.set_fallback_fonts(fonts.fallbacks, exact_match=False)
        pdf.set_title(title)
        pdf.set_author(vendor_name)
        pdf.add_page()
        pdf.set_font(fonts.family, "B", 18)
        pdf.set_text_color(*BRAND)
        pdf.cell(0, 9, fonts.printable(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(fonts.family, "", 10)
        pdf.set_text_color(*MUTED)
        last = report.period.end - timedelta(days=1)
        pdf.multi_cell(0, 5, fonts.printable(f"{vendor_name} · {BASES[report.period.basis]} · "
                                             f"{format_date(report.period.start)} to {format_date(last)} · {zone}"),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        if not report.rows:
            pdf.set_text_color(*INK)
            pdf.cell(0, 6, "Nothing taxable in this period.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for total in report.totals:
            pdf.set_font(fonts.family, "B", 12)
            pdf.set_text_color(*INK)
            pdf.cell(0, 8, total.currency, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            _table(pdf, fonts.family, _tax_rows(report, total.currency))
            pdf.ln(4)
        return bytes(pdf.output())
