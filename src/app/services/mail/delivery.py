"""The delivery worker: claims due outbox rows, sends them (SMTP or the local outbox), retries with backoff."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from app.db import write_transaction
from app.metrics import OUTBOX_FAILURES
from app.errors import NotAllowed, NotFound
from app.services.mail import compose as mail
from app.services.rows import record_activity
from app.services.clock import utcnow
from app.services.invoices.documents import load_document
from app.services.einvoice.files import credit_note_attachments, email_attachments
from app.services.invoices.pdf import document_pdf
from app.settings import get_settings
from app.tables.mail import OutboxMessage

log = logging.getLogger(__name__)
Status = OutboxMessage.Status
BACKOFF_SECONDS = (30, 120, 600, 1800, 7200)  # after attempt 1, 2, ...; then it has failed
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
# A row stays `sending` only while a worker holds it; longer than this means that worker died.
STALE_AFTER = timedelta(minutes=5)
BATCH = 10


@dataclass(frozen=True)
class SmtpTarget:
    """Where SMTP_URL points: smtp:// (STARTTLS) or smtps:// (implicit TLS), optional user:pass."""

    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None


def smtp_target(url: str) -> SmtpTarget:
    """Parse SMTP_URL; raise ValueError for an unusable one."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
    implicit = parts.scheme == "smtps"
    username = unquote(parts.username) if parts.username else None
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    # Credentials never cross the network in clear: STARTTLS is required then, except to a local relay.
    start_tls = None if implicit or local or not username else True
    return SmtpTarget(parts.hostname, parts.port or (465 if implicit else 587), username,
                      unquote(parts.password) if parts.password else None, implicit,
                      False if implicit else start_tls)


def build_email(row: dict) -> EmailMessage:
    """The MIME message for an outbox row: text and HTML alternatives plus the PDF."""
    msg = EmailMessage()
    msg["From"] = row["sender"]
    msg["To"] = row["to"]
    if row["cc"]:
        msg["Cc"] = row["cc"]
    if row["reply_to"]:
        msg["Reply-To"] = row["reply_to"]
    msg["Subject"] = row["subject"]
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = row["message_id"] or make_msgid(domain=_domain(row["sender"]))
    msg.set_content(row["text"])
    msg.add_alternative(row["html"], subtype="html")
    if row["attachment"]:
        msg.add_attachment(bytes(row["attachment"]), maintype="application", subtype="pdf",
                           filename=row["attachment_name"] or "invoice.pdf")
    for name, mime, data in row.get("einvoices", []):
        if mime != "application/pdf":  # the Factur-X PDF already is the attachment above
            maintype, subtype = mime.split("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "payport.local"


async def _send_smtp(msg: EmailMessage, url: str) -> None:
    target = smtp_target(url)
    await aiosmtplib.send(
        msg, hostname=target.hostname, port=target.port, username=target.username, password=target.password,
        use_tls=target.use_tls, start_tls=target.start_tls, timeout=30,
    )


async def reclaim_stale() -> int:
    """Put rows whose worker died mid-send back in the queue; returns how many."""
    stale = (OutboxMessage.status == Status.sending) & (OutboxMessage.claimed_at < utcnow() - STALE_AFTER)
    if not await OutboxMessage.exists().where(stale):
        return 0
    async with write_transaction():
        rows = await OutboxMessage.update({OutboxMessage.status: Status.queued}).where(stale).returning(
            OutboxMessage.id)
    return len(rows)


async def claim_due(limit: int = BATCH) -> list[int]:
    """Move due rows queued -> sending; only the process whose UPDATE matched owns a row."""
    now = utcnow()
    # Look first without a write transaction: an idle worker never takes SQLite's write lock.
    due = await OutboxMessage.select(OutboxMessage.id).where(
        (OutboxMessage.status == Status.queued) & (OutboxMessage.next_attempt_at <= now)
    ).order_by(OutboxMessage.id).limit(limit)
    if not due:
        return []
    async with write_transaction():
        claimed = await OutboxMessage.update({
            OutboxMessage.status: Status.sending, OutboxMessage.claimed_at: now,
            OutboxMessage.attempts: OutboxMessage.attempts + 1,
        }).where(
            OutboxMessage.id.is_in([r["id"] for r in due]) & (OutboxMessage.status == Status.queued)
        ).returning(OutboxMessage.id)
    return sorted(r["id"] for r in claimed)


async def _attach_documents(row: dict) -> dict:
    """The claimed row with its PDF (rendered once, kept with the message) and an invoice's e-invoice files.

    The e-invoice files are built afresh for each attempt (they are not stored), in the same pass as the PDF.
    """
    if not row["attach_pdf"] or not row["invoice"]:
        return row
    if row.get("credit_note_id"):  # a credit note's email carries its own PDF (Factur-X by the setting) and UBL
        (pdf, name), files = await credit_note_attachments(row["vendor"], row["credit_note_id"])
        row = {**row, "einvoices": files}
        return row if row["attachment"] else await _store_pdf(row, pdf, name)
    doc = await load_document(row["vendor"], row["invoice"])
    files = await email_attachments(doc)
    row = {**row, "einvoices": files}
    if row["attachment"]:
        return row
    # With the vendor's setting, the PDF is the Factur-X one (the same pages, the CII XML inside).
    facturx = [(data, name) for name, mime, data in files if mime == "application/pdf"]
    return await _store_pdf(row, *(facturx[0] if facturx else await document_pdf(doc)))


async def _store_pdf(row: dict, data: bytes, name: str) -> dict:
    async with write_transaction():
        await OutboxMessage.update({OutboxMessage.attachment: data, OutboxMessage.attachment_name: name}).where(
            OutboxMessage.id == row["id"])
    return {**row, "attachment": data, "attachment_name": name}


class UnbuildableMessage(Exception):
    """The row cannot become an email (a header value with a line break or control character)."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(f"This email cannot be sent: {cause}. Check the business name, customer name and "
                         "subject for line breaks or control characters.")


