"""Seed a busy vendor straight through the database driver (bulk insert): customers, invoices, activity.

Used by bench/dashboard.py (100,000 invoices), the dashboard screenshots and e2e tests (a few hundred).
Rows look like a real business: most invoices paid within weeks, some overdue, a few drafts, voids and refunds,
three currencies (USD, EUR, JPY).
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import asyncpg

INVOICE_COLUMNS = (
    "vendor", "customer", "number", "status", "currency", "issue_date", "due_date", "terms", "discount_percent",
    "notes", "footer", "subtotal", "discount_total", "tax_total", "total", "amount_paid", "amount_refunded",
    "sent_at", "sent_method", "paid_at", "paid_method", "paid_reference", "voided_at", "void_reason",
    "needs_attention", "attention_reason", "version", "created_at", "updated_at", "amount_due",
)
PAYMENT_COLUMNS = ("vendor", "invoice", "payment_intent", "method", "reference", "note", "stripe_account", "charge",
                   "amount", "currency", "application_fee", "amount_refunded", "balance_transaction",
                   "application_fee_id", "application_fee_refunded", "settlement_currency", "paid_at",
                   "deleted_reason", "created_at")
REFUND_COLUMNS = ("vendor", "invoice", "payment", "manual", "amount", "currency", "status", "reason", "note",
                  "failure_reason", "refund_application_fee", "balance_transaction", "application_fee_refunded",
                  "created_at", "updated_at")
ACTIVITY_COLUMNS = ("vendor", "invoice", "kind", "message", "data", "created_at")
CUSTOMER_COLUMNS = (
    "vendor", "name", "email", "phone", "billing_address", "tax_id", "currency", "notes", "archived_at",
    "created_at", "updated_at",
)
NAMES = (
    "Northwind Traders", "Blue Harbor Cafe", "Kestrel Analytics", "Maple & Pine Studio", "Orbit Logistics",
    "Helios Solar", "Juniper Dental", "Tanaka Shoten", "Atelier Brun", "Cobalt Robotics", "Greenleaf Market",
    "Lumen Architects", "Riverside Books", "Sakura Foods", "Vertex Legal", "Wildflower Events",
)
CURRENCIES = (("USD", 0.7, (15_000, 900_000)), ("EUR", 0.2, (20_000, 600_000)), ("JPY", 0.1, (30_000, 2_000_000)))
TERMS = (("net_7", 7), ("net_14", 14), ("net_30", 30), ("net_60", 60))


@dataclass
class Seeded:
    """What was written, for checks and for the screenshots' captions."""

    customers: int = 0
    invoices: int = 0
    activities: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def _ts(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 18), rng.randint(0, 59)), tzinfo=timezone.utc)


def _currency(rng: random.Random) -> tuple[str, int]:
    pick, acc = rng.random(), 0.0
    for code, share, (low, high) in CURRENCIES:
        acc += share
        if pick <= acc:
            return code, rng.randint(low, high) // (1 if code == "JPY" else 100) * (1 if code == "JPY" else 100)
    return "USD", 50_000


def _invoice(rng, vendor_id, customer_id, seq, issue, now) -> tuple[dict, list[tuple]]:
    """One invoice row and its activity (kind, message, when)."""
    currency, total = _currency(rng)
    terms, days = rng.choice(TERMS)
    created = _at(issue, rng)
    row = dict(
        vendor=vendor_id, customer=customer_id, number=None, status="draft", currency=currency, issue_date=issue,
        due_date=issue + timedelta(days=days), terms=terms, discount_percent=0, notes="", footer="",
        subtotal=total, discount_total=0, tax_total=0, total=total, amount_paid=0, amount_refunded=0, sent_at=None,
        sent_method=None, paid_at=None, paid_method="", paid_reference="", voided_at=None, void_reason="",
        needs_attention=False, attention_reason="", version=1, created_at=created, updated_at=created,
    )
    age = (now.date() - issue).days
    if age < 10 and rng.random() < 0.25:
        return row, []
    row.update(number=f"INV-{issue.year}-{seq:06d}", status="sent", sent_at=created,
               sent_method=rng.choice(("manual", "stripe", "stripe")))
    events = [("sent", f"Invoice sent by email ({'with a payment link' if row['sent_method'] == 'stripe' else 'manually'}).", created)]
    if row["sent_method"] == "stripe":
        events.append(("link_created", "Online payment link created.", created + timedelta(minutes=1)))
    if rng.random() < 0.02:
        row.update(status="void", voided_at=created + timedelta(days=2), void_reason="Issued by mistake")
        return row, events + [("voided", "Invoice voided: issued by mistake.", row["voided_at"])]
    pay_after = rng.randint(0, days + 25)
    paid_at = created + timedelta(days=pay_after, hours=rng.randint(0, 5))
    if paid_at < now and rng.random() < (0.97 if age > 120 else 0.8):
        stripe = row["sent_method"] == "stripe"
        row.update(status="paid", paid_at=paid_at, amount_paid=total, paid_method="card" if stripe else "bank transfer")
        events.append(("payment_succeeded" if stripe else "marked_paid",
                       "Paid by card through Stripe." if stripe else "Marked as paid (bank transfer).", paid_at))
        if rng.random() < 0.02:
            refund = total if rng.random() < 0.5 else total // 2
            row.update(status="refunded" if refund == total else "partially_refunded", amount_refunded=refund)
            events.append(("refunded", "Payment refunded." if refund == total else "Payment partly refunded.",
                           min(now, paid_at + timedelta(days=3))))
        return row, events
    if row["sent_method"] == "stripe" and rng.random() < 0.15:
        events.append(("payment_failed", "Payment attempt failed: card declined",
                       min(now - timedelta(hours=1), created + timedelta(days=rng.randint(1, 20)))))
    if row["due_date"] < now.date() and rng.random() < 0.5:
        events.append(("reminder_sent", "Payment reminder sent.",
                       min(now - timedelta(minutes=5), _at(row["due_date"] + timedelta(days=3), rng))))
    if rng.random() < 0.01:
        row.update(needs_attention=True, attention_reason="A payment of a different amount arrived for this invoice.")
    return row, events


