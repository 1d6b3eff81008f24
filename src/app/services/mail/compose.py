"""Compose invoice emails (HTML and text from templates/mail/) and queue them in the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.i18n import ENGLISH, N_, Texts
from app.live.announce import announce_invoice_changed, announce_vendor_changed
from app.db import write_transaction
from app.services.clock import utcnow
from app.services.outbox_queue import sender_for, wake_worker, worker_wakeup  # noqa: F401  (mail.* callers use them from here)
from app.services.rows import record_activity
from app.services.invoices.documents import InvoiceDocument
from app.settings import get_settings
from app.times import format_date
from app.tables.mail import OutboxMessage

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
MAX_RECIPIENTS = 20
_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
    trim_blocks=False, keep_trailing_newline=False,
)
KIND_NOUNS = {"invoice": N_("Invoice"), "reminder": N_("Reminder"), "receipt": N_("Receipt"),
              "paid_notice": N_("Paid notification"), "security_notice": N_("Security notice"),
              "credit_note": N_("Credit note"), "quote": N_("Quote"), "autopay_failed": N_("Automatic payment"),
              "invitation": N_("Invitation")}


@dataclass(frozen=True)
class Composed:
    """The parts of one email."""

    subject: str
    text: str
    html: str


class RecipientError(ValueError):
    """An address list that cannot be used, with a message for the form."""


def parse_recipients(raw: str, required: bool = True) -> list[str]:
    """Split 'a@x.com, b@y.com' (commas, semicolons or new lines); raise RecipientError with a clear message."""
    addresses = [a.strip() for a in re.split(r"[,;\n]+", raw or "") if a.strip()]
    if required and not addresses:
        raise RecipientError("Enter at least one email address.")
    bad = [a for a in addresses if len(a) > 254 or not EMAIL_RE.match(a)]
    if bad:
        raise RecipientError(f"{bad[0]} is not a valid email address.")
    if len(addresses) > MAX_RECIPIENTS:
        raise RecipientError(f"Send to at most {MAX_RECIPIENTS} addresses at once.")
    return list(dict.fromkeys(addresses))


CUSTOMER_KINDS = ("invoice", "reminder", "receipt", "credit_note")


def texts_of(kind: str, doc: InvoiceDocument) -> Texts:
    """The customer's language for what the customer reads; the vendor's notices stay in English."""
    return doc.texts if kind in CUSTOMER_KINDS else ENGLISH


def _facts(doc: InvoiceDocument, t: Texts = ENGLISH, **extra) -> dict:
    # With a payment schedule the email and reminders ask for the next instalment, by its date.
    due = doc.invoice.get("next_due_date") or doc.invoice.get("due_date")
    number = doc.invoice.get("number")
    days_late = (doc.today - due).days if due and doc.today else 0
    english = t.language == "en"
    return {
        "t": t,
        "customer_name": doc.customer.get("name") or t("there"),
        "vendor_name": doc.vendor["name"],
        "label": t("Invoice %(number)s", number=number) if number else t("Invoice"),
        "label_lower": t("invoice %(number)s", number=number) if number else t("your invoice"),
        "amount": t.money(doc.due_now, doc.currency),
        "balance": t.money(doc.amount_due, doc.currency),
        "total": t.money(doc.invoice["total"], doc.currency),
        "paid": t.money(doc.invoice["amount_paid"] or doc.invoice["total"], doc.currency),
        "due": format_date(due, long=True) if english else t.date(due),
        "days_late": days_late,
        "link_url": doc.link_url,
        **extra,
    }


def default_message(kind: str, doc: InvoiceDocument, include_link: bool = True) -> str:
    """The editable body a vendor starts from."""
    # Only whether a link will be there matters to the wording; Send creates it when missing.
    facts = _facts(doc, texts_of(kind, doc), link_url="yes" if include_link else "")
    return _env.get_template(f"{kind}_message.txt").render(**facts).strip()


def default_subject(kind: str, doc: InvoiceDocument) -> str:
    """A subject that says what the email is about."""
    t = texts_of(kind, doc)
    f = _facts(doc, t)
    if kind == "reminder":
        if f["days_late"] > 0:
            return t("Reminder: %(label)s from %(vendor)s is past due", label=f["label_lower"], vendor=f["vendor_name"])
        return t("Reminder: %(label)s from %(vendor)s is due", label=f["label_lower"], vendor=f["vendor_name"])
    if kind == "receipt":
        return t("Receipt for %(label)s from %(vendor)s", label=f["label_lower"], vendor=f["vendor_name"])
    if kind == "paid_notice":
        return f"Paid: {f['label']} by {f['customer_name']} ({f['paid']})"
    return t("%(label)s from %(vendor)s (%(amount)s)", label=f["label"], vendor=f["vendor_name"], amount=f["amount"])


def _summary(kind: str, doc: InvoiceDocument) -> list[tuple[str, str]]:
    t = texts_of(kind, doc)
    f = _facts(doc, t)
    number = doc.invoice.get("number") or t("Draft")
    if kind in ("receipt", "paid_notice"):
        paid_at = doc.invoice.get("paid_at")
        rows = [(t("Invoice"), number), (t("Amount paid"), f["paid"])]
        when = (format_date(paid_at, doc.vendor["timezone"], long=True) if t.language == "en"
                else t.date(paid_at, doc.vendor["timezone"])) if paid_at else ""
        return rows + ([(t("Paid on"), when)] if paid_at else [])
    if doc.by_instalments:
        return [(t("Invoice"), number), (t("Next instalment"), f["amount"]), (t("Instalment due"), f["due"]),
                (t("Balance"), f["balance"])]
    rows = [(t("Invoice"), number), (t("Amount due"), f["amount"])]
    return rows + [(t("Due date"), f["due"] or t("On receipt"))]


def compose(kind: str, doc: InvoiceDocument, message: str, subject: str = "", include_link: bool = True) -> Composed:
    """Both parts of an email of this kind about this invoice; the vendor's message is escaped."""
    subject = (subject or "").strip() or default_subject(kind, doc)
    link = doc.link_url if include_link and kind in ("invoice", "reminder") and doc.invoice["status"] in ("sent", "partially_paid") else ""
    if kind == "paid_notice":
        link = f"{get_settings().app_base_url}/invoices/{doc.id}"
    t = texts_of(kind, doc)
    context = {
        "subject": subject, "vendor": doc.vendor, "summary": _summary(kind, doc), "t": t,
        "button_url": link, "button_label": "View invoice" if kind == "paid_notice" else t("Pay online"),
        "preheader": t(KIND_NOUNS[kind]) if kind != "invoice" else doc.label_in(t),
    }
    body = (message or "").strip().replace("\r\n", "\n")
    paragraphs = [p.split("\n") for p in re.split(r"\n\s*\n", body) if p.strip()]
    html = _env.get_template("layout.html").render(paragraphs=paragraphs, **context)
    text = _env.get_template("layout.txt").render(body=body, **context)
    return Composed(subject=subject, text=text.strip() + "\n", html=html)


