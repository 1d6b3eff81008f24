"""Billing Invoices: the list (filters, search, sort, pages, CSV), the details page and the lifecycle."""

from __future__ import annotations

from urllib.parse import urlencode
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Stream, Template

from app.auth import CurrentUser
from app.controllers._htmx import VARY, go
from app.services.vendors import vendor_profile
from app.errors import NotAllowed
from app.controllers._htmx import page_of
from app.parsing import parse_date
from app.money import parse_amount, to_major
from app.services.invoices import credit_notes, lifecycle, schedule
from app.services.invoices import listing as invoice_list
from app.services import vendor_data
from app.services.clock import today_for
from app.services.customers import get_customer
from app.services.invoices.csv import csv_chunks
from app.services.invoices.totals import TERMS, amounts_locked_reason
from app.services.rows import display_status, get_activity, get_invoice, get_lines
from app.services.invoices.templates import save_as_template
from app.services.mail import send as invoice_email
from app.services.payments import history as payment_history
from app.services.payments.links import link_panel
from app.services.quotes.records import quote_for_invoice
from app.services.autopay.panel import autopay_panel

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Req = Request[CurrentUser, Any, Any]
INVOICE_PAGE = page_of("/invoices/{invoice_id}")


async def _list_context(request: Req, snap: vendor_data.Snapshot | None = None) -> dict[str, Any]:
    query = invoice_list.parse_query(dict(request.query_params))
    snap = snap or await vendor_data.snapshot(request.user.vendor_id)
    result = await invoice_list.list_invoices(request.user.vendor_id, snap.timezone, query, snap.version)
    for row in result.rows:
        row["shown_status"] = display_status(row["status"], row["next_due_date"] or row["due_date"], snap.timezone)
    return {"result": result, "q": query, "tabs": invoice_list.STATUS_TAB_LABELS, "active": "invoices"}


async def _invoice_context(request: Req, invoice_id: int) -> dict[str, Any]:
    vendor_id = request.user.vendor_id
    invoice = await get_invoice(vendor_id, invoice_id)
    profile = await vendor_profile(vendor_id)
    return {"invoice": invoice, "tz": profile["timezone"], "vendor": profile,
            "shown_status": display_status(invoice.status, invoice.next_due_date or invoice.due_date, profile["timezone"]),
            "locked": await amounts_locked_reason(invoice), "terms": TERMS, "active": "invoices",
            "customer_credit": await credit_notes.customer_credit(invoice.customer, invoice.currency),
            "from_quote": await quote_for_invoice(vendor_id, invoice_id)}


async def _document_context(request: Req, invoice_id: int) -> dict[str, Any]:
    context = await _invoice_context(request, invoice_id)
    lines = await get_lines(invoice_id)
    customer = await get_customer(request.user.vendor_id, context["invoice"].customer)
    context.update(lines=lines, taxes=_taxes(lines), customer=customer)
    return context


def _taxes(lines: list[Any]) -> list[tuple[Any, int]]:
    by_rate: dict[Any, int] = {}
    for line in lines:
        if line.tax_rate:
            by_rate[line.tax_rate.normalize()] = by_rate.get(line.tax_rate.normalize(), 0) + line.tax_amount
    return sorted(by_rate.items())


def _dialog(name: str, context: dict[str, Any], status: int = 200) -> Template:
    return Template(f"partials/invoices/{name}_dialog.html", context=context, status_code=status)


def _paid_field(message: str) -> str:
    """The field of the Record payment form an error belongs to."""
    if "date" in message:
        return "paid_on"
    return "amount" if ("amount" in message or "balance" in message) else "form"


def _back(request: Req, invoice_id: int) -> Any:
    path = f"/invoices/{invoice_id}"
    return go(request, path)