def _permanent(exc: Exception) -> bool:
    """5xx answers (unknown mailbox, rejected sender) and unbuildable messages will not change on retry."""
    if isinstance(exc, UnbuildableMessage):
        return True
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(r.code >= 500 for r in exc.recipients)
    return isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500


async def deliver(message_id: int) -> str:
    """Send one claimed row; returns its new status (sent, queued for a retry, or failed)."""
    row = await OutboxMessage.select().where(OutboxMessage.id == message_id).first()
    if row is None or row["status"] != Status.sending:
        return row["status"] if row else "missing"
    smtp_url = get_settings().smtp_url
    try:
        row = await _attach_documents(row)
    except Exception as exc:  # every failure is recorded on the row; nothing escapes the worker
        return await _record_failure(row, exc)
    try:
        msg = build_email(row)
    except Exception as exc:  # a message that cannot be built (a header with a line break) never will be
        return await _record_failure(row, UnbuildableMessage(exc))
    try:
        if smtp_url:
            await _send_smtp(msg, smtp_url)
    except Exception as exc:
        return await _record_failure(row, exc)
    return await _record_sent(row, msg["Message-ID"], "smtp" if smtp_url else "outbox")


async def _record_sent(row: dict, message_id: str, transport: str) -> str:
    async with write_transaction():
        await OutboxMessage.update({
            OutboxMessage.status: Status.sent, OutboxMessage.sent_at: utcnow(), OutboxMessage.last_error: "",
            OutboxMessage.message_id: message_id, OutboxMessage.transport: transport,
        }).where(OutboxMessage.id == row["id"])
        if row["invoice"] and row["kind"] != "paid_notice":
            noun = mail.KIND_NOUNS[row["kind"]]
            await record_activity(row["vendor"], row["invoice"], "email_sent",
                                    f"{noun} email delivered to {row['to']}.", {"outbox": row["id"]})
    mail.announce(row["vendor"], row["invoice"])
    return Status.sent


