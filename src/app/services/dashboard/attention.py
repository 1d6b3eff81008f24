"""What needs the vendor's attention, and what happened lately, across all their invoices."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from app.money import format_money
from app.services.dashboard.day import VendorDay, open_invoices
from app.services.dashboard.stripe import AttentionItem, onboarding_item
from app.tables.invoices import Invoice
from app.tables.payments import LedgerCheck
from app.times import format_time, local

ATTENTION_LIMIT = 8  # items shown; overdue invoices fill what flagged and failed payments leave
KIND_LIMIT = 4
ACTIVITY_LIMIT = 10
FAILED_WINDOW_DAYS = 30
# The activity a vendor watches on the dashboard; edits and mail plumbing stay on each invoice's timeline.
ACTIVITY_KINDS = (
    "sent", "link_created", "payment_succeeded", "payment_failed", "marked_paid",
    "refunded", "voided", "reminder_sent", "needs_attention",
)


@dataclass
class Attention:
    """The attention list and how many more of each kind did not fit."""

    items: list[AttentionItem]
    more_overdue: int = 0

    @property
    def count(self) -> int:
        """Everything that needs attention, including what did not fit."""
        return len(self.items) + self.more_overdue


def _label(row: dict) -> str:
    return row.get("number") or f"Draft #{row['id']}"


async def _flagged(day: VendorDay) -> list[AttentionItem]:
    rows = await Invoice.raw(
        "SELECT i.id, i.number, i.attention_reason, c.name AS customer FROM invoice i "
        "JOIN customer c ON c.id = i.customer "
        "WHERE i.vendor = {} AND i.needs_attention = TRUE ORDER BY i.updated_at DESC, i.id DESC LIMIT {}",
        day.vendor_id, KIND_LIMIT,
    )
    return [
        AttentionItem(
            "flagged", f"{_label(row)} · {row['customer']}",
            row["attention_reason"] or "A payment did not match this invoice.",
            "Review payment", f"/invoices/{row['id']}", "danger",
        )
        for row in rows
    ]


async def _failed_payments(day: VendorDay, since: datetime) -> list[AttentionItem]:
    rows = await Invoice.raw(
        "SELECT i.id, i.number, a.message, c.name AS customer FROM invoice_activity a "
        "JOIN invoice i ON i.id = a.invoice AND i.vendor = a.vendor JOIN customer c ON c.id = i.customer "
        "WHERE a.vendor = {} AND a.kind = 'payment_failed' AND a.created_at >= {} AND i.status = 'sent' "
        "ORDER BY a.created_at DESC, a.id DESC LIMIT {}",
        day.vendor_id, since, KIND_LIMIT * 4,
    )
    seen: dict[int, AttentionItem] = {}
    for row in rows:  # newest first: keep each invoice's latest failure only
        if row["id"] not in seen:
            seen[row["id"]] = AttentionItem(
                "payment_failed", f"{_label(row)} · {row['customer']}", row["message"],
                "Follow up", f"/invoices/{row['id']}",
            )
    return list(seen.values())[:KIND_LIMIT]


def _overdue_no_reminder() -> str:
    return (
        f" FROM invoice i WHERE i.vendor = {{}} AND {open_invoices('i.')} AND COALESCE(i.next_due_date, i.due_date) < {{}}"
        " AND NOT EXISTS (SELECT 1 FROM invoice_activity r"
        " WHERE r.vendor = i.vendor AND r.kind = 'reminder_sent' AND r.invoice = i.id) "
    )


async def _overdue_without_reminder(day: VendorDay, limit: int) -> tuple[list[AttentionItem], int]:
    rows = await Invoice.raw(
        "SELECT i.id, i.number, COALESCE(i.next_due_date, i.due_date) AS due_date, i.total, i.currency,"
        " (SELECT name FROM customer c WHERE c.id = i.customer) AS customer" + _overdue_no_reminder()
        + "ORDER BY i.due_date, i.id LIMIT {}",
        day.vendor_id, day.today, limit,
    )
    total = len(rows)
    if total == limit:
        counted = await Invoice.raw("SELECT COUNT(*) AS n" + _overdue_no_reminder(), day.vendor_id, day.today)
        total = int(counted[0]["n"])
    items = []
    for row in rows:
        days = (day.today - _day(row["due_date"])).days
        items.append(AttentionItem(
            "overdue_no_reminder", f"{_label(row)} · {row['customer']}",
            f"{format_money(int(row['total']), row['currency'])} is {days} day{'s' if days != 1 else ''} overdue;"
            " no reminder sent yet.", "Send reminder", f"/invoices/{row['id']}#invoice-{row['id']}-emails",
        ))
    return items, total - len(items)


def _ledger_detail(row: LedgerCheck) -> str:
    money = lambda amount: format_money(amount, row.currency)  # noqa: E731
    parts = [f"{name} {money(ours)} in PayPort, {money(theirs)} at Stripe"
             for name, ours, theirs in (("gross", row.ours_gross, row.stripe_gross), ("fees", row.ours_fee, row.stripe_fee),
                                        ("net", row.ours_net, row.stripe_net)) if ours != theirs]
    return f"{row.kind.capitalize()} on {row.day.isoformat()} ({row.currency}): " + "; ".join(parts) + "."


async def _ledger_differences(day: VendorDay) -> list[AttentionItem]:
    """Days the daily ledger check found PayPort and Stripe's balance transactions apart."""
    rows = await LedgerCheck.objects().where(
        (LedgerCheck.vendor == day.vendor_id) & (LedgerCheck.matched == False)  # noqa: E712
    ).order_by(LedgerCheck.day, ascending=False).limit(KIND_LIMIT)
    return [AttentionItem("ledger_difference", f"Ledger differs from Stripe · {row.account or 'platform'}",
                          _ledger_detail(row), "Open payments", f"/payments?from={row.day.isoformat()}"
                          f"&to={row.day.isoformat()}&currency={row.currency}", "danger") for row in rows]


