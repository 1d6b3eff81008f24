"""Emailing a credit note to the customer through the outbox, with its PDF (rendered by the worker)."""

from __future__ import annotations

from app.db import write_transaction
from app.services.invoices.credit_pdf import load_credit_document
from app.services.invoices.documents import load_document
from app.services.mail import compose as mail
from app.services.mail.receipts import recipients_for
from app.services.rows import record_activity
from app.tables.mail import OutboxMessage


class NoRecipient(ValueError):
    """The customer has no email address and the invoice was never emailed."""


async def email_credit_note(vendor_id: int, note_id: int, nonce: str) -> int:
    """Queue the credit note email once per form nonce; returns the outbox id."""
    credit = await load_credit_document(vendor_id, note_id)
    doc = await load_document(vendor_id, credit.invoice["id"])
    to, cc = await recipients_for(vendor_id, doc.id, doc.customer.get("email", ""))
    if not to:
        raise NoRecipient("The customer has no email address: add one on the customer first.")
    t = credit.texts
    note, amount = credit.note, t.money(credit.note["total"], credit.currency)
    subject = t("Credit note %(number)s from %(vendor)s (%(amount)s)", number=note["number"], vendor=doc.vendor["name"],
                amount=amount)
    message = "\n\n".join((
        t("Hello %(name)s,", name=doc.customer.get("name") or t("there")),
        t("please find attached credit note %(number)s for %(amount)s against invoice %(invoice)s.",
          number=note["number"], amount=amount, invoice=credit.invoice["number"]),
        t("Reason: %(reason)s", reason=note["reason"]), doc.vendor["name"]))
    summary = [(t("Credit note"), note["number"]), (t("Invoice"), credit.invoice["number"] or ""), (t("Credit"), amount)]
    async with write_transaction():
        outbox_id = await mail.queue_message(doc, mail.NewMessage(
            vendor_id=vendor_id, invoice_id=doc.id, kind="credit_note", to=to, cc=tuple(cc),
            composed=mail.compose_plain(subject, doc.vendor, summary, message, t),
            dedupe_key=f"credit_note:{note_id}:{nonce[:64]}", attach_pdf=True))
        changed = await OutboxMessage.update({OutboxMessage.credit_note_id: note_id}).where(
            (OutboxMessage.id == outbox_id) & OutboxMessage.credit_note_id.is_null()).returning(OutboxMessage.id)
        if changed:
            await record_activity(vendor_id, doc.id, "email_queued",
                                  f"Credit note {note['number']} email to {', '.join(to)} queued for delivery.",
                                  {"outbox": outbox_id, "credit_note": note_id})
    mail.wake_worker()
    mail.announce(vendor_id, doc.id)
    return outbox_id
