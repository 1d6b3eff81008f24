"""The Send dialog: defaults, validation, Save as Draft, and Send (finalize, link if Stripe, queue the email)."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass

from app.parsing import is_one_line
from app.db import write_transaction
from app.errors import NotAllowed
from app.services.mail import compose as mail
from app.services.accounts import vendor_verified
from app.services.clock import utcnow
from app.services.invoices.documents import InvoiceDocument, load_document
from app.services.invoices.lifecycle import STRIPE_NOT_READY, send_invoice
from app.services.invoices.totals import stripe_ready
from app.services.mail import outbox, reminders
from app.tables.mail import OutboxMessage

METHODS = ("manual", "stripe")
UNVERIFIED = "Confirm your email address first: PayPort emails invoices only for verified accounts."
MAX_SUBJECT = 300
MAX_MESSAGE = 10_000


@dataclass
class SendForm:
    """What the dialog posts."""

    to: str = ""
    cc: str = ""
    subject: str = ""
    message: str = ""
    method: str = "manual"
    attach_pdf: bool = True
    nonce: str = ""


class SendFormError(ValueError):
    """Field errors of the Send dialog, keyed by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


async def _draft_row(vendor_id: int, invoice_id: int) -> dict | None:
    return await OutboxMessage.select(
        OutboxMessage.id, OutboxMessage.to, OutboxMessage.cc, OutboxMessage.subject,
        OutboxMessage.message_body, OutboxMessage.method, OutboxMessage.attach_pdf,
    ).where((OutboxMessage.dedupe_key == f"draft:{invoice_id}") & (OutboxMessage.vendor == vendor_id)).first()


def _default_method(doc: InvoiceDocument, stripe_ready: bool) -> str:
    if doc.invoice.get("sent_method") in METHODS and (doc.invoice["sent_method"] == "manual" or stripe_ready):
        return doc.invoice["sent_method"]
    return "stripe" if stripe_ready and doc.invoice["total"] > 0 else "manual"


async def dialog_state(vendor_id: int, invoice_id: int) -> dict:
    """Everything the dialog shows: the invoice, prefilled values, and whether Stripe can be chosen."""
    doc = await load_document(vendor_id, invoice_id)
    ready = await stripe_ready(vendor_id)
    reason = "" if ready else STRIPE_NOT_READY
    if ready and doc.invoice["total"] <= 0:
        ready, reason = False, "A payment link needs a total above zero."
    if ready and doc.invoice["status"] not in ("draft", "sent", "partially_paid"):
        ready, reason = False, "This invoice takes no more payments."
    draft = await _draft_row(vendor_id, invoice_id)
    if draft:
        form = SendForm(draft["to"], draft["cc"], draft["subject"], draft["message_body"],
                        draft["method"] if draft["method"] == "manual" or ready else "manual", draft["attach_pdf"])
    else:
        method = _default_method(doc, ready)
        form = SendForm(to=doc.customer.get("email", ""), subject=mail.default_subject("invoice", doc),
                        message=mail.default_message("invoice", doc, include_link=method == "stripe"), method=method)
    form.nonce = secrets.token_urlsafe(16)
    return {"doc": doc, "form": form, "stripe_ready": ready, "stripe_reason": reason, "has_draft": bool(draft),
            "verified": await vendor_verified(vendor_id)}


def validate(form: SendForm, stripe_ready: bool, stripe_reason: str) -> dict[str, str]:
    """Field errors ({} when the form can be used)."""
    errors: dict[str, str] = {}
    for name, required in (("to", True), ("cc", False)):
        try:
            mail.parse_recipients(getattr(form, name), required=required)
        except mail.RecipientError as exc:
            errors[name] = str(exc)
    if not form.subject.strip():
        errors["subject"] = "Enter a subject."
    elif len(form.subject) > MAX_SUBJECT:
        errors["subject"] = f"Keep the subject under {MAX_SUBJECT} characters."
    elif not is_one_line(form.subject.strip()):
        errors["subject"] = "Write the subject on one line, without control characters."
    if len(form.message) > MAX_MESSAGE:
        errors["message"] = f"Keep the message under {MAX_MESSAGE:,} characters."
    if form.method not in METHODS:
        errors["method"] = "Choose Manual or Stripe."
    elif form.method == "stripe" and not stripe_ready:
        errors["method"] = stripe_reason
    return errors


async def _checked(vendor_id: int, invoice_id: int, form: SendForm, purpose: str) -> InvoiceDocument:
    """Validate for `purpose`: "send" checks everything, "draft" allows an empty To, "mark_sent" only the method."""
    state = await dialog_state(vendor_id, invoice_id)
    doc = state["doc"]
    if doc.invoice["status"] == "void":
        raise NotAllowed("A void invoice cannot be sent.")
    errors = validate(form, state["stripe_ready"], state["stripe_reason"])
    if purpose == "draft" and not form.to.strip():
        errors.pop("to", None)
    if purpose == "mark_sent":
        errors = {k: v for k, v in errors.items() if k == "method"}
    elif purpose == "send" and not state["verified"]:
        errors["verify"] = UNVERIFIED
    if errors:
        raise SendFormError(errors)
    return doc


