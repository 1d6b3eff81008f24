"""/api/v1 payments, refunds, credit notes and payment links: the same services as the invoice page's panels."""

from __future__ import annotations

import hashlib
import secrets

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

import app.controllers._api_schemas as s
from app.controllers._api import READ, WRITE, caller, field_error, listing, once
from app.money import to_major
from app.services import balance
from app.services.api import objects
from app.services.invoices import credit_notes as credits
from app.services.invoices import lifecycle
from app.services.payments import links, refunds
from app.services.clock import today_for
from app.services.rows import vendor_timezone
from app.parsing import parse_date

Payment, Refund, CreditNote = objects.Payment, objects.Refund, objects.CreditNote


def _request_key(request: Request, what: str) -> str:
    """The service's own once-only key: from Idempotency-Key when given, else unique per request."""
    given = request.headers.get("idempotency-key", "")
    if not given:
        return secrets.token_hex(20)
    return hashlib.sha256(f"{caller(request).id}:{what}:{given}".encode()).hexdigest()[:40]


class ApiPaymentController(Controller):
    """Payments: card payments from Stripe and payments recorded by hand."""

    path = "/payments"
    tags = ["Payments"]

    @get("/", opt=READ)
    async def list_payments(self, request: Request, limit: FromQuery[int] = 10,
                            starting_after: FromQuery[int | None] = None,
                            invoice: FromQuery[int | None] = None) -> s.PaymentList:
        """Payments newest first, deleted ones left out; filter by `invoice`."""
        where = (Payment.vendor == caller(request).vendor_id) & Payment.deleted_at.is_null()
        if invoice is not None:
            where &= Payment.invoice == invoice
        rows, more = await objects.page(Payment, where, limit, starting_after)
        return listing("/api/v1/payments", [objects.payment_object(r) for r in rows], more)

    @post("/", opt=WRITE, status_code=201)
    async def record_payment(self, request: Request, data: JSONBody[s.PaymentCreate]) -> Response[s.Payment]:
        """Record a payment received outside Stripe on an invoice (its whole balance unless `amount`)."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            await objects.one(objects.Invoice, vendor_id, data.invoice, "invoice")
            timezone = await vendor_timezone(vendor_id)
            paid_on = parse_date(data.paid_on) if data.paid_on else today_for(timezone)
            if paid_on is None:
                raise field_error("paid_on", "Use a date as YYYY-MM-DD.")
            await lifecycle.mark_paid(vendor_id, data.invoice, paid_on, data.method, data.reference, data.amount,
                                      data.note)
            row = await Payment.select().where((Payment.invoice == data.invoice) & Payment.deleted_at.is_null()
                                               ).order_by(Payment.id, ascending=False).first()
            return 201, objects.payment_object(row)
        return await once(request, produce)

    @get("/{payment_id:int}", opt=READ)
    async def retrieve_payment(self, request: Request, payment_id: FromPath[int]) -> s.Payment:
        """One payment."""
        return objects.payment_object(await objects.one(Payment, caller(request).vendor_id, payment_id, "payment"))


class ApiRefundController(Controller):
    """Refunds of payments: through Stripe for card payments, by hand for payments by hand."""

    path = "/refunds"
    tags = ["Refunds"]

    @get("/", opt=READ)
    async def list_refunds(self, request: Request, limit: FromQuery[int] = 10,
                           starting_after: FromQuery[int | None] = None,
                           payment: FromQuery[int | None] = None) -> s.RefundList:
        """Refunds newest first; filter by `payment`."""
        where = Refund.vendor == caller(request).vendor_id
        if payment is not None:
            where &= Refund.payment == payment
        rows, more = await objects.page(Refund, where, limit, starting_after)
        return listing("/api/v1/refunds", [objects.refund_object(r) for r in rows], more)

    @post("/", opt=WRITE, status_code=201)
    async def create_refund(self, request: Request, data: JSONBody[s.RefundCreate]) -> Response[s.Refund]:
        """Refund (part of) a payment; what is left of it when `amount` is omitted."""
        vendor_id = caller(request).vendor_id
        key = _request_key(request, "refund")

        async def produce() -> tuple[int, dict]:
            paid = await objects.one(Payment, vendor_id, data.payment, "payment")
            if paid["deleted_at"] is not None:
                raise field_error("payment", f"No such payment: {data.payment}")
            payment = await Payment.objects().where(Payment.id == paid["id"]).first()
            amount = data.amount if data.amount is not None else await balance.refundable(payment)
            if data.reason not in refunds.REASONS:
                raise field_error("reason", "Use requested_by_customer, duplicate, fraudulent or other.")
            row = await refunds.refund_payment(vendor_id, paid["invoice"], paid["id"], amount, data.reason,
                                               data.note, key)
            return 201, objects.refund_object(row.to_dict())
        return await once(request, produce)


class ApiCreditNoteController(Controller):
    """Credit notes against sent invoices."""

    path = "/credit-notes"
    tags = ["Credit notes"]

    @get("/", opt=READ)
    async def list_credit_notes(self, request: Request, limit: FromQuery[int] = 10,
                                starting_after: FromQuery[int | None] = None,
                                invoice: FromQuery[int | None] = None) -> s.CreditNoteList:
        """Credit notes newest first; filter by `invoice`."""
        where = CreditNote.vendor == caller(request).vendor_id
        if invoice is not None:
            where &= CreditNote.invoice == invoice
        rows, more = await objects.page(CreditNote, where, limit, starting_after)
        return listing("/api/v1/credit-notes", [await objects.credit_note_with_lines(r) for r in rows], more)

    @post("/", opt=WRITE, status_code=201)
    async def create_credit_note(self, request: Request, data: JSONBody[s.CreditNoteCreate]) -> Response[s.CreditNote]:
        """Issue a credit note by `amount` (minor units) or by `lines` ({invoice line id: quantity})."""
        vendor_id = caller(request).vendor_id
        key = _request_key(request, "credit")

        async def produce() -> tuple[int, dict]:
            invoice = await objects.one(objects.Invoice, vendor_id, data.invoice, "invoice")
            by_amount = data.amount is not None
            quantities = {int(k): str(v) for k, v in data.lines.items() if str(k).isdigit()}
            form = credits.CreditForm(
                mode="amount" if by_amount else "lines",
                amount=str(to_major(data.amount, invoice["currency"])) if by_amount else "",
                quantities=quantities, reason=data.reason, excess=data.excess, request_key=key)
            try:
                note = await credits.issue_credit_note(vendor_id, data.invoice, form)
            except credits.CreditInvalid as exc:
                name, message = next(iter(exc.errors.items()))
                raise field_error(f"lines[{name[4:]}]" if name.startswith("qty_") else name, message) from None
            return 201, await objects.credit_note_with_lines(note.to_dict())
        return await once(request, produce)

    @get("/{credit_note_id:int}", opt=READ)
    async def retrieve_credit_note(self, request: Request, credit_note_id: FromPath[int]) -> s.CreditNote:
        """One credit note with its lines."""
        row = await objects.one(CreditNote, caller(request).vendor_id, credit_note_id, "credit note")
        return await objects.credit_note_with_lines(row)


class ApiPaymentLinkController(Controller):
    """The invoice's one payment link: create and read, never delete."""

    path = "/payment-links"
    tags = ["Payment links"]

    @post("/", opt=WRITE, status_code=201)
    async def create_payment_link(self, request: Request, data: JSONBody[s.PaymentLinkCreate]) -> Response[s.PaymentLink]:
        """Create the invoice's link (a draft is sent by it), or answer the one it has."""
        vendor_id = caller(request).vendor_id

        async def produce() -> tuple[int, dict]:
            await objects.one(objects.Invoice, vendor_id, data.invoice, "invoice")
            await links.create_payment_link(vendor_id, data.invoice)
            return 201, await objects.link_of(vendor_id, data.invoice)
        return await once(request, produce)

    @get("/{invoice_id:int}", opt=READ)
    async def retrieve_payment_link(self, request: Request, invoice_id: FromPath[int]) -> s.PaymentLink:
        """The payment link of invoice `invoice_id`."""
        return await objects.link_of(caller(request).vendor_id, invoice_id)