def _balanced(row: dict) -> dict:
    """The stored balance the app keeps: total - (paid - refunded), 0 when void."""
    row["amount_due"] = 0 if row["status"] == "void" else row["total"] - row["amount_paid"] + row["amount_refunded"]
    return row


def _money_rows(url: str, rows: list[dict], invoice_ids: list[int]) -> None:
    """The payment and refund rows behind each invoice's amount paid and refunded (what the app counts)."""
    paid = [(invoice_id, row) for invoice_id, row in zip(invoice_ids, rows) if row["amount_paid"]]
    payments = [dict(vendor=row["vendor"], invoice=invoice_id, payment_intent=f"seed_{invoice_id}",
                     method="stripe" if row["paid_method"] == "card" else "bank_transfer", reference="", note="",
                     stripe_account="", charge="", amount=row["amount_paid"], currency=row["currency"],
                     application_fee=0, amount_refunded=0, balance_transaction="", application_fee_id="",
                     application_fee_refunded=0, settlement_currency="", paid_at=row["paid_at"], deleted_reason="",
                     created_at=row["paid_at"]) for invoice_id, row in paid]
    payment_ids = _insert(url, "payment", PAYMENT_COLUMNS, payments) if payments else []
    refunds = [dict(vendor=row["vendor"], invoice=invoice_id, payment=payment_id, manual=True,
                    amount=row["amount_refunded"], currency=row["currency"], status="succeeded", reason="other",
                    note="", failure_reason="", refund_application_fee=False, balance_transaction="",
                    application_fee_refunded=0, created_at=row["paid_at"], updated_at=row["paid_at"])
               for (invoice_id, row), payment_id in zip(paid, payment_ids) if row["amount_refunded"]]
    if refunds:
        _insert(url, "refund", REFUND_COLUMNS, refunds)


def build(vendor_id: int, customer_ids: list[int], invoices: int, now: datetime, span_days: int, seed: int = 8):
    """Invoice rows and their activities, issue dates spread over the last `span_days` days."""
    rng = random.Random(seed)
    rows, activity = [], []
    for seq in range(1, invoices + 1):
        issue = now.date() - timedelta(days=int(span_days * (1 - seq / invoices)))
        row, events = _invoice(rng, vendor_id, rng.choice(customer_ids), seq, issue, now)
        rows.append(_balanced(row))
        activity.append(events)
    return rows, activity


def _customers(vendor_id: int, count: int, now: datetime) -> list[dict]:
    return [dict(vendor=vendor_id, name=NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i // len(NAMES) + 1}"),
                 email=f"billing{i}@example.com", phone="", billing_address="", tax_id="", currency="USD", notes="",
                 archived_at=None, created_at=now, updated_at=now) for i in range(count)]


def _sqlite_value(value):
    if isinstance(value, datetime):
        return str(_ts(value))
    if isinstance(value, date):
        return value.isoformat()
    return value


def _insert_sqlite(path: str, table: str, columns: tuple, rows: list[dict]) -> list[int]:
    with sqlite3.connect(path, timeout=30) as db:
        first = db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0] + 1
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        db.executemany(sql, [[_sqlite_value(row[c]) for c in columns] for row in rows])
        return list(range(first, first + len(rows)))