async def save_draft(vendor_id: int, invoice_id: int, form: SendForm) -> None:
    """**Save as Draft**: keep the message for later; the invoice and its status stay as they are."""
    await _checked(vendor_id, invoice_id, form, "draft")
    values = {OutboxMessage.to: form.to.strip(), OutboxMessage.cc: form.cc.strip(),
              OutboxMessage.subject: form.subject.strip(), OutboxMessage.message_body: form.message,
              OutboxMessage.method: form.method, OutboxMessage.attach_pdf: form.attach_pdf}
    async with write_transaction():
        draft = await _draft_row(vendor_id, invoice_id)
        if draft:
            await OutboxMessage.update(values).where(OutboxMessage.id == draft["id"])
            return
        await OutboxMessage.insert(OutboxMessage(
            vendor=vendor_id, invoice=invoice_id, kind="invoice", dedupe_key=f"draft:{invoice_id}",
            sender="", to=form.to.strip(), cc=form.cc.strip(), subject=form.subject.strip(), text="", html="",
            method=form.method, message_body=form.message, attach_pdf=form.attach_pdf,
            status=OutboxMessage.Status.draft, created_at=utcnow()))


async def send(vendor_id: int, invoice_id: int, form: SendForm, with_email: bool = True) -> int | None:
    """**Send**: record the send (number, Sent, method), create the link for Stripe, queue the email.

    All in one transaction, so an invoice is never marked sent with its email lost, or the other way round.
    `with_email=False` is **Mark as sent**: the vendor delivers the invoice (or the link) some other way.
    """
    before = await _checked(vendor_id, invoice_id, form, "send" if with_email else "mark_sent")
    message_id = None
    async with write_transaction():
        # A draft gets its number and becomes Sent; with Stripe the same call creates the payment link.
        await send_invoice(vendor_id, invoice_id, form.method)
        if with_email:
            message_id = await _queue_invoice_email(vendor_id, invoice_id, before, form)
        await OutboxMessage.delete().where(OutboxMessage.dedupe_key == f"draft:{invoice_id}")
    mail.wake_worker()
    mail.announce(vendor_id, invoice_id)
    return message_id


async def _queue_invoice_email(vendor_id: int, invoice_id: int, before: InvoiceDocument, form: SendForm) -> int:
    doc = await load_document(vendor_id, invoice_id)
    subject, message = _renumbered(before, doc, form)
    composed = mail.compose("invoice", doc, message, subject, include_link=form.method == "stripe")
    return await mail.queue_message(doc, mail.NewMessage(
        vendor_id=vendor_id, invoice_id=invoice_id, kind="invoice", to=mail.parse_recipients(form.to),
        cc=tuple(mail.parse_recipients(form.cc, required=False)), composed=composed,
        dedupe_key=f"invoice:{invoice_id}:{form.nonce or secrets.token_urlsafe(16)}", attach_pdf=form.attach_pdf,
        method=form.method, message_body=message))


def _renumbered(before: InvoiceDocument, after: InvoiceDocument, form: SendForm) -> tuple[str, str]:
    """Untouched defaults are written again once a draft has its number, so the email names it."""
    include = form.method == "stripe"
    subject = form.subject.strip()
    if subject == mail.default_subject("invoice", before):
        subject = mail.default_subject("invoice", after)
    message = form.message
    for with_link in (include, not include):
        if message.strip() == mail.default_message("invoice", before, include_link=with_link):
            message = mail.default_message("invoice", after, include_link=include)
    return subject, message


def with_method(doc: InvoiceDocument, form: SendForm) -> SendForm:
    """The form after the method changed: a message still at its default follows the new method."""
    for with_link in (True, False):
        if form.message.strip() == mail.default_message("invoice", doc, include_link=with_link):
            form.message = mail.default_message("invoice", doc, include_link=form.method == "stripe")
            break
    return form


def form_values(form: SendForm) -> dict:
    """The form as a dict for templates."""
    return asdict(form)


async def panel_context(vendor_id: int, invoice_id: int) -> dict:
    """What the email panel on the details page shows."""
    state = await dialog_state(vendor_id, invoice_id)
    return {"invoice": state["doc"].invoice, "messages": await outbox.invoice_messages(vendor_id, invoice_id),
            "plan": await reminders.get_plan(vendor_id), "nonce": secrets.token_urlsafe(16),
            "has_draft": state["has_draft"]}