def _describe(exc: Exception) -> str:
    """A sentence the vendor can act on, from whatever the SMTP exchange raised."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        text = f"The mail server refused {first.recipient}: {first.code} {first.message}"
    elif isinstance(exc, aiosmtplib.SMTPTimeoutError | asyncio.TimeoutError):
        text = "The mail server did not answer in time."
    elif isinstance(exc, aiosmtplib.SMTPResponseException):
        text = f"The mail server answered {exc.code} {exc.message}"
    elif isinstance(exc, aiosmtplib.SMTPConnectError | OSError):
        text = f"Could not reach the mail server: {exc}"
    else:
        text = str(exc).strip() or exc.__class__.__name__
    return text[:500]


async def _record_failure(row: dict, exc: Exception) -> str:
    error = _describe(exc)
    give_up = _permanent(exc) or row["attempts"] >= MAX_ATTEMPTS
    log.warning("mail %s attempt %s failed: %s", row["id"], row["attempts"], error)
    OUTBOX_FAILURES.labels("failed" if give_up else "retry").inc()
    async with write_transaction():
        if give_up:
            await OutboxMessage.update({OutboxMessage.status: Status.failed, OutboxMessage.last_error: error}).where(
                OutboxMessage.id == row["id"])
            if row["invoice"]:
                noun = mail.KIND_NOUNS[row["kind"]]
                await record_activity(row["vendor"], row["invoice"], "email_failed",
                                        f"{noun} email to {row['to']} could not be delivered: {error}",
                                        {"outbox": row["id"]})
        else:
            delay = BACKOFF_SECONDS[min(row["attempts"], MAX_ATTEMPTS - 1) - 1]
            await OutboxMessage.update({
                OutboxMessage.status: Status.queued, OutboxMessage.last_error: error,
                OutboxMessage.next_attempt_at: utcnow() + timedelta(seconds=delay),
            }).where(OutboxMessage.id == row["id"])
    mail.announce(row["vendor"], row["invoice"])
    return Status.failed if give_up else Status.queued


async def retry_message(vendor_id: int, message_id: int) -> dict:
    """Queue a failed message again now, with a fresh set of attempts."""
    async with write_transaction():
        row = await OutboxMessage.select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.invoice,
                                         OutboxMessage.to, OutboxMessage.kind).where(
            (OutboxMessage.id == message_id) & (OutboxMessage.vendor == vendor_id)).first()
        if row is None:
            raise NotFound("That email does not exist.")
        if row["status"] != Status.failed:
            raise NotAllowed("Only an email that failed can be retried; this one is "
                             f"{'already sent' if row['status'] == Status.sent else 'still in the queue'}.")
        await OutboxMessage.update({
            OutboxMessage.status: Status.queued, OutboxMessage.attempts: 0, OutboxMessage.next_attempt_at: utcnow(),
        }).where(OutboxMessage.id == message_id)
        if row["invoice"]:
            await record_activity(vendor_id, row["invoice"], "email_queued",
                                    f"Retrying the {mail.KIND_NOUNS[row['kind']].lower()} email to {row['to']}.",
                                    {"outbox": message_id})
    mail.wake_worker()
    mail.announce(vendor_id, row["invoice"])
    return row


async def count_by_status() -> dict[str, int]:
    """How many outbox rows are in each status, every status named (for the metrics)."""
    rows = await OutboxMessage.raw("SELECT status, COUNT(*) AS n FROM outbox_message GROUP BY status")
    counts = {status.value: 0 for status in Status}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


async def deliver_due() -> list[tuple[int, str]]:
    """One pass of the worker's delivery step: reclaim, claim, send. Returns (id, status) pairs."""
    await reclaim_stale()
    results = []
    while ids := await claim_due():
        for message_id in ids:
            results.append((message_id, await deliver(message_id)))
    return results
