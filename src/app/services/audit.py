"""The audit log: who signed in (or failed to), changed settings, connected or disconnected Stripe, changed keys,
members, downloaded exports and refunded money. Append-only: nothing here (or any route) updates or deletes it."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

from app.services.actors import current_actor
from app.services.clock import utcnow
from app.tables.audit import AuditEntry
from app.tables.members import Membership
from app.tables.vendors import User

KINDS = {
    "sign_in": "Sign-in",
    "sign_in_failed": "Failed sign-in",
    "settings": "Settings",
    "stripe": "Stripe connection",
    "key": "Keys (Stripe, API)",
    "member": "Members",
    "export": "Export",
    "refund": "Refunds and credits",
    "account": "Account",
}
PAGE_SIZE = 50


async def record(vendor_id: int, kind: str, message: str, address: str = "", actor: str | None = None,
                 data: dict | None = None) -> None:
    """Append one entry; the actor is the current one (services/actors.py) unless named."""
    await AuditEntry.insert(AuditEntry(
        vendor=vendor_id, kind=kind[:24], actor=(current_actor() if actor is None else actor)[:254],
        message=message[:500], address=(address or "")[:64], data=data or {}, created_at=utcnow()))


async def record_sign_in(user_id: int, vendor_id: int, email: str, address: str) -> None:
    await record(vendor_id, "sign_in", f"Signed in as {email}", address, actor=email)


async def record_failed_sign_in(email: str, address: str) -> None:
    """A wrong password for a known account goes to the log of every business that person belongs to."""
    user = await User.select(User.id).where(User.email == email).first()
    if user is None:
        return
    for row in await Membership.select(Membership.vendor).where(Membership.user == user["id"]):
        await record(row["vendor"], "sign_in_failed", f"Failed sign-in for {email}", address, actor=email)


@dataclass(frozen=True)
class AuditPage:
    rows: list[dict]
    kind: str
    page: int
    pages: int


def _where(vendor_id: int, kind: str):
    where = AuditEntry.vendor == vendor_id
    return where & (AuditEntry.kind == kind) if kind in KINDS else where


async def list_entries(vendor_id: int, kind: str = "", page: int = 1) -> AuditPage:
    """Newest first, optionally one kind."""
    kind = kind if kind in KINDS else ""
    total = await AuditEntry.count().where(_where(vendor_id, kind))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = await AuditEntry.select().where(_where(vendor_id, kind)).order_by(
        AuditEntry.id, ascending=False).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    for row in rows:
        row["kind_label"] = KINDS.get(row["kind"], row["kind"])
    return AuditPage(rows=rows, kind=kind, page=page, pages=pages)


def _cell(value: str) -> str:
    # A cell starting like a formula would run in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


async def csv_chunks(vendor_id: int, kind: str = "") -> AsyncIterator[str]:
    """The whole log (or one kind) as CSV, oldest first, in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Time (UTC)", "Kind", "Who", "What", "Address"])
    last = 0
    while True:
        rows = await AuditEntry.select().where(_where(vendor_id, kind if kind in KINDS else "")
                                               & (AuditEntry.id > last)).order_by(AuditEntry.id).limit(500)
        for row in rows:
            writer.writerow([row["created_at"].isoformat(), KINDS.get(row["kind"], row["kind"]),
                             _cell(row["actor"]), _cell(row["message"]), row["address"]])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < 500:
            return
        last = rows[-1]["id"]
