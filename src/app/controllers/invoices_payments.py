"""One invoice's payments: the Payments panel, Refund (Stripe or by hand) and Delete of a payment by hand."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from app.auth import CurrentUser
from app.errors import NotAllowed
from app.money import parse_amount, to_major
from app.services.invoices import lifecycle
from app.services.payments import history as payment_history, refunds
from app.services.payments import connection as stripe_connection
from app.services.rows import get_invoice
from app.services.rows import vendor_timezone
from app.controllers._htmx import page_of
from app.settings import get_settings

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Req = Request[CurrentUser, Any, Any]
INVOICE_PAGE = page_of("/invoices/{invoice_id}")


async def _context(request: Req, invoice_id: int, payment_id: int | None = None) -> dict[str, Any]:
    vendor_id = request.user.vendor_id
    context: dict[str, Any] = {"invoice": await get_invoice(vendor_id, invoice_id),
                               "tz": await vendor_timezone(vendor_id),
                               **await payment_history.panel_context(vendor_id, invoice_id)}
    if payment_id is not None:
        context["entry"] = await payment_history.payment_entry(vendor_id, invoice_id, payment_id)
        connection = await stripe_connection.get_connection(vendor_id)
        context["connect_mode"] = context["entry"].payment.stripe_account == "" and bool(
            connection and connection.mode == stripe_connection.Mode.connect)
        context["fee_back"] = get_settings().refund_application_fee and bool(context["entry"].payment.application_fee)
    return context


def _back(request: Req, invoice_id: int) -> Any:
    path = f"/invoices/{invoice_id}"
    return ClientRedirect(redirect_to=path) if request.headers.get("hx-request") == "true" else Redirect(path=path)


def _dialog(name: str, context: dict[str, Any], status: int = 200) -> Template:
    return Template(f"partials/invoices/{name}_dialog.html", context=context, status_code=status)


class InvoicePaymentsController(Controller):
    """/invoices/{id}/payments: the list, refunds and deletions."""

    path = "/invoices/{invoice_id:int}/payments"

    @get("/", before_request=INVOICE_PAGE, opt={"role": "viewer"})
    async def panel(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """The Payments panel (refreshed on invoice-changed-<id>)."""
        context = await _context(request, invoice_id)
        return Template("partials/invoices/payments.html", context=context)

    @get("/{payment_id:int}/refund", before_request=INVOICE_PAGE, opt={"role": "admin"})
    async def refund_dialog(self, request: Req, invoice_id: FromPath[int], payment_id: FromPath[int]) -> Template:
        """The Refund dialog; its request key makes a double submit one refund."""
        context = await _context(request, invoice_id, payment_id)
        entry = context["entry"]
        context.update(errors={}, values={"amount": str(to_major(entry.refundable, entry.payment.currency)),
                                          "reason": "requested_by_customer",
                                          "request_key": secrets.token_hex(16)})
        return _dialog("refund", context)

    @post("/{payment_id:int}/refund", media_type=MediaType.HTML, opt={"role": "admin", "audit": "refund:Refunded payment {payment_id} of invoice {invoice_id}"})
    async def refund(self, request: Req, invoice_id: FromPath[int], payment_id: FromPath[int], data: FormData) -> Any:
        """Refund through Stripe (card payments) or record a refund made by hand."""
        context = await _context(request, invoice_id, payment_id)
        payment, errors = context["entry"].payment, {}
        try:
            amount = parse_amount(data.get("amount", ""), payment.currency)
            await refunds.refund_payment(request.user.vendor_id, invoice_id, payment_id, amount,
                                         data.get("reason", ""), data.get("note", ""), data.get("request_key", ""))
        except ValueError as exc:
            errors["amount"] = str(exc)
        except NotAllowed as exc:
            errors["amount" if "refunded" in exc.message or "amount" in exc.message else "form"] = exc.message
        if errors:
            context = await _context(request, invoice_id, payment_id)
            context.update(errors=errors, values=data)
            return _dialog("refund", context, 422)
        return _back(request, invoice_id)

    @get("/{payment_id:int}/delete", before_request=INVOICE_PAGE, opt={"role": "staff"})
    async def delete_dialog(self, request: Req, invoice_id: FromPath[int], payment_id: FromPath[int]) -> Template:
        """The Delete payment dialog: a reason is required."""
        context = await _context(request, invoice_id, payment_id)
        context.update(errors={}, values={})
        return _dialog("delete_payment", context)

    @post("/{payment_id:int}/delete", media_type=MediaType.HTML, opt={"role": "staff"})
    async def delete(self, request: Req, invoice_id: FromPath[int], payment_id: FromPath[int], data: FormData) -> Any:
        """Delete a payment recorded by hand; Stripe payments can only be refunded."""
        try:
            await lifecycle.delete_payment(request.user.vendor_id, invoice_id, payment_id, data.get("reason", ""))
        except NotAllowed as exc:
            context = await _context(request, invoice_id, payment_id)
            context.update(values=data, errors={"reason" if "reason" in exc.message else "form": exc.message})
            return _dialog("delete_payment", context, 422)
        return _back(request, invoice_id)