async def _insert_pg(url: str, table: str, columns: tuple, rows: list[dict]) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            first = await conn.fetchval(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), $1)", first + len(rows))
            records = [(first + i, *[json.dumps(r[c]) if c == "data" else r[c] for c in columns]) for i, r in enumerate(rows)]
            await conn.copy_records_to_table(table, records=records, columns=("id", *columns))
        return list(range(first, first + len(rows)))
    finally:
        await conn.close()


def _run(coroutine_fn, *args):
    # A thread of its own: the caller may already run an event loop (Playwright's sync API does).
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_fn(*args))).result()


async def _analyze_pg(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for table in ("invoice", "invoice_activity", "customer"):
            await conn.execute(f"VACUUM ANALYZE {table}")  # one statement each: VACUUM refuses a block
    finally:
        await conn.close()


def _insert(url: str, table: str, columns: tuple, rows: list[dict]) -> list[int]:
    if url.startswith(("postgres://", "postgresql://")):
        return _run(_insert_pg, url, table, columns, rows)
    return _insert_sqlite(url.removeprefix("sqlite:///"), table, columns, rows)


def add_invoice(database_url: str, vendor_id: int, customer: str, number: str, total: int, currency: str,
                issue: date, due: date | None, now: datetime) -> int:
    """One sent, unpaid invoice (with its customer and "sent" activity); returns its id."""
    customer_row = {**_customers(vendor_id, 1, now)[0], "name": customer}
    customer_id = _insert(database_url, "customer", CUSTOMER_COLUMNS, [customer_row])[0]
    row, _ = _invoice(random.Random(0), vendor_id, customer_id, 1, issue, now)
    row.update(number=number, status="sent", total=total, subtotal=total, currency=currency, issue_date=issue,
               due_date=due, sent_at=now, sent_method="manual", paid_at=None, amount_paid=0, amount_refunded=0,
               voided_at=None, void_reason="", needs_attention=False, attention_reason="", amount_due=total)
    invoice_id = _insert(database_url, "invoice", INVOICE_COLUMNS, [row])[0]
    sent = dict(vendor=vendor_id, invoice=invoice_id, kind="sent", message=f"Sent manually as {number}.",
                data={} if database_url.startswith("postgres") else "{}", created_at=now)
    _insert(database_url, "invoice_activity", ACTIVITY_COLUMNS, [sent])
    return invoice_id


def vendor_id_of(database_url: str, email: str) -> int:
    """The vendor id behind a user's email, read straight from the database."""
    sql = "SELECT vendor FROM app_user WHERE email = {}"
    if database_url.startswith(("postgres://", "postgresql://")):
        async def fetch() -> int:
            conn = await asyncpg.connect(database_url)
            try:
                return await conn.fetchval(sql.format("$1"), email)
            finally:
                await conn.close()
        return _run(fetch)
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        return db.execute(sql.format("?"), (email,)).fetchone()[0]


def seed(database_url: str, vendor_id: int, invoices: int, now: datetime, span_days: int = 420,
         customers: int = 12, seed_value: int = 8) -> Seeded:
    """Write a busy vendor's customers, invoices and activity; returns the counts."""
    customer_ids = _insert(database_url, "customer", CUSTOMER_COLUMNS, _customers(vendor_id, customers, now))
    rows, events = build(vendor_id, customer_ids, invoices, now, span_days, seed_value)
    invoice_ids = []
    for start in range(0, len(rows), 20_000):
        invoice_ids += _insert(database_url, "invoice", INVOICE_COLUMNS, rows[start:start + 20_000])
    _money_rows(database_url, rows, invoice_ids)
    activity = [dict(vendor=vendor_id, invoice=invoice_id, kind=kind, message=message, data={}, created_at=when)
                for invoice_id, evs in zip(invoice_ids, events) for kind, message, when in evs]
    if not database_url.startswith("postgres"):
        for row in activity:
            row["data"] = "{}"
    for start in range(0, len(activity), 50_000):
        _insert(database_url, "invoice_activity", ACTIVITY_COLUMNS, activity[start:start + 50_000])
    if database_url.startswith(("postgres://", "postgresql://")):
        # Autovacuum would vacuum and analyze within a minute of a bulk load; do it now, as it will be in use.
        _run(_analyze_pg, database_url)
    result = Seeded(customers=len(customer_ids), invoices=len(rows), activities=len(activity))
    for row in rows:
        result.statuses[row["status"]] = result.statuses.get(row["status"], 0) + 1
    return result
