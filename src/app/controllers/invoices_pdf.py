"""The invoice PDF: for the vendor (login) and for the customer through the payment link (public)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Response

from app.auth import CurrentUser
from app.errors import NotFound
from app.services.einvoice.files import invoice_facturx, invoice_ubl
from app.services.invoices import pdf
from app.services.invoices.documents import invoice_for_token


def _pdf_response(data: bytes, filename: str, download: bool) -> Response[bytes]:
    disposition = "attachment" if download else "inline"
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"', "Cache-Control": "private, max-age=0"})


class InvoicePdfController(Controller):
    """GET /invoices/{id}/pdf and GET /pay/{token}/invoice.pdf."""

    @get("/invoices/{invoice_id:int}/pdf", opt={"role": "viewer"})
    async def vendor_pdf(self, request: Request[CurrentUser, Any, Any], invoice_id: FromPath[int],
                         download: FromQuery[bool] = False) -> Response[bytes]:
        """The printable invoice, cached per version."""
        data, filename = await pdf.invoice_pdf(request.user.vendor_id, invoice_id)
        return _pdf_response(data, filename, download)

    @get("/invoices/{invoice_id:int}/facturx.pdf", opt={"role": "viewer"})
    async def vendor_facturx(self, request: Request[CurrentUser, Any, Any], invoice_id: FromPath[int]) -> Response:
        """The sent invoice as Factur-X (EN 16931): the PDF with its CII XML inside."""
        data, filename = await invoice_facturx(request.user.vendor_id, invoice_id)
        return _pdf_response(data, filename, True)

    @get("/invoices/{invoice_id:int}/ubl.xml", opt={"role": "viewer"})
    async def vendor_ubl(self, request: Request[CurrentUser, Any, Any], invoice_id: FromPath[int]) -> Response:
        """The sent invoice as Peppol BIS Billing 3.0 UBL XML."""
        data, filename = await invoice_ubl(request.user.vendor_id, invoice_id)
        return Response(data, media_type="application/xml", headers={
            "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, max-age=0"})

    @get("/pay/{token:str}/invoice.pdf", opt={"public": True})
    async def customer_pdf(self, token: FromPath[str], download: FromQuery[bool] = False) -> Response[bytes]:
        """The customer's copy, reached through the payment link's token."""
        found = await invoice_for_token(token)
        if found is None:
            raise NotFound("This payment link does not exist.")
        data, filename = await pdf.invoice_pdf(*found)
        return _pdf_response(data, filename, download)
