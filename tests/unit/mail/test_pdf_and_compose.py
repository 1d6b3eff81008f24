"""The PDF (cached per version, every currency sign, long invoices) and the composed parts (escaped)."""

from __future__ import annotations

import re
from decimal import Decimal

from app.services.invoices import documents as invoice_documents, pdf
from app.services.mail import compose as mail
from app.settings import get_settings
from app.tables.invoices import Invoice, InvoiceLine
from tests.unit.mail.conftest import make_invoice


def _cached(vendor_id: int) -> list[str]:
    folder = get_settings().data_dir / "pdf" / f"vendor-{vendor_id}"
    return sorted(p.name for p in folder.glob("*.pdf"))


async def test_pdf_is_cached_per_version_and_rendered_again_after_a_change(vendor, monkeypatch):
    invoice_id = await make_invoice(vendor.vendor_id)
    first, name = await pdf.invoice_pdf(vendor.vendor_id, invoice_id)
    assert first.startswith(b"%PDF") and name == "INV-2026-0001.pdf"
    assert len(_cached(vendor.vendor_id)) == 1

    renders = []


    async def render(doc):  # the call into the worker process
        renders.append(doc)
        return b"%PDF-fresh"

    monkeypatch.setattr(pdf, "_render", render)
    again, _ = await pdf.invoice_pdf(vendor.vendor_id, invoice_id)
    assert again == first and renders == []  # served from the cache

    await Invoice.update({Invoice.version: 2, Invoice.notes: "Now with a note"}).where(Invoice.id == invoice_id)
    changed, _ = await pdf.invoice_pdf(vendor.vendor_id, invoice_id)
    assert changed == b"%PDF-fresh" and len(renders) == 1
    [only] = _cached(vendor.vendor_id)
    assert only.startswith(f"invoice-{invoice_id}-v2-")  # the old version's file is gone


async def test_pdf_handles_yen_euro_and_long_invoices(vendor):
    invoice_id = await make_invoice(vendor.vendor_id, currency="JPY", number="請求-0001")
    await InvoiceLine.insert(*[
        InvoiceLine(invoice=invoice_id, position=10 + n, description=f"Übersetzung – Kapitel {n} ({'é' * 30})",
                    quantity=Decimal("1.5"), unit_price=12000, tax_rate=Decimal(10), line_total=18000, tax_amount=1800)
        for n in range(60)
    ])
    data, name = await pdf.invoice_pdf(vendor.vendor_id, invoice_id)
    assert data.startswith(b"%PDF") and int(re.search(rb"/Count (\d+)", data).group(1)) >= 2
    assert name == "0001.pdf"  # the header value stays ASCII


async def test_the_vendors_message_is_escaped_in_the_html_part(vendor):
    invoice_id = await make_invoice(vendor.vendor_id)
    doc = await invoice_documents.load_document(vendor.vendor_id, invoice_id)
    composed = mail.compose("invoice", doc, 'Hi <script>alert(1)</script>\n\n<a href="x">click</a>')
    assert "<script>" not in composed.html and "&lt;script&gt;" in composed.html
    assert '<a href="x">' not in composed.html
    assert "<script>alert(1)</script>" in composed.text  # plain text stays as typed


def test_recipient_lists():
    assert mail.parse_recipients("a@x.com; b@y.org\nA@x.com, a@x.com") == ["a@x.com", "b@y.org", "A@x.com"]
    for bad in ("", "a@x", "a@x.com b@y.com", "<a@x.com>"):
        try:
            mail.parse_recipients(bad)
        except mail.RecipientError:
            continue
        raise AssertionError(f"{bad!r} accepted")
