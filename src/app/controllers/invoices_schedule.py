"""/invoices/{id}/schedule: the payment schedule panel, its form (Deposit shortcut, add a row) and Save/Remove."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template

from app.auth import CurrentUser
from app.controllers._htmx import page_of
from app.errors import NotAllowed
from app.services.clock import today_for
from app.services.instalments import MAX_PARTS
from app.services.invoices import schedule
from app.services.rows import vendor_timezone

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Req = Request[CurrentUser, Any, Any]
INVOICE_PAGE = page_of("/invoices/{invoice_id}")


def _panel(context: dict) -> Template:
    status = 422 if context["errors"] else 200
    return Template("partials/invoices/schedule.html", context=context, status_code=status)


class InvoiceScheduleController(Controller):
    """An invoice's payment schedule."""

    path = "/invoices/{invoice_id:int}/schedule"

    @get("/", before_request=INVOICE_PAGE, opt={"role": "viewer"})
    async def panel(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """The schedule with what is paid of each instalment (refreshed on invoice-changed-<id>)."""
        return _panel(await schedule.panel_context(request.user.vendor_id, invoice_id))

    @get("/edit", before_request=INVOICE_PAGE, opt={"role": "staff"})
    async def edit(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """The form: the stored schedule, a Deposit split (?deposit=30), or the typed rows plus one (?add=1)."""
        vendor_id, query = request.user.vendor_id, dict(request.query_params)
        view, tz = await schedule.schedule_view(vendor_id, invoice_id), await vendor_timezone(vendor_id)
        if query.get("deposit"):
            values = schedule.deposit_values(view.invoice, query["deposit"], today_for(tz))
        elif "add" in query:
            values = {k: v for k, v in query.items() if k.split("_")[0] in ("date", "kind", "value")}
        else:
            values = schedule.form_values(view)
        rows = sum(1 for key in values if key.startswith("date_")) + (1 if "add" in query else 0)
        return _panel(await schedule.panel_context(vendor_id, invoice_id, view, editing=True, values=values,
                                                   rows=min(max(rows, 2), MAX_PARTS), deposit=query.get("deposit", "")))

    @post("/", media_type=MediaType.HTML, opt={"role": "staff"})
    async def save(self, request: Req, invoice_id: FromPath[int], data: FormData) -> Template:
        """Save the schedule; field errors in place and nothing changes when it does not add up."""
        vendor_id = request.user.vendor_id
        view = await schedule.schedule_view(vendor_id, invoice_id)
        form = schedule.read_form(data, view.invoice)
        if not form.errors:
            try:
                await schedule.save_schedule(vendor_id, invoice_id, form.parts)
                return _panel(await schedule.panel_context(vendor_id, invoice_id))
            except NotAllowed as exc:
                form.errors["form"] = exc.message
        return _panel(await schedule.panel_context(vendor_id, invoice_id, view, editing=True, values=data,
                                                   rows=form.rows, errors=form.errors))

    @post("/remove", media_type=MediaType.HTML, opt={"role": "staff"})
    async def remove(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """Remove the schedule: the whole balance is due by the due date again."""
        vendor_id, errors = request.user.vendor_id, {}
        try:
            await schedule.remove_schedule(vendor_id, invoice_id)
        except NotAllowed as exc:
            errors["form"] = exc.message
        return _panel(await schedule.panel_context(vendor_id, invoice_id, errors=errors))
