"""Credit notes: the form on an invoice, its panel, Apply credit, the Credit notes tab, PDF, CSV and email."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Response, Stream, Template

from app.auth import CurrentUser
from app.controllers._htmx import go, page_of
from app.money import to_major
from app.services.clock import today_for
from app.services.invoices import credit_listing, credit_notes
from app.services.invoices.credit_notes import CreditForm, CreditInvalid
from app.services.einvoice.files import credit_note_facturx, credit_note_ubl
from app.services.invoices.credit_pdf import credit_note_pdf, load_credit_document
from app.services.mail.credit_notes import NoRecipient, email_credit_note
from app.services.rows import get_invoice, vendor_timezone
from app.parsing import parse_id

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Req = Request[CurrentUser, Any, Any]
INVOICE_PAGE = page_of("/invoices/{invoice_id}")
LIST_PAGE = page_of("/invoices/credit-notes", keep_query=True)


async def _form_context(request: Req, invoice_id: int, values: dict, errors: dict) -> dict[str, Any]:
    invoice = await get_invoice(request.user.vendor_id, invoice_id)
    left = await credit_notes.creditable(invoice)
    return {"invoice": invoice, "lines": await credit_notes.lines_left(invoice), "left": left, "values": values,
            "errors": errors, "choices": credit_notes.EXCESS_CHOICES, "paid_beyond": credit_notes.excess_of(invoice, left)}


def _form(data: dict[str, str]) -> CreditForm:
    quantities = {int(key[4:]): value for key, value in data.items() if key.startswith("qty_") and key[4:].isdigit()
                  and len(key) < 16}
    return CreditForm(mode=data.get("mode", ""), amount=data.get("amount", ""), quantities=quantities,
                      reason=data.get("reason", ""), excess=data.get("excess", ""),
                      request_key=data.get("request_key", ""))


async def _list_context(request: Req) -> dict[str, Any]:
    q = (request.query_params.get("q") or "").strip()[:100]
    after = parse_id(request.query_params.get("after") or "")
    before = None if after else parse_id(request.query_params.get("before") or "")
    found = await credit_listing.list_credit_notes(request.user.vendor_id, q, after, before)
    return {"rows": found.rows, "has_prev": found.has_prev, "has_next": found.has_next, "q": q,
            "cursor": f"&after={after}" if after else (f"&before={before}" if before else ""),
            "tz": await vendor_timezone(request.user.vendor_id), "active": "invoices"}


class CreditNoteController(Controller):
    """/invoices/{id}/credit-notes, /invoices/{id}/apply-credit and /invoices/credit-notes/..."""

    path = "/invoices"

    @get("/credit-notes", opt={"role": "viewer"})
    async def index(self, request: Req) -> Template:
        """Billing Invoices, Credit notes tab."""
        return Template("pages/invoices/credit_notes.html", context=await _list_context(request))

    @get("/credit-notes/table", before_request=LIST_PAGE, opt={"role": "viewer"})
    async def table(self, request: Req) -> Template:
        """The credit notes table (search; refreshed live)."""
        return Template("partials/credit_notes/table.html", context=await _list_context(request))

    @get("/credit-notes/export.csv", opt={"role": "viewer"})
    async def export(self, request: Req, q: FromQuery[str] = "") -> Stream:
        """The matching credit notes as CSV."""
        day = today_for(await vendor_timezone(request.user.vendor_id)).isoformat()
        return Stream(credit_listing.csv_chunks(request.user.vendor_id, q), media_type="text/csv",
                      headers={"Content-Disposition": f'attachment; filename="credit-notes-{day}.csv"'})

    @get("/credit-notes/{note_id:int}/pdf", opt={"role": "viewer"})
    async def pdf(self, request: Req, note_id: FromPath[int], download: FromQuery[bool] = False) -> Response[bytes]:
        """The printable credit note."""
        data, name = await credit_note_pdf(request.user.vendor_id, note_id)
        return Response(data, media_type="application/pdf", headers={
            "Content-Disposition": f'{"attachment" if download else "inline"}; filename="{name}"'})

    @get("/credit-notes/{note_id:int}/facturx.pdf", opt={"role": "viewer"})
    async def facturx(self, request: Req, note_id: FromPath[int]) -> Response[bytes]:
        """The credit note as Factur-X (CII type 381 inside the PDF)."""
        data, name = await credit_note_facturx(request.user.vendor_id, note_id)
        return Response(data, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @get("/credit-notes/{note_id:int}/ubl.xml", opt={"role": "viewer"})
    async def ubl(self, request: Req, note_id: FromPath[int]) -> Response[bytes]:
        """The credit note as a Peppol BIS 3.0 UBL CreditNote."""
        data, name = await credit_note_ubl(request.user.vendor_id, note_id)
        return Response(data, media_type="application/xml", headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @post("/credit-notes/{note_id:int}/email", media_type=MediaType.HTML, opt={"role": "staff"})
    async def email(self, request: Req, note_id: FromPath[int], data: FormData) -> Any:
        """Email the credit note with its PDF through the outbox."""
        note = (await load_credit_document(request.user.vendor_id, note_id)).note
        try:
            await email_credit_note(request.user.vendor_id, note_id, data.get("nonce", "") or secrets.token_hex(8))
        except NoRecipient as exc:
            context = await credit_notes.panel_context(request.user.vendor_id, note["invoice"])
            context["email_error"] = {note_id: str(exc)}
            return Template("partials/credit_notes/panel.html", context=context, status_code=422)
        context = await credit_notes.panel_context(request.user.vendor_id, note["invoice"])
        return Template("partials/credit_notes/panel.html", context=context)

    @get("/{invoice_id:int}/credit-notes", before_request=INVOICE_PAGE, opt={"role": "viewer"})
    async def panel(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """The invoice's Credit notes panel (refreshed on invoice-changed-<id>)."""
        context = await credit_notes.panel_context(request.user.vendor_id, invoice_id)
        return Template("partials/credit_notes/panel.html", context=context)

    @get("/{invoice_id:int}/credit-notes/new", before_request=INVOICE_PAGE, opt={"role": "admin"})
    async def new(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """The New credit note dialog; its request key makes a double submit one note."""
        context = await _form_context(request, invoice_id, {"mode": "lines", "request_key": secrets.token_hex(16)}, {})
        context["values"]["amount"] = str(to_major(max(context["left"], 0), context["invoice"].currency))
        return Template("partials/credit_notes/form_dialog.html", context=context)

    @post("/{invoice_id:int}/credit-notes", media_type=MediaType.HTML,
          opt={"role": "admin", "audit": "refund:Issued a credit note on invoice {invoice_id}"})
    async def issue(self, request: Req, invoice_id: FromPath[int], data: FormData) -> Any:
        """Issue the credit note; field errors in place, nothing changes."""
        try:
            await credit_notes.issue_credit_note(request.user.vendor_id, invoice_id, _form(data))
        except CreditInvalid as exc:
            context = await _form_context(request, invoice_id, dict(data), exc.errors)
            return Template("partials/credit_notes/form_dialog.html", context=context, status_code=422)
        return go(request, f"/invoices/{invoice_id}")

    @get("/{invoice_id:int}/apply-credit", before_request=INVOICE_PAGE, opt={"role": "admin"})
    async def apply_dialog(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """The Apply credit dialog: how much of the customer's credit pays this invoice."""
        context = await self._apply_context(request, invoice_id, {}, {})
        most = min(context["available"], max(context["invoice"].amount_due, 0))
        context["values"] = {"amount": str(to_major(max(most, 0), context["invoice"].currency)),
                             "request_key": secrets.token_hex(16)}
        return Template("partials/credit_notes/apply_dialog.html", context=context)

    async def _apply_context(self, request: Req, invoice_id: int, values: dict, errors: dict) -> dict[str, Any]:
        invoice = await get_invoice(request.user.vendor_id, invoice_id)
        return {"invoice": invoice, "values": values, "errors": errors,
                "available": await credit_notes.customer_credit(invoice.customer, invoice.currency)}

    @post("/{invoice_id:int}/apply-credit", media_type=MediaType.HTML,
          opt={"role": "admin", "audit": "refund:Applied the customer's credit to invoice {invoice_id}"})
    async def apply(self, request: Req, invoice_id: FromPath[int], data: FormData) -> Any:
        """Apply the customer's credit to this invoice."""
        try:
            await credit_notes.apply_credit(request.user.vendor_id, invoice_id, data.get("amount", ""),
                                            data.get("request_key", ""))
        except CreditInvalid as exc:
            context = await self._apply_context(request, invoice_id, dict(data), exc.errors)
            return Template("partials/credit_notes/apply_dialog.html", context=context, status_code=422)
        return go(request, f"/invoices/{invoice_id}")
