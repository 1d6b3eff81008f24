"""/api/v1/invoices: list with filters, create with lines, retrieve, update a draft, send, mark paid, void."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

import app.controllers._api_schemas as s
from app.controllers._api import READ, WRITE, caller, editor_lines, editor_param, field_error, listing, once
from app.errors import NotAllowed
from app.parsing import parse_date
from app.services.api import objects
from app.services.clock import today_for
from app.services.invoices import editor, lifecycle
from app.services.mail import send as mail_send
from app.services.rows import STATUS_LABELS, get_lines, vendor_timezone

Invoice = objects.Invoice


def _draft(values: dict[str, Any], currency: str) -> editor.InvoiceDraft:
    return editor.InvoiceDraft(
        customer=str(values["customer"]), currency=currency.upper(), issue_date=values["issue_date"],
        terms=values["terms"], due_date=values["due_date"] or "", discount=str(values["discount_percent"] or "0"),
        notes=values["notes"], footer=values["footer"], lines=editor_lines(values["lines"], currency))


async def _clean(vendor_id: int, values: dict[str, Any]) -> editor.CleanInvoice:
    timezone = await vendor_timezone(vendor_id)
    values["issue_date"] = values["issue_date"] or today_for(timezone).isoformat()
    try:
        return await editor.check_draft(vendor_id, timezone, _draft(values, values["currency"] or "USD"))
    except editor.EditorErrors as exc:
        name, message = next(iter(exc.errors.items()))
        raise field_error(editor_param(name), message) from None


async def _object(vendor_id: int, invoice_id: int) -> dict:
    return await objects.invoice_with_lines(vendor_id, invoice_id, await vendor_timezone(vendor_id))


class ApiInvoiceController(Controller):
    """Invoices of the key's vendor; each write is the same service call the editor and buttons make."""

    path = "/invoices"
    tags = ["Invoices"]

    @get("/", opt=READ)
    async def list_invoices(self, request: Request, limit: FromQuery[int] = 10,
                            starting_after: FromQuery[int | None] = None, status: FromQuery[str | None] = None,
                            customer: FromQuery[int | None] = None,
                            currency: FromQuery[str | None] = None) -> s.InvoiceList:
        """Invoices newest first; filter by stored `status`, `customer`, `currency`."""
        vendor_id = caller(request).vendor_id
        where = Invoice.vendor == vendor_id
        if status is not None:
            if status not in STATUS_LABELS or status == "overdue":
                raise field_error("status", "Use draft, sent, partially_paid, paid, partially_refunded, refunded "
                                            "or void.")
            where &= Invoice.status == status
        if customer is not None:
            where &= Invoice.customer == customer
        if currency is not None:
            where &= Invoice.currency == currency.upper()
        rows, more = await objects.page(Invoice, where, limit, starting_after)
        timezone = await vendor_timezone(vendor_id)
        data = [objects.invoice_object(row, await get_lines(row["id"]), timezone) for row in rows]
        return listing("/api/v1/invoices", data, more)

    @post("/", opt=WRITE, status_code=201)
    async def create_invoice(self, request: Request, data: JSONBody[s.InvoiceCreate]) -> Response[s.Invoice]:
        """Create a draft invoice with its lines (`unit_amount` in minor units)."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            values = asdict(data)
            customer = await objects.one(objects.Customer, vendor_id, data.customer, "customer")  # else 404
            values["currency"] = values["currency"] or customer["currency"]
            invoice_id = await editor.create_invoice(vendor_id, await _clean(vendor_id, values))
            return 201, await _object(vendor_id, invoice_id)
        return await once(request, produce)

    @get("/{invoice_id:int}", opt=READ)
    async def retrieve_invoice(self, request: Request, invoice_id: FromPath[int]) -> s.Invoice:
        """One invoice with its lines."""
        return await _object(caller(request).vendor_id, invoice_id)

    @post("/{invoice_id:int}", opt=WRITE, status_code=200)
    async def update_invoice(self, request: Request, invoice_id: FromPath[int],
                             data: JSONBody[s.InvoiceUpdate]) -> Response[s.Invoice]:
        """Change a draft (or an unlocked sent invoice, as the editor allows); fields not given stay."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            current = await _object(vendor_id, invoice_id)
            given = {k: v for k, v in asdict(data).items() if v is not None}
            values = {**current, "due_date": current["due_date"] or "", **given}
            await editor.update_invoice(vendor_id, invoice_id, await _clean(vendor_id, values))
            return 200, await _object(vendor_id, invoice_id)
        return await once(request, produce)

    @post("/{invoice_id:int}/send", opt=WRITE, status_code=200)
    async def send_invoice(self, request: Request, invoice_id: FromPath[int], data: JSONBody[s.SendInput]) -> Response[s.Invoice]:
        """Send: number it, mark it sent and (with `email`) queue the invoice email, as the Send dialog does."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            state = await mail_send.dialog_state(vendor_id, invoice_id)
            form: mail_send.SendForm = state["form"]
            form.method = data.method
            form.to, form.subject = data.to or form.to, data.subject or form.subject
            form.message = data.message or form.message
            try:
                await mail_send.send(vendor_id, invoice_id, form, with_email=data.email)
            except mail_send.SendFormError as exc:
                name, message = next(iter(exc.errors.items()))
                raise field_error(name, message) from None
            return 200, await _object(vendor_id, invoice_id)
        return await once(request, produce)

    @post("/{invoice_id:int}/mark-paid", opt=WRITE, status_code=200)
    async def mark_paid(self, request: Request, invoice_id: FromPath[int], data: JSONBody[s.MarkPaidInput]) -> Response[s.Invoice]:
        """Record money received outside Stripe: the whole balance, or `amount` of it."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            paid_on = await _paid_on(vendor_id, data.paid_on)
            await lifecycle.mark_paid(vendor_id, invoice_id, paid_on, data.method, data.reference, data.amount,
                                      data.note)
            return 200, await _object(vendor_id, invoice_id)
        return await once(request, produce)

    @post("/{invoice_id:int}/void", opt=WRITE, status_code=200)
    async def void_invoice(self, request: Request, invoice_id: FromPath[int], data: JSONBody[s.VoidInput]) -> Response[s.Invoice]:
        """Void a draft, sent or fully refunded invoice, with a reason."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            if not data.reason.strip():
                raise field_error("reason", "Give a reason for voiding the invoice.")
            await lifecycle.void_invoice(vendor_id, invoice_id, data.reason)
            return 200, await _object(vendor_id, invoice_id)
        return await once(request, produce)


async def _paid_on(vendor_id: int, text: str):
    if not text:
        return today_for(await vendor_timezone(vendor_id))
    day = parse_date(text)
    if day is None:
        raise field_error("paid_on", "Use a date as YYYY-MM-DD.")
    return day


__all__ = ["ApiInvoiceController", "NotAllowed"]
