"""Payment reminders: automatic ones per vendor settings (each sent once, ever) and by hand."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from piccolo.columns.combination import WhereRaw

from app.parsing import parse_whole
from app.db import write_transaction
from app.errors import NotAllowed
from app.services.mail import compose as mail
from app.services.rows import record_activity, vendor_timezone
from app.services.clock import today_for, utcnow
from app.services.invoices.documents import InvoiceDocument, load_document
from app.services.mail.receipts import recipients_for
from app.tables.invoices import Invoice
from app.tables.mail import OutboxMessage, ReminderLog, ReminderSettings

MAX_REMINDERS = 3
MAX_DAYS = 365


@dataclass(frozen=True)
class ReminderPlan:
    """A vendor's reminder settings: offsets in days after the due date (0 = on the due date)."""

    enabled: bool
    offsets: tuple[int, ...]

    def describe(self) -> str:
        """'On the due date, 7 and 14 days after', or 'Off'."""
        if not self.enabled or not self.offsets:
            return "Off"
        parts = ["on the due date" if d == 0 else f"{d} day{'s' if d != 1 else ''} after" for d in self.offsets]
        return ", ".join(parts).capitalize()


class ReminderFormError(ValueError):
    """Field errors of the reminder settings form."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


async def get_plan(vendor_id: int) -> ReminderPlan:
    """The vendor's reminder settings (off until saved)."""
    row = await ReminderSettings.select().where(ReminderSettings.vendor == vendor_id).first()
    if row is None:
        return ReminderPlan(False, ())
    return ReminderPlan(bool(row["enabled"]), _offsets(row["offsets"]))


def _offsets(raw) -> tuple[int, ...]:
    values = json.loads(raw) if isinstance(raw, str) else (raw or [])
    return tuple(int(d) for d in values)


def plan_form(plan: ReminderPlan) -> dict:
    """The settings form's values for a stored plan: one row per reminder, the rest "off"."""
    rows = [{"when": "due" if d == 0 else "after", "days": d or ""} for d in plan.offsets]
    rows += [{"when": "off", "days": ""}] * (MAX_REMINDERS - len(rows))
    return {"enabled": plan.enabled, "rows": rows}


def parse_plan(enabled: bool, choices: list[tuple[str, str]]) -> ReminderPlan:
    """From the form: per reminder a choice (off, due, after) and a day count; raise ReminderFormError."""
    errors: dict[str, str] = {}
    offsets: list[int] = []
    for number, (when, days) in enumerate(choices[:MAX_REMINDERS], start=1):
        if when == "due":
            offsets.append(0)
        elif when == "after":
            value = parse_whole(days if isinstance(days, str) else "", 1, MAX_DAYS)  # int() takes "1_0", "١٢"
            if value is None:
                errors[f"days_{number}"] = f"Enter a number of days from 1 to {MAX_DAYS}."
            else:
                offsets.append(value)
    if len(set(offsets)) != len(offsets):
        errors.setdefault("reminders", "Two reminders fall on the same day; pick different days.")
    if enabled and not offsets and not errors:
        errors["reminders"] = "Choose when at least one reminder goes out, or turn reminders off."
    if errors:
        raise ReminderFormError(errors)
    return ReminderPlan(enabled, tuple(sorted(offsets)))


async def save_plan(vendor_id: int, plan: ReminderPlan) -> None:
    """Store the vendor's reminder settings."""
    async with write_transaction():
        values = {ReminderSettings.enabled: plan.enabled, ReminderSettings.offsets: list(plan.offsets),
                  ReminderSettings.updated_at: utcnow()}
        if await ReminderSettings.exists().where(ReminderSettings.vendor == vendor_id):
            await ReminderSettings.update(values).where(ReminderSettings.vendor == vendor_id)
        else:
            await ReminderSettings.insert(ReminderSettings(
                vendor=vendor_id, enabled=plan.enabled, offsets=list(plan.offsets), updated_at=utcnow()))


def due_reminder(due: date, sent_on: date | None, offsets: tuple[int, ...], today: date) -> int | None:
    """The reminder number whose day has come most recently; None when none is due.

    Only the latest one counts, so turning reminders on never fires a burst for old invoices, and an
    invoice sent after a reminder's day does not get that reminder.
    """
    number = None
    for index, days in enumerate(offsets, start=1):
        if due + timedelta(days=days) <= today:
            number = index
    if number is None or (sent_on and due + timedelta(days=offsets[number - 1]) < sent_on):
        return None
    return number