class InvoiceController(Controller):
    """The Invoices page and one invoice's details and lifecycle."""

    path = "/invoices"

    @get("/", opt={"role": "viewer"})
    async def index(self, request: Req) -> Template:
        """The Invoices page, Billing Invoices tab."""
        return Template("pages/invoices/index.html", context=await _list_context(request))

    @get("/table", before_request=page_of("/invoices", keep_query=True), opt={"role": "viewer"})
    async def table(self, request: Req) -> Response:
        """The list table partial (filters, search, sorting, pages; refreshed live)."""
        vendor_id = request.user.vendor_id
        snap = await vendor_data.snapshot(vendor_id)
        query = invoice_list.parse_query(dict(request.query_params))
        today = today_for(snap.timezone)  # overdue badges turn at midnight: part of the key

        async def render() -> tuple[str, str]:
            context = await _list_context(request, snap)
            template = request.app.template_engine.get_template("partials/invoices/table.html")
            page_url = "/invoices?" + urlencode(context["result"].query.here())
            return template.render(**context), page_url

        html, page_url = await invoice_list.cached_render(vendor_id, query, (snap.version, today), render)
        headers = dict(VARY)
        if request.headers.get("hx-current-url", "").split("?")[0].endswith("/invoices"):
            headers["HX-Replace-Url"] = page_url  # reload and back show the same filtered list
        return Response(html, media_type=MediaType.HTML, headers=headers)

    @get("/export.csv", opt={"role": "viewer"})
    async def export(self, request: Req) -> Stream:
        """Every invoice of the filtered list as CSV."""
        query = invoice_list.parse_query(dict(request.query_params))
        profile = await vendor_profile(request.user.vendor_id)
        name = f"invoices-{today_for(profile['timezone']).isoformat()}.csv"
        return Stream(csv_chunks(request.user.vendor_id, profile["timezone"], query), media_type="text/csv",
                      headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @get("/{invoice_id:int}", opt={"role": "viewer"})
    async def show(self, request: Req, invoice_id: FromPath[int], send: FromQuery[bool] = False) -> Template:
        """Billing Invoice Details."""
        vendor_id = request.user.vendor_id
        context = await _document_context(request, invoice_id)
        context.update(open_send=send, activity=await get_activity(vendor_id, invoice_id))
        # The side panels come with the page; their own routes only refresh them (SSE, polling).
        context.update(panel=await link_panel(vendor_id, invoice_id), autopay=await autopay_panel(vendor_id, invoice_id),
                       **await payment_history.panel_context(vendor_id, invoice_id))
        emails = await invoice_email.panel_context(vendor_id, invoice_id)
        context.update({key: value for key, value in emails.items() if key != "invoice"})
        # Each panel keeps its own names (errors, values, refunds...) apart from the page's.
        context.update(schedule_panel=await schedule.panel_context(vendor_id, invoice_id),
                       credit_panel=await credit_notes.panel_context(vendor_id, invoice_id))
        return Template("pages/invoices/show.html", context=context)

    @get("/{invoice_id:int}/document", before_request=INVOICE_PAGE, opt={"role": "viewer"})
    async def document(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """The invoice itself: parties, number, lines, totals, amount due (refreshed on invoice-changed-<id>)."""
        return Template("partials/invoices/document.html", context=await _document_context(request, invoice_id))

    @get("/{invoice_id:int}/header", before_request=INVOICE_PAGE, opt={"role": "viewer"})
    async def header(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """The header with the status badge and actions (refreshed on invoice-changed-<id>)."""
        return Template("partials/invoices/header.html", context=await _invoice_context(request, invoice_id))

    @get("/{invoice_id:int}/activity", before_request=INVOICE_PAGE, opt={"role": "viewer"})
    async def activity(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """The activity timeline (refreshed on invoice-changed-<id>)."""
        context = await _invoice_context(request, invoice_id)
        context["activity"] = await get_activity(request.user.vendor_id, invoice_id)
        return Template("partials/invoices/activity.html", context=context)

    @get("/{invoice_id:int}/mark-paid", before_request=INVOICE_PAGE, opt={"role": "staff"})
    async def mark_paid_dialog(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """The Mark as paid dialog: date, method, reference."""
        context = await _invoice_context(request, invoice_id)
        invoice = context["invoice"]
        values = {"paid_on": today_for(context["tz"]).isoformat(), "method": "bank_transfer",
                  "amount": str(to_major(max(invoice.amount_due, 0), invoice.currency))}
        context.update(values=values, errors={}, methods=lifecycle.PAID_METHODS)
        return _dialog("mark_paid", context)

    @post("/{invoice_id:int}/mark-paid", media_type=MediaType.HTML, opt={"role": "staff"})
    async def mark_paid(self, request: Req, invoice_id: FromPath[int], data: FormData) -> Any:
        """Record a payment received outside Stripe."""
        errors: dict[str, str] = {}
        invoice = await get_invoice(request.user.vendor_id, invoice_id)
        try:
            typed = data.get("amount", "").strip()
            amount = parse_amount(typed, invoice.currency) if typed else None
        except ValueError as exc:
            errors["amount"] = str(exc)
        try:
            paid_on = parse_date(data.get("paid_on", ""))
            if paid_on is None:
                raise ValueError("no date")
            if not errors:
                await lifecycle.mark_paid(request.user.vendor_id, invoice_id, paid_on, data.get("method", ""),
                                          data.get("reference", ""), amount, data.get("note", ""))
        except ValueError:
            errors["paid_on"] = "Enter the payment date."
        except NotAllowed as exc:
            errors[_paid_field(exc.message)] = exc.message
        if errors:
            context = await _invoice_context(request, invoice_id)
            context.update(values=data, errors=errors, methods=lifecycle.PAID_METHODS)
            return _dialog("mark_paid", context, 422)
        return _back(request, invoice_id)

    @get("/{invoice_id:int}/void", before_request=INVOICE_PAGE, opt={"role": "staff"})
    async def void_dialog(self, request: Req, invoice_id: FromPath[int]) -> Template:
        """The Void dialog: a reason is required."""
        context = await _invoice_context(request, invoice_id)
        context.update(values={}, errors={})
        return _dialog("void", context)

    @post("/{invoice_id:int}/void", media_type=MediaType.HTML, opt={"role": "staff"})
    async def void(self, request: Req, invoice_id: FromPath[int], data: FormData) -> Any:
        """Void the invoice; its number is kept and never reused."""
        try:
            await lifecycle.void_invoice(request.user.vendor_id, invoice_id, data.get("reason", ""))
        except NotAllowed as exc:
            context = await _invoice_context(request, invoice_id)
            context.update(values=data, errors={"reason" if "reason" in exc.message else "form": exc.message})
            return _dialog("void", context, 422)
        return _back(request, invoice_id)

    @post("/{invoice_id:int}/template", opt={"role": "staff"})
    async def save_template(self, request: Req, invoice_id: FromPath[int], data: FormData) -> Template:
        """Keep this invoice's lines, terms and notes as a template."""
        await save_as_template(request.user.vendor_id, invoice_id, data.get("name", ""))
        return Template("partials/invoices/template_saved.html", context={"name": data.get("name", "").strip()})
