"""The Card on file panel of an invoice: the customer's saved card and Charge card on file (off-session)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from app.auth import CurrentUser
from app.controllers._htmx import page_of
from app.errors import NotAllowed
from app.services.autopay.charge import charge_invoice
from app.services.autopay.panel import autopay_panel

UserRequest = Request[CurrentUser, Any, Any]
PARTIAL = "partials/invoices/autopay.html"


class InvoiceAutopayController(Controller):
    """GET refreshes the panel (SSE); POST charges the amount due to the card on file."""

    path = "/invoices/{invoice_id:int}/autopay"

    @get("/", before_request=page_of("/invoices/{invoice_id}"), opt={"role": "viewer"})
    async def show(self, request: UserRequest, invoice_id: FromPath[int]) -> Template:
        """The panel partial."""
        return Template(PARTIAL, context={"autopay": await autopay_panel(request.user.vendor_id, invoice_id)})

    @post("/charge", status_code=200, opt={"role": "staff"})
    async def charge(self, request: UserRequest, invoice_id: FromPath[int]) -> Template:
        """Charge card on file: the answer says what Stripe did; a refusal is shown in place."""
        try:
            result = await charge_invoice(request.user.vendor_id, invoice_id)
        except NotAllowed as exc:
            panel = await autopay_panel(request.user.vendor_id, invoice_id)
            return Template(PARTIAL, context={"autopay": panel, "charge_error": exc.message}, status_code=422)
        panel = await autopay_panel(request.user.vendor_id, invoice_id)
        return Template(PARTIAL, context={"autopay": panel, "result": result})
