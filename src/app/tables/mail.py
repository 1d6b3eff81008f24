"""Outgoing mail: the outbox (which is also the delivery queue), reminder settings and the reminder log."""

from enum import Enum

from piccolo.columns import JSON, Boolean, Bytea, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.invoices import Invoice
from app.tables.vendors import Vendor


class OutboxMessage(Table):
    """One email: composed, queued, sent or failed. The rows are the queue, so a restart loses nothing."""

    class Kind(str, Enum):
        invoice = "invoice"
        reminder = "reminder"
        receipt = "receipt"
        paid_notice = "paid_notice"
        security_notice = "security_notice"  # to a user, about their account (failed logins)
        credit_note = "credit_note"
        quote = "quote"  # a quote's link to the customer (services/quotes)
        portal_link = "portal_link"  # a customer's portal sign-in link (no invoice)
        autopay_failed = "autopay_failed"  # an off-session charge failed: pay or update the card (services/autopay)
        invitation = "invitation"  # to a person invited to become a member

    class Status(str, Enum):
        draft = "draft"
        queued = "queued"
        sending = "sending"
        sent = "sent"
        failed = "failed"

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    invoice = ForeignKey(references=Invoice, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    kind = Varchar(length=16, choices=Kind)
    # Makes queueing idempotent: a double click, a retried job or a second worker finds the row already there.
    dedupe_key = Varchar(length=120, unique=True)
    sender = Varchar(length=320)
    reply_to = Varchar(length=320, default="")
    to = Text()
    cc = Text(default="")
    subject = Varchar(length=300)
    text = Text()
    html = Text()
    method = Varchar(length=16, default="")
    message_body = Text(default="")
    # The worker renders the PDF at delivery (never in a request or webhook) and keeps the bytes it sent.
    attach_pdf = Boolean(default=False)
    attachment = Bytea(null=True, default=None)
    attachment_name = Varchar(length=200, default="")
    # A credit note's email attaches that note's PDF instead of the invoice's.
    credit_note_id = Integer(null=True, default=None)
    status = Varchar(length=16, default=Status.queued, choices=Status, index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    claimed_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    message_id = Varchar(length=200, default="")
    transport = Varchar(length=16, default="")
    source_activity = Integer(null=True, default=None, index=True)
    sent_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class ReminderSettings(Table):
    """A vendor's automatic reminders: up to three, each on the due date (0) or N days after it."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.cascade, unique=True)
    enabled = Boolean(default=False)
    offsets = JSON(default=[])
    updated_at = Timestamptz(default=TimestamptzNow())


class ReminderLog(Table):
    """Reminder number N of an invoice was queued; unique (invoice, number) makes it happen once."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.cascade, index=True)
    invoice = ForeignKey(references=Invoice, null=False, on_delete=OnDelete.cascade, index=True)
    number = Integer()
    outbox = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
