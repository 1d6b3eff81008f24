"""Reading the outbox: the vendor's sent mail, one message with its parts, an invoice's emails."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import NotFound
from app.services.rows import invoice_row
from app.tables.mail import OutboxMessage

PAGE_SIZE = 25
FILTERS = ("all", "queued", "sent", "failed")
# Everything but the parts and the PDF bytes: lists stay light.
_SUMMARY = (
    OutboxMessage.id, OutboxMessage.invoice, OutboxMessage.kind, OutboxMessage.to, OutboxMessage.cc,
    OutboxMessage.subject, OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.next_attempt_at,
    OutboxMessage.last_error, OutboxMessage.sent_at, OutboxMessage.created_at, OutboxMessage.transport,
    OutboxMessage.method, OutboxMessage.attachment_name, OutboxMessage.invoice.number.as_alias("invoice_number"),
)


@dataclass(frozen=True)
class OutboxPage:
    """One page of the outbox list with its counts per filter."""

    rows: list[dict]
    counts: dict[str, int]
    status: str
    page: int
    pages: int


def _where(vendor_id: int, status: str):
    where = (OutboxMessage.vendor == vendor_id) & (OutboxMessage.status != OutboxMessage.Status.draft)
    if status == "queued":
        return where & OutboxMessage.status.is_in(["queued", "sending"])
    if status in ("sent", "failed"):
        return where & (OutboxMessage.status == status)
    return where


async def list_messages(vendor_id: int, status: str = "all", page: int = 1) -> OutboxPage:
    """The vendor's messages, newest first, filtered by delivery state."""
    status = status if status in FILTERS else "all"
    counts = {name: await OutboxMessage.count().where(_where(vendor_id, name)) for name in FILTERS}
    pages = max(1, -(-counts[status] // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = await OutboxMessage.select(*_SUMMARY).where(_where(vendor_id, status)).order_by(
        OutboxMessage.id, ascending=False).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return OutboxPage(rows=rows, counts=counts, status=status, page=page, pages=pages)


async def get_message(vendor_id: int, message_id: int, with_attachment: bool = False) -> dict:
    """One message of this vendor with its parts; NotFound otherwise (other vendors' ids included)."""
    columns = [*_SUMMARY, OutboxMessage.sender, OutboxMessage.reply_to, OutboxMessage.text, OutboxMessage.html,
               OutboxMessage.message_id, OutboxMessage.attach_pdf]
    if with_attachment:
        columns.append(OutboxMessage.attachment)
    row = await OutboxMessage.select(*columns).where(
        (OutboxMessage.id == message_id) & (OutboxMessage.vendor == vendor_id)
        & (OutboxMessage.status != OutboxMessage.Status.draft)).first()
    if row is None:
        raise NotFound("That email does not exist.")
    return row


async def invoice_messages(vendor_id: int, invoice_id: int) -> list[dict]:
    """The emails about one invoice, newest first (the send panel on the details page)."""
    await invoice_row(vendor_id, invoice_id)  # NotFound for another vendor's or a missing invoice
    return await OutboxMessage.select(*_SUMMARY).where(
        (OutboxMessage.invoice == invoice_id) & (OutboxMessage.vendor == vendor_id)
        & (OutboxMessage.status != OutboxMessage.Status.draft) & (OutboxMessage.kind != "paid_notice")
    ).order_by(OutboxMessage.id, ascending=False).limit(20)