def compose_plain(subject: str, vendor: dict, summary: list[tuple[str, str]], message: str,
                  t: Texts = ENGLISH, button_url: str = "", button_label: str = "") -> Composed:
    """An email in the house layout for a document that is not an invoice (a credit note); a button when given."""
    body = (message or "").strip().replace("\r\n", "\n")
    paragraphs = [p.split("\n") for p in re.split(r"\n\s*\n", body) if p.strip()]
    context = {"subject": subject, "vendor": vendor, "summary": summary, "button_url": button_url,
               "button_label": button_label, "preheader": subject, "t": t}
    html = _env.get_template("layout.html").render(paragraphs=paragraphs, **context)
    text = _env.get_template("layout.txt").render(body=body, **context)
    return Composed(subject=subject, text=text.strip() + "\n", html=html)


@dataclass(frozen=True)
class NewMessage:
    """What to queue; `dedupe_key` makes queueing the same message twice a no-op."""

    vendor_id: int
    invoice_id: int | None
    kind: str
    to: list[str]
    composed: Composed
    dedupe_key: str
    cc: tuple[str, ...] = ()
    attach_pdf: bool = True
    method: str = ""
    message_body: str = ""
    source_activity: int | None = None


async def queue_message(doc: InvoiceDocument, new: NewMessage) -> int:
    """Insert the outbox row (or find the one with this dedupe key) and log it; returns its id.

    Callers run it inside their own write transaction and call wake_worker() after that commits.
    """
    async with write_transaction():
        existing = await OutboxMessage.select(OutboxMessage.id).where(
            OutboxMessage.dedupe_key == new.dedupe_key).first()
        if existing:
            return existing["id"]
        sender, reply_to = sender_for(doc.vendor)
        row = OutboxMessage(
            vendor=new.vendor_id, invoice=new.invoice_id, kind=new.kind, dedupe_key=new.dedupe_key,
            sender=sender, reply_to=reply_to, to=", ".join(new.to), cc=", ".join(new.cc),
            subject=new.composed.subject, text=new.composed.text, html=new.composed.html,
            method=new.method, message_body=new.message_body, attach_pdf=new.attach_pdf,
            attachment_name="", status=OutboxMessage.Status.queued, next_attempt_at=utcnow(),
            source_activity=new.source_activity, created_at=utcnow(),
        )
        await row.save()
        if new.invoice_id and new.kind in ("invoice", "receipt"):
            await record_activity(new.vendor_id, new.invoice_id, "email_queued",
                               f"{KIND_NOUNS[new.kind]} email to {', '.join(new.to)} queued for delivery.",
                               {"outbox": row.id})
    return row.id


def announce(vendor_id: int, invoice_id: int | None) -> None:
    """Refresh the vendor's open pages after a mail state change."""
    if invoice_id:
        announce_invoice_changed(vendor_id, invoice_id)
    announce_vendor_changed(vendor_id, "outbox")
