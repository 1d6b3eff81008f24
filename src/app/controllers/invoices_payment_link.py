"""The Online Payment Link panel of an invoice: its state, Create Payment Link."""

from __future__ import annotations

from typing import Any

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template

from app.auth import CurrentUser
from app.controllers._htmx import page_of
from app.services.payments.links import create_payment_link, link_panel
from app.live.announce import announce_invoice_changed
from app.errors import NotAllowed
from app.money import parse_amount
from app.services.payments.links import set_part_payments

UserRequest = Request[CurrentUser, Any, Any]
PARTIAL = "partials/invoices/payment_link.html"
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class PaymentLinkController(Controller):
    """GET shows the panel (and is what SSE refreshes); POST creates the one link."""

    path = "/invoices/{invoice_id:int}/payment-link"

    @get("/", before_request=page_of("/invoices/{invoice_id}"), opt={"role": "viewer"})
    async def show(self, request: UserRequest, invoice_id: FromPath[int]) -> Template:
        """The panel partial."""
        panel = await link_panel(request.user.vendor_id, invoice_id)
        return Template(PARTIAL, context={"panel": panel})

    @post("/", status_code=200, opt={"role": "staff"})
    async def create(self, request: UserRequest, invoice_id: FromPath[int]) -> Template:
        """Create Payment Link (a second click returns the same link)."""
        await create_payment_link(request.user.vendor_id, invoice_id)
        panel = await link_panel(request.user.vendor_id, invoice_id)
        return Template(PARTIAL, context={"panel": panel, "just_created": True})

    @post("/part-payments", status_code=200, opt={"role": "staff"})
    async def part_payments(self, request: UserRequest, invoice_id: FromPath[int], data: FormData) -> Template:
        """Allow or stop part payments online, with the least a customer may pay."""
        panel = await link_panel(request.user.vendor_id, invoice_id)
        allow, error = data.get("allow_partial") == "on", ""
        try:
            minimum = parse_amount(data.get("partial_minimum", ""), panel.invoice.currency) if allow else 0
            await set_part_payments(request.user.vendor_id, invoice_id, allow, minimum)
        except (ValueError, NotAllowed) as exc:
            error = getattr(exc, "message", None) or str(exc)
        else:
            announce_invoice_changed(request.user.vendor_id, invoice_id)
        panel = await link_panel(request.user.vendor_id, invoice_id)
        return Template(PARTIAL, context={"panel": panel, "part_error": error, "typed_minimum":
                                          data.get("partial_minimum", "")}, status_code=422 if error else 200)
