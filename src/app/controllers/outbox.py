"""The outbox: every email the vendor's account sent or will send, and a viewer for each message."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template

from app.auth import CurrentUser
from app.controllers._htmx import partial_or_page
from app.services.mail import delivery as mail_delivery
from app.services.mail import outbox
from app.services.mail import send as invoice_email

# The HTML part is someone's email: no scripts, no outside fetches, framed only by our own viewer.
MESSAGE_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
               "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")


class OutboxController(Controller):
    """GET /outbox, GET /outbox/{id}, its HTML part and attachment, and Retry."""

    path = "/outbox"

    @get("/", opt={"role": "staff"})
    async def index(self, request: Request[CurrentUser, Any, Any], status: FromQuery[str] = "all",
                    page: FromQuery[int] = 1) -> Template:
        """The list of messages, newest first; the table alone for htmx."""
        listing = await outbox.list_messages(request.user.vendor_id, status, page)
        context = {"active": "outbox", "listing": listing}
        return partial_or_page(request, "partials/outbox/table.html", "pages/outbox/index.html", context)

    @get("/{message_id:int}", opt={"role": "staff"})
    async def show(self, request: Request[CurrentUser, Any, Any], message_id: FromPath[int]) -> Template:
        """The message viewer: headers, the HTML part in a sandboxed frame, the text part, the attachment."""
        message = await outbox.get_message(request.user.vendor_id, message_id)
        return Template("pages/outbox/show.html", context={"active": "outbox", "message": message})

    @get("/{message_id:int}/html", opt={"role": "staff"})
    async def html_part(self, request: Request[CurrentUser, Any, Any], message_id: FromPath[int]) -> Response[str]:
        """The HTML part alone, under a CSP that allows nothing but its inline styles."""
        message = await outbox.get_message(request.user.vendor_id, message_id)
        headers = {"Content-Security-Policy": MESSAGE_CSP, "X-Frame-Options": "SAMEORIGIN",
                   "Cache-Control": "private, no-store"}
        return Response(message["html"], media_type="text/html; charset=utf-8", headers=headers)

    @get("/{message_id:int}/attachment", opt={"role": "staff"})
    async def attachment(self, request: Request[CurrentUser, Any, Any], message_id: FromPath[int]) -> Response[bytes]:
        """The PDF exactly as it was attached."""
        message = await outbox.get_message(request.user.vendor_id, message_id, with_attachment=True)
        if not message["attachment"]:
            return Response(b"", status_code=404)
        name = message["attachment_name"] or "invoice.pdf"
        return Response(bytes(message["attachment"]), media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private"})

    @post("/{message_id:int}/retry", opt={"role": "staff"})
    async def retry(self, request: Request[CurrentUser, Any, Any], message_id: FromPath[int]) -> Response:
        """**Retry** a failed message; answers whichever view asked (invoice panel, list, or the viewer)."""
        row = await mail_delivery.retry_message(request.user.vendor_id, message_id)
        if request.query_params.get("panel") == "page":
            return Response(b"", headers={"HX-Refresh": "true"})
        if row["invoice"] and request.query_params.get("panel") == "invoice":
            context = await invoice_email.panel_context(request.user.vendor_id, row["invoice"])
            return Template("partials/mail/invoice_emails.html", context={**context, "notice": "Retrying now."})
        listing = await outbox.list_messages(request.user.vendor_id, request.query_params.get("status", "all"))
        return Template("partials/outbox/table.html", context={"listing": listing})
