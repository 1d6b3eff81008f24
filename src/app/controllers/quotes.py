"""Quotes (estimates): the list (tabs, search, CSV), the editor, the details page, Send, Convert, PDF, preview."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Stream, Template

from app.auth import CurrentUser
from app.controllers._htmx import VARY, go, page_of
from app.errors import NotAllowed
from app.money import ACTIVE_CURRENCIES, decimals
from app.parsing import parse_id
from app.services.clock import today_for
from app.services.customers import active_customers, get_customer
from app.services.invoices.editor import EditorErrors, preview_totals
from app.services.payments import connection as stripe_connection
from app.services.quotes import editor, lifecycle, listing
from app.services.quotes.pdf import acceptance_text, load_quote_document, quote_pdf
from app.services.quotes.records import STATUS_LABELS, display_status, get_activity, get_lines, get_quote
from app.services.rows import get_invoice
from app.services.vendors import vendor_profile

Req = Request[CurrentUser, Any, Any]
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
VIEWER, STAFF = {"role": "viewer"}, {"role": "staff"}
QUOTE_PAGE = page_of("/quotes/{quote_id}")
CURRENCY_DECIMALS = {code: decimals(code) for code in ACTIVE_CURRENCIES}


async def _list_context(request: Req) -> dict[str, Any]:
    query = listing.parse_query(request.query_params)
    profile = await vendor_profile(request.user.vendor_id)
    result = await listing.list_quotes(request.user.vendor_id, profile["timezone"], query)
    return {"result": result, "q": query, "tabs": listing.TABS, "labels": STATUS_LABELS, "active": "invoices",
            "tz": profile["timezone"], "auto_convert": await editor.auto_convert(request.user.vendor_id)}


async def _editor_context(request: Req, draft: editor.QuoteDraft, errors: dict[str, str],
                          quote: Any = None) -> dict[str, Any]:
    customers = await active_customers(request.user.vendor_id)
    totals, currency = preview_totals(draft)
    single = [preview_totals(editor.QuoteDraft(currency=draft.currency, lines=[line])) for line in draft.lines]
    return {"draft": draft, "errors": errors, "quote": quote, "customers": customers, "totals": totals,
            "currency": currency, "currency_decimals": CURRENCY_DECIMALS,
            "currencies": await stripe_connection.offered_currencies(request.user.vendor_id, draft.currency),
            "line_amounts": [t.lines[0].amount if t.lines else None for t, _ in single], "active": "invoices"}


async def _quote_context(request: Req, quote_id: int, **extra: Any) -> dict[str, Any]:
    vendor_id = request.user.vendor_id
    doc = await load_quote_document(vendor_id, quote_id)
    quote = await get_quote(vendor_id, quote_id)
    invoice = await get_invoice(vendor_id, quote.invoice) if quote.invoice else None
    context = {"quote": quote, "doc": doc, "lines": await get_lines(quote_id), "customer": doc.customer,
               "vendor": doc.vendor, "tz": doc.vendor["timezone"], "shown_status": doc.shown_status,
               "labels": STATUS_LABELS, "activity": await get_activity(vendor_id, quote_id), "invoice": invoice,
               "accepted": acceptance_text(doc), "active": "invoices", "send_errors": {}, "convert_errors": {},
               "send": None, "deposit": ""}
    if quote.status in ("draft", "sent", "viewed") and context["send"] is None:
        context["send"] = await lifecycle.send_defaults(vendor_id, quote_id)
    context.update(extra)
    return context


def _send_form(data: dict[str, str]) -> lifecycle.QuoteSendForm:
    return lifecycle.QuoteSendForm(to=data.get("to", ""), subject=data.get("subject", ""),
                                   message=data.get("message", ""), nonce=data.get("nonce", ""))


class QuoteController(Controller):
    """/quotes: the vendor's quotes."""

    path = "/quotes"

    @get("/", opt=VIEWER)
    async def index(self, request: Req) -> Template:
        """The Quotes tab (called estimates by some): every quote with status tabs and search."""
        return Template("pages/quotes/index.html", context=await _list_context(request))

    @get("/table", opt=VIEWER, before_request=page_of("/quotes", keep_query=True))
    async def table(self, request: Req) -> Template:
        """The list table (filters, search, pages; refreshed live on quotes-changed)."""
        return Template("partials/quotes/table.html", context=await _list_context(request), headers=VARY)

    @get("/export.csv", opt=VIEWER)
    async def export(self, request: Req) -> Stream:
        """The filtered quotes as CSV."""
        query = listing.parse_query(request.query_params)
        profile = await vendor_profile(request.user.vendor_id)
        name = f"quotes-{today_for(profile['timezone']).isoformat()}.csv"
        return Stream(listing.csv_chunks(request.user.vendor_id, profile["timezone"], query), media_type="text/csv",
                      headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @post("/settings", opt={"role": "admin", "audit": "settings:Changed the quote settings"}, status_code=200)
    async def settings(self, request: Req, data: FormData) -> Any:
        """Convert accepted quotes to invoices by themselves, or not."""
        await editor.set_auto_convert(request.user.vendor_id, data.get("auto_convert") == "on")
        return go(request, "/quotes", status_code=303)

    @get("/new", opt=STAFF)
    async def new(self, request: Req, customer: FromQuery[str] = "") -> Template:
        """The editor for a new quote."""
        profile = await vendor_profile(request.user.vendor_id)
        today = today_for(profile["timezone"])
        draft = editor.QuoteDraft(customer=customer, currency=profile["default_currency"],
                                  notes=profile["default_notes"], footer=profile["default_footer"],
                                  issue_date=today.isoformat(), expiry_date=editor.default_expiry(today).isoformat(),
                                  lines=[{"description": "", "quantity": "1", "unit_price": "", "tax_rate": "0"}])
        if parse_id(customer):
            draft.currency = (await get_customer(request.user.vendor_id, parse_id(customer))).currency
        return Template("pages/quotes/editor.html", context=await _editor_context(request, draft, {}))

    @post("/new", opt=STAFF, media_type=MediaType.HTML, status_code=200)
    async def create(self, request: Req) -> Any:
        """Save a new draft quote; errors come back in place and nothing is saved."""
        form = await request.form()
        draft = editor.quote_draft_from_form(form)
        profile = await vendor_profile(request.user.vendor_id)
        try:
            clean = await editor.check_quote(request.user.vendor_id, profile["timezone"], draft)
        except EditorErrors as exc:
            return Template("partials/quotes/editor_form.html", status_code=422,
                            context=await _editor_context(request, draft, exc.errors))
        quote_id = await editor.create_quote(request.user.vendor_id, clean)
        return go(request, f"/quotes/{quote_id}")

    @get("/{quote_id:int}", opt=VIEWER)
    async def show(self, request: Req, quote_id: FromPath[int]) -> Template:
        """One quote: the document, Send, Convert, the customer's answer and the activity."""
        return Template("pages/quotes/show.html", context=await _quote_context(request, quote_id))

    @get("/{quote_id:int}/header", opt=VIEWER, before_request=QUOTE_PAGE)
    async def header(self, request: Req, quote_id: FromPath[int]) -> Template:
        """The header with the status badge and views (refreshed live on quote-<id>-changed)."""
        return Template("partials/quotes/header.html", context=await _quote_context(request, quote_id))

    @get("/{quote_id:int}/side", opt=VIEWER, before_request=QUOTE_PAGE)
    async def side(self, request: Req, quote_id: FromPath[int]) -> Template:
        """The customer's answer, Convert and the activity (refreshed live on quote-<id>-changed)."""
        return Template("partials/quotes/side.html", context=await _quote_context(request, quote_id))

    @get("/{quote_id:int}/edit", opt=STAFF, media_type=MediaType.HTML)
    async def edit(self, request: Req, quote_id: FromPath[int]) -> Any:
        """The editor for a quote the customer has not answered."""
        quote = await get_quote(request.user.vendor_id, quote_id)
        if quote.status not in editor.EDITABLE:
            return Redirect(path=f"/quotes/{quote_id}")
        draft = editor.draft_from_quote(quote, await get_lines(quote_id))
        return Template("pages/quotes/editor.html", context=await _editor_context(request, draft, {}, quote))

    @post("/{quote_id:int}/edit", opt=STAFF, media_type=MediaType.HTML, status_code=200)
    async def update(self, request: Req, quote_id: FromPath[int]) -> Any:
        """Save the edit; errors come back in place and nothing is saved."""
        quote = await get_quote(request.user.vendor_id, quote_id)
        if quote.status not in editor.EDITABLE:
            raise NotAllowed("This quote has been answered and can no longer be edited.")
        draft = editor.quote_draft_from_form(await request.form())
        profile = await vendor_profile(request.user.vendor_id)
        try:
            clean = await editor.check_quote(request.user.vendor_id, profile["timezone"], draft)
        except EditorErrors as exc:
            return Template("partials/quotes/editor_form.html", status_code=422,
                            context=await _editor_context(request, draft, exc.errors, quote))
        await editor.update_quote(request.user.vendor_id, quote_id, clean)
        return go(request, f"/quotes/{quote_id}")

    @post("/{quote_id:int}/send", opt=STAFF, media_type=MediaType.HTML, status_code=200)
    async def send(self, request: Req, quote_id: FromPath[int], data: FormData) -> Any:
        """Send the quote by email with its link (numbered at the first send)."""
        form = _send_form(data)
        try:
            await lifecycle.send_quote(request.user.vendor_id, quote_id, form)
        except lifecycle.QuoteFormError as exc:
            context = await _quote_context(request, quote_id, send=form, send_errors=exc.errors)
            return Template("partials/quotes/send_form.html", context=context, status_code=422)
        return go(request, f"/quotes/{quote_id}", status_code=303)

    @post("/{quote_id:int}/convert", opt=STAFF, media_type=MediaType.HTML, status_code=200)
    async def convert(self, request: Req, quote_id: FromPath[int], data: FormData) -> Any:
        """Make the accepted quote an invoice (optionally with a deposit first) and open it."""
        try:
            deposit = lifecycle.parse_deposit(data.get("deposit", ""))
            invoice_id = await lifecycle.convert_quote(request.user.vendor_id, quote_id, deposit)
        except lifecycle.QuoteFormError as exc:
            context = await _quote_context(request, quote_id, convert_errors=exc.errors,
                                           deposit=data.get("deposit", ""))
            return Template("partials/quotes/side.html", context=context, status_code=422)
        return go(request, f"/invoices/{invoice_id}", status_code=303)

    @get("/{quote_id:int}/pdf", opt=VIEWER)
    async def pdf(self, request: Req, quote_id: FromPath[int], download: FromQuery[bool] = False) -> Response:
        """The quote as PDF (with the acceptance once accepted)."""
        data, filename = await quote_pdf(request.user.vendor_id, quote_id)
        disposition = "attachment" if download else "inline"
        return Response(data, media_type="application/pdf", headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"', "Cache-Control": "private, max-age=0"})

    @get("/{quote_id:int}/preview", opt=VIEWER)
    async def preview(self, request: Req, quote_id: FromPath[int]) -> Template:
        """The customer's page as the customer will see it; a preview, never counted as a view."""
        doc = await load_quote_document(request.user.vendor_id, quote_id)
        quote = await get_quote(request.user.vendor_id, quote_id)
        context = {"quote": quote, "doc": doc, "lines": doc.lines, "vendor": doc.vendor, "customer": doc.customer,
                   "tz": doc.vendor["timezone"], "shown_status": display_status(
                       quote.status, quote.expiry_date, doc.vendor["timezone"]),
                   "labels": STATUS_LABELS, "preview": True, "errors": {}, "values": {},
                   "accepted": acceptance_text(doc, doc.texts), "t": doc.texts}
        return Template("pages/quotes/public.html", context=context, headers={"X-Robots-Tag": "noindex"})
