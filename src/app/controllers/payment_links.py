"""The Online Payment Link panel of an invoice: its state, Create Payment Link."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from app.auth import CurrentUser
from app.live.announce import announce_invoice_changed
from app.services.payments.links import create_payment_link, link_panel

UserRequest = Request[CurrentUser, Any, Any]
PARTIAL = "partials/invoices/payment_link.html"


class PaymentLinkController(Controller):
    """GET shows the panel (and is what SSE refreshes); POST creates the one link."""

    path = "/invoices/{invoice_id:int}/payment-link"

    @get("/")
    async def show(self, request: UserRequest, invoice_id: FromPath[int]) -> Template:
        """The panel partial."""
        panel = await link_panel(request.user.vendor_id, invoice_id)
        return Template(PARTIAL, context={"panel": panel})

    @post("/", status_code=200)
    async def create(self, request: UserRequest, invoice_id: FromPath[int]) -> Template:
        """Create Payment Link (a second click returns the same link)."""
        await create_payment_link(request.user.vendor_id, invoice_id)
        announce_invoice_changed(request.user.vendor_id, invoice_id)
        panel = await link_panel(request.user.vendor_id, invoice_id)
        return Template(PARTIAL, context={"panel": panel, "just_created": True})
