"""/api/v1/quotes: list with filters, create with lines, retrieve, update, send, convert to an invoice."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

import app.controllers._api_schemas as s
from app.controllers._api import READ, WRITE, caller, editor_lines, editor_param, field_error, listing, once
from app.parsing import parse_date
from app.services.api import objects
from app.services.clock import today_for
from app.services.invoices.editor import EditorErrors
from app.services.quotes import editor, lifecycle
from app.services.quotes.records import get_lines
from app.services.rows import vendor_timezone

Quote = objects.Quote


def _draft(values: dict[str, Any], timezone: str) -> editor.QuoteDraft:
    currency = (values["currency"] or "USD").upper()
    issue = values["issue_date"] or today_for(timezone).isoformat()
    expiry = values["expiry_date"]
    if not expiry and (day := parse_date(issue)):
        expiry = editor.default_expiry(day).isoformat()
    return editor.QuoteDraft(
        customer=str(values["customer"]), currency=currency, issue_date=issue, terms="due_on_receipt", due_date="",
        discount=str(values["discount_percent"] or "0"), notes=values["notes"], footer=values["footer"],
        lines=editor_lines(values["lines"], currency), expiry_date=expiry or "")


async def _clean(vendor_id: int, values: dict[str, Any]) -> editor.CleanQuote:
    timezone = await vendor_timezone(vendor_id)
    try:
        return await editor.check_quote(vendor_id, timezone, _draft(values, timezone))
    except EditorErrors as exc:
        name, message = next(iter(exc.errors.items()))
        raise field_error(editor_param(name), message) from None


async def _object(vendor_id: int, quote_id: int) -> dict:
    return await objects.quote_with_lines(vendor_id, quote_id, await vendor_timezone(vendor_id))


def _form_error(exc: lifecycle.QuoteFormError, params: dict[str, str]) -> Exception:
    name, message = next(iter(exc.errors.items()))
    if "expired" in message:
        name = "expiry_date"
    return field_error(params.get(name, name), message)


class ApiQuoteController(Controller):
    """Quotes (estimates) of the key's vendor; each write is the same service call the quote pages make."""

    path = "/quotes"
    tags = ["Quotes"]

    @get("/", opt=READ)
    async def list_quotes(self, request: Request, limit: FromQuery[int] = 10,
                          starting_after: FromQuery[int | None] = None, status: FromQuery[str | None] = None,
                          customer: FromQuery[int | None] = None) -> s.QuoteList:
        """Quotes newest first; filter by `status` as shown (expired: sent or viewed past its expiry date) and
        `customer`."""
        vendor_id = caller(request).vendor_id
        if status is not None and status not in objects.QUOTE_STATUSES:
            raise field_error("status", "Use draft, sent, viewed, accepted, declined, expired or converted.")
        timezone = await vendor_timezone(vendor_id)
        where = objects.quote_filter(vendor_id, timezone, status, customer)
        rows, more = await objects.page(Quote, where, limit, starting_after)
        data = [objects.quote_object(row, await get_lines(row["id"]), timezone) for row in rows]
        return listing("/api/v1/quotes", data, more)

    @post("/", opt=WRITE, status_code=201)
    async def create_quote(self, request: Request, data: JSONBody[s.QuoteCreate]) -> Response[s.Quote]:
        """Create a draft quote with its lines (`unit_amount` in minor units); it expires in 30 days unless
        `expiry_date` is given."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            values = asdict(data)
            customer = await objects.one(objects.Customer, vendor_id, data.customer, "customer")  # else 404
            values["currency"] = values["currency"] or customer["currency"]
            quote_id = await editor.create_quote(vendor_id, await _clean(vendor_id, values))
            return 201, await _object(vendor_id, quote_id)
        return await once(request, produce)

    @get("/{quote_id:int}", opt=READ)
    async def retrieve_quote(self, request: Request, quote_id: FromPath[int]) -> s.Quote:
        """One quote with its lines, views and the customer's answer."""
        return await _object(caller(request).vendor_id, quote_id)

    @post("/{quote_id:int}", opt=WRITE, status_code=200)
    async def update_quote(self, request: Request, quote_id: FromPath[int],
                           data: JSONBody[s.QuoteUpdate]) -> Response[s.Quote]:
        """Change a quote the customer has not answered yet; fields not given stay."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            current = await _object(vendor_id, quote_id)
            given = {k: v for k, v in asdict(data).items() if v is not None}
            if "customer" in given:
                await objects.one(objects.Customer, vendor_id, given["customer"], "customer")
            values = {**current, **given}
            await editor.update_quote(vendor_id, quote_id, await _clean(vendor_id, values))
            return 200, await _object(vendor_id, quote_id)
        return await once(request, produce)

    @post("/{quote_id:int}/send", opt=WRITE, status_code=200)
    async def send_quote(self, request: Request, quote_id: FromPath[int],
                         data: JSONBody[s.QuoteSendInput]) -> Response[s.Quote]:
        """Number a draft, mark it sent and queue the email with the quote's link (to the customer unless `to`),
        as the Send dialog does; a sent quote is sent again."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            form = await lifecycle.send_defaults(vendor_id, quote_id)
            form.to, form.subject = data.to or form.to, data.subject or form.subject
            form.message = data.message or form.message
            try:
                await lifecycle.send_quote(vendor_id, quote_id, form)
            except lifecycle.QuoteFormError as exc:
                raise _form_error(exc, {}) from None
            return 200, await _object(vendor_id, quote_id)
        return await once(request, produce)

    @post("/{quote_id:int}/convert", opt=WRITE, status_code=200)
    async def convert_quote(self, request: Request, quote_id: FromPath[int],
                            data: JSONBody[s.QuoteConvertInput]) -> Response[s.Quote]:
        """Make an accepted quote a draft invoice with exactly its lines (with `deposit_percent`, a deposit part
        first); the quote reads converted and names the invoice."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            await objects.one(Quote, vendor_id, quote_id, "quote")
            try:
                deposit = lifecycle.parse_deposit(data.deposit_percent)
                await lifecycle.convert_quote(vendor_id, quote_id, deposit)
            except lifecycle.QuoteFormError as exc:
                raise _form_error(exc, {"deposit": "deposit_percent"}) from None
            return 200, await _object(vendor_id, quote_id)
        return await once(request, produce)


__all__ = ["ApiQuoteController"]