async def needs_attention(day: VendorDay) -> Attention:
    """Flagged payments, failed payment attempts, overdue invoices nobody chased, unfinished Stripe onboarding."""

    # Independent reads: run them side by side (each query has its own connection).
    onboarding, flagged, failed, ledger = await asyncio.gather(
        onboarding_item(day.vendor_id), _flagged(day),
        _failed_payments(day, day.start_of(day.today - timedelta(days=FAILED_WINDOW_DAYS))), _ledger_differences(day),
    )
    items = ([onboarding] if onboarding else []) + ledger + flagged + failed
    overdue, more = await _overdue_without_reminder(day, max(KIND_LIMIT, ATTENTION_LIMIT - len(items)))
    return Attention(items + overdue, more)


@dataclass(frozen=True)
class ActivityEntry:
    """A line of the recent activity feed."""

    kind: str
    message: str
    created_at: datetime
    invoice_id: int
    invoice_label: str
    customer: str

    def when(self, day: VendorDay) -> str:
        """"Today 14:05", "Yesterday 09:12" or "Nov 18, 10:00", in the vendor's time zone."""
        moment = local(self.created_at, day.timezone)
        days_ago = (day.today - moment.date()).days
        prefix = {0: "Today", 1: "Yesterday"}.get(days_ago, f"{moment:%b} {moment.day}" + ("" if moment.year == day.today.year else f", {moment.year}"))
        return f"{prefix}{',' if days_ago > 1 else ''} {format_time(self.created_at, day.timezone)}"


async def recent_activity(day: VendorDay, limit: int = ACTIVITY_LIMIT) -> list[ActivityEntry]:
    """The latest payment-related events across all the vendor's invoices, newest first."""
    placeholders = ", ".join("{}" for _ in ACTIVITY_KINDS)
    rows = await Invoice.raw(
        "SELECT a.kind, a.message, a.created_at, i.id, i.number, c.name AS customer FROM invoice_activity a "
        "JOIN invoice i ON i.id = a.invoice AND i.vendor = a.vendor JOIN customer c ON c.id = i.customer "
        f"WHERE a.vendor = {{}} AND a.kind IN ({placeholders}) ORDER BY a.created_at DESC, a.id DESC LIMIT {{}}",
        day.vendor_id, *ACTIVITY_KINDS, limit,
    )
    return [
        ActivityEntry(row["kind"], row["message"], _instant(row["created_at"]), row["id"], _label(row), row["customer"])
        for row in rows
    ]


# Raw queries on SQLite hand back the stored text; Postgres gives dates and datetimes.
def _instant(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