async def _queue(doc: InvoiceDocument, number: int | None, dedupe: str, label: str) -> int | None:
    """Compose and queue one reminder (with its log row when automatic); None when nobody can get it."""
    to, cc = await recipients_for(doc.vendor["id"], doc.id, doc.customer.get("email", ""))
    if not to:
        return None
    composed = mail.compose("reminder", doc, mail.default_message("reminder", doc, include_link=bool(doc.link_url)))
    async with write_transaction():
        if existing := await OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe).first():
            return existing["id"]
        if number is not None:
            if await ReminderLog.exists().where((ReminderLog.invoice == doc.id) & (ReminderLog.number == number)):
                return None
            await ReminderLog.insert(ReminderLog(vendor=doc.vendor["id"], invoice=doc.id, number=number,
                                                 created_at=utcnow()))
        message_id = await mail.queue_message(doc, mail.NewMessage(
            vendor_id=doc.vendor["id"], invoice_id=doc.id, kind="reminder", to=to, cc=tuple(cc),
            composed=composed, dedupe_key=dedupe))
        await record_activity(doc.vendor["id"], doc.id, "reminder_sent",
                                f"{label} sent to {', '.join(to)}.", {"outbox": message_id, "number": number})
    mail.wake_worker()
    mail.announce(doc.vendor["id"], doc.id)
    return message_id


async def _invoice_went_out_on(invoice_id: int, sent_at: datetime | None, tz: ZoneInfo, today: date) -> bool:
    """The invoice itself was sent or emailed on `today` (vendor's zone): a reminder now would follow it within
    minutes (a due-on-receipt invoice is due the moment it is sent), so it waits for a later day."""
    if sent_at and sent_at.astimezone(tz).date() == today:
        return True
    start = datetime.combine(today, time(0), tz)
    return await OutboxMessage.exists().where(
        (OutboxMessage.invoice == invoice_id) & (OutboxMessage.kind == "invoice")
        & (OutboxMessage.created_at >= start) & (OutboxMessage.created_at < start + timedelta(days=1)))


async def _vendor_reminders(vendor: dict, plan: ReminderPlan) -> int:
    tz = ZoneInfo(vendor["timezone"] or "UTC")
    today = today_for(vendor["timezone"])
    # A payment schedule's next instalment is what is chased, by its own date.
    invoices = await Invoice.select(Invoice.id, Invoice.due_date, Invoice.next_due_date, Invoice.sent_at).where(
        (Invoice.vendor == vendor["id"]) & Invoice.status.is_in([Invoice.Status.sent, Invoice.Status.partially_paid])
        & WhereRaw("COALESCE(next_due_date, due_date) <= {}", today - timedelta(days=plan.offsets[0])))
    queued = 0
    for inv in invoices:
        sent_on = inv["sent_at"].astimezone(tz).date() if inv["sent_at"] else None
        number = due_reminder(inv["next_due_date"] or inv["due_date"], sent_on, plan.offsets, today)
        if number is None or await ReminderLog.exists().where(
                (ReminderLog.invoice == inv["id"]) & (ReminderLog.number == number)):
            continue
        if await _invoice_went_out_on(inv["id"], inv["sent_at"], tz, today):
            continue
        doc = await load_document(vendor["id"], inv["id"])
        label = f"Automatic reminder {number} of {len(plan.offsets)}"
        if await _queue(doc, number, f"reminder:{inv['id']}:{number}", label) is not None:
            queued += 1
    return queued


async def queue_due_reminders() -> int:
    """The worker's reminders step over every vendor with reminders on; returns how many were queued."""
    plans = await ReminderSettings.select().where(ReminderSettings.enabled == True)  # noqa: E712
    queued = 0
    for row in plans:
        plan = ReminderPlan(True, _offsets(row["offsets"]))
        if not plan.offsets:
            continue
        vendor = {"id": row["vendor"], "timezone": await vendor_timezone(row["vendor"])}
        queued += await _vendor_reminders(vendor, plan)
    return queued


async def send_reminder(vendor_id: int, invoice_id: int, nonce: str) -> int:
    """**Send reminder** by hand; `nonce` (one per rendered button) makes a double click send one email."""
    doc = await load_document(vendor_id, invoice_id)
    if doc.invoice["status"] not in ("sent", "partially_paid"):
        raise NotAllowed("Only a sent, unpaid invoice can get a payment reminder.")
    message_id = await _queue(doc, None, f"reminder:manual:{invoice_id}:{nonce[:40]}", "Payment reminder")
    if message_id is None:
        raise NotAllowed("The customer has no email address; add one on the customer before sending a reminder.")
    return message_id
