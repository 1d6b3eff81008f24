"""The Send dialog, the invoice's email panel, and Send reminder."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.plugins.flash import flash
from litestar.params import Body, FromPath
from litestar.response import Redirect, Response, Template

from app.auth import CurrentUser
from app.controllers._htmx import partial_or_page
from app.services.mail import reminders
from app.services.mail import send as invoice_email
from app.controllers._htmx import page_of
from app.services.mail.send import SendForm, SendFormError

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _form(data: dict[str, str]) -> SendForm:
    return SendForm(to=data.get("to", ""), cc=data.get("cc", ""), subject=data.get("subject", ""),
                    message=data.get("message", ""), method=data.get("method", "manual"),
                    attach_pdf=data.get("attach_pdf") == "on", nonce=data.get("nonce", ""))


def _done(request: Request, invoice_id: int, message: str) -> Response:
    """After Send or Save as Draft: reload the page the dialog was opened on, with a confirmation."""
    flash(request, message, category="success")
    if request.htmx:
        return Response(b"", status_code=200, headers={"HX-Refresh": "true"})
    return Redirect(path=f"/invoices/{invoice_id}")


class InvoiceEmailController(Controller):
    """Routes under /invoices/{id} that belong to email."""

    path = "/invoices/{invoice_id:int}"

    @get("/send", opt={"role": "staff"})
    async def dialog(self, request: Request[CurrentUser, Any, Any], invoice_id: FromPath[int]) -> Template:
        """The Send dialog (htmx) or the same form as a page."""
        state = await invoice_email.dialog_state(request.user.vendor_id, invoice_id)
        context = {**state, "values": invoice_email.form_values(state["form"]), "errors": {}, "active": "invoices"}
        return partial_or_page(request, "partials/mail/send_dialog.html", "pages/mail/send.html", context)

    @post("/send", opt={"role": "staff"})
    async def send(self, request: Request[CurrentUser, Any, Any], invoice_id: FromPath[int],
                   data: FormData) -> Response:
        """**Send** (record it, link if Stripe, queue the email), **Save as Draft** or **Mark as sent**."""
        form = _form(data)
        vendor_id = request.user.vendor_id
        # A post without recipients (no To field at all) only records how the invoice was sent.
        action = data.get("action") or ("send" if "to" in data else "mark_sent")
        try:
            if action == "draft":
                await invoice_email.save_draft(vendor_id, invoice_id, form)
                return _done(request, invoice_id, "Email draft saved. It is waiting in the Send dialog.")
            if action == "mark_sent":
                await invoice_email.send(vendor_id, invoice_id, form, with_email=False)
                return _done(request, invoice_id, "Invoice marked as sent. No email was sent.")
            await invoice_email.send(vendor_id, invoice_id, form)
        except SendFormError as exc:
            state = await invoice_email.dialog_state(vendor_id, invoice_id)
            context = {**state, "values": invoice_email.form_values(form), "errors": exc.errors, "active": "invoices"}
            name = "partials/mail/send_form.html" if request.htmx else "pages/mail/send.html"
            return Template(name, context=context, status_code=422)
        return _done(request, invoice_id, f"Invoice emailed to {form.to.strip()}. Follow its delivery in the Email panel.")

    @post("/send/method", opt={"role": "staff"})
    async def switch_method(self, request: Request[CurrentUser, Any, Any], invoice_id: FromPath[int],
                            data: FormData) -> Template:
        """Re-render the form for the chosen method; an untouched default message follows the method."""
        state = await invoice_email.dialog_state(request.user.vendor_id, invoice_id)
        form = invoice_email.with_method(state["doc"], _form(data))
        context = {**state, "values": invoice_email.form_values(form), "errors": {}}
        return Template("partials/mail/send_form.html", context=context)

    @get("/emails", before_request=page_of("/invoices/{invoice_id}"), opt={"role": "viewer"})
    async def panel(self, request: Request[CurrentUser, Any, Any], invoice_id: FromPath[int]) -> Template:
        """The email panel of the details page (refreshes itself on invoice changes)."""
        context = await invoice_email.panel_context(request.user.vendor_id, invoice_id)
        return Template("partials/mail/invoice_emails.html", context=context)

    @post("/reminders", opt={"role": "staff"})
    async def send_reminder(self, request: Request[CurrentUser, Any, Any], invoice_id: FromPath[int],
                            data: FormData) -> Template:
        """**Send reminder** by hand; answers the refreshed email panel."""
        await reminders.send_reminder(request.user.vendor_id, invoice_id, data.get("nonce") or secrets.token_urlsafe(16))
        context = await invoice_email.panel_context(request.user.vendor_id, invoice_id)
        return Template("partials/mail/invoice_emails.html", context={**context, "notice": "Reminder queued."})
