"""Issue 20's scale in bulk: 1,000,000 invoices over 100 vendors, one of them with half, with their payments,
refunds and activity, written on one connection with the tables' secondary indexes dropped and built again after.

    seed_scale(url, big_vendor_id, invoices=1_000_000, vendors=100, now=now)

Rows come from bench/dashboard_seed.py's generator (a real business's mix of statuses, currencies and payments),
streamed in chunks so memory stays flat. On SQLite the triggers stay on, so what they keep in step (the search
index, the dashboard's daily sums) is built as the app builds it; on PostgreSQL they are paused while loading and
their tables rebuilt after with the migrations' own set-based statements. SQLite: one transaction per chunk with fsync off (the
server is stopped meanwhile). PostgreSQL: COPY (asyncpg's copy_records_to_table).
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import asyncpg

from piccolo_migrations import payport_2026_12_06t21_05_00_000000 as money_sums

from bench.dashboard_seed import (
    ACTIVITY_COLUMNS, CUSTOMER_COLUMNS, INVOICE_COLUMNS, PAYMENT_COLUMNS, REFUND_COLUMNS, Seeded, _balanced,
    _customers, _invoice, _run, _sqlite_value,
)

SEED_VERSION = 1  # part of the cache key: change it when the rows generated change
CHUNK = 50_000
PG_TRIGGERED = ("invoice", "payment", "refund")
TABLES = ("invoice", "payment", "refund", "invoice_activity", "customer", "invoice_search")


class _SQLite:
    """One connection, fsync off: a bench database nobody else writes while seeding (WAL stays on)."""

    def __init__(self, url: str) -> None:
        self.db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        for pragma in ("synchronous=OFF", "cache_size=-400000",
                       "temp_store=MEMORY", "foreign_keys=OFF"):
            self.db.execute(f"PRAGMA {pragma}")

    async def rows(self, sql: str) -> list[tuple]:
        return self.db.execute(sql).fetchall()

    async def insert(self, table: str, columns: tuple, rows: list[dict]) -> list[int]:
        self.db.execute("BEGIN")
        first = self.db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0] + 1
        # Only dates and instants need converting (to the text Piccolo stores); the rest pass as they are.
        temporal = [c for c in columns if c.endswith(("_at", "_date"))]
        plain = [c for c in columns if c not in temporal]
        order = plain + temporal
        sql = f"INSERT INTO {table} ({', '.join(order)}) VALUES ({', '.join('?' for _ in order)})"
        self.db.executemany(sql, [[row[c] for c in plain] + [_sqlite_value(row[c]) for c in temporal] for row in rows])
        self.db.execute("COMMIT")
        return list(range(first, first + len(rows)))

    async def drop_indexes(self) -> list[str]:
        marks = ", ".join(f"'{t}'" for t in TABLES)
        found = await self.rows(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks}) "
                                "AND sql IS NOT NULL")
        for name, _ in found:
            self.db.execute(f"DROP INDEX {name}")
        return [sql for _, sql in found]

    async def execute(self, sql: str) -> None:
        self.db.execute(sql)

    async def pause_triggers(self) -> None:
        pass  # SQLite's triggers cost microseconds a row: they run as they would for the app

    async def resume_triggers(self) -> None:
        pass

    async def finish(self) -> None:
        self.db.execute("PRAGMA analysis_limit=2000")  # sampled statistics: seconds instead of minutes
        self.db.execute("ANALYZE")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()


class _Postgres:
    """One asyncpg connection; rows go in by COPY with ids reserved from each table's sequence."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def open(self) -> None:
        self.conn = await asyncpg.connect(self.url)

    async def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in await self.conn.fetch(sql)]

    async def insert(self, table: str, columns: tuple, rows: list[dict]) -> list[int]:
        async with self.conn.transaction():
            first = await self.conn.fetchval(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
            await self.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), $1)", first + len(rows))
            records = [(first + i, *[json.dumps(r[c]) if c == "data" else r[c] for c in columns])
                       for i, r in enumerate(rows)]
            await self.conn.copy_records_to_table(table, records=records, columns=("id", *columns))
        return list(range(first, first + len(rows)))

    async def drop_indexes(self) -> list[str]:
        # The search index's GIN index costs about a millisecond a row kept up to date, seconds built after.
        # Indexes behind constraints (primary keys, unique columns) stay: DROP INDEX refuses them.
        found = await self.rows(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' AND tablename IN ("
            + ", ".join(f"'{t}'" for t in TABLES) + ") AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")
        for name, _ in found:
            await self.conn.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in found]

    async def execute(self, sql: str) -> None:
        await self.conn.execute(sql)

    async def pause_triggers(self) -> None:
        # Row triggers cost ~0.1-1 ms a row here (a search document, two upserts); set-based rebuilds after, the
        # same statements the migrations backfill with, take seconds.
        for table in PG_TRIGGERED:
            await self.conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")

    async def resume_triggers(self) -> None:
        for table in PG_TRIGGERED:
            await self.conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        await self.conn.execute("TRUNCATE money_day, invoice_moves")
        for sql in money_sums.PG[-2:]:  # the migration's backfill of money_day and invoice_moves
            await self.conn.execute(sql)
        if await self.conn.fetchval("SELECT to_regproc('payport_reindex_invoices') IS NOT NULL"):
            await self.conn.execute("SELECT payport_reindex_invoices(ARRAY(SELECT id FROM invoice))")

    async def finish(self) -> None:
        for table in TABLES:
            await self.conn.execute(f"VACUUM ANALYZE {table}")
        await self.conn.close()


async def _clone_vendors(db, vendor_id: int, count: int) -> list[int]:
    """`count` more vendors like the first (every column copied but id and name)."""
    columns = [row[1] for row in await db.rows("PRAGMA table_info(vendor)")] if isinstance(db, _SQLite) else [
        row[0] for row in await db.rows("SELECT column_name FROM information_schema.columns "
                                        "WHERE table_name = 'vendor' AND table_schema = 'public'")]
    names = [c for c in columns if c not in ("id", "name")]
    quoted = ", ".join(f'"{c}"' for c in names)
    ids = []
    for n in range(count):
        await db.execute(f"INSERT INTO vendor (name, {quoted}) SELECT 'Bench vendor {n + 2}', {quoted} "
                         f"FROM vendor WHERE id = {vendor_id}")
        ids.append((await db.rows("SELECT MAX(id) FROM vendor"))[0][0])
    return ids


def _chunks(count: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, count, size):
        yield start, min(count, start + size)


def _money(rows: list[dict], invoice_ids: list[int]) -> tuple[list[dict], list[tuple[int, dict]]]:
    paid = [(invoice_id, row) for invoice_id, row in zip(invoice_ids, rows) if row["amount_paid"]]
    payments = [dict(vendor=row["vendor"], invoice=invoice_id, payment_intent=f"seed_{invoice_id}",
                     method="stripe" if row["paid_method"] == "card" else "bank_transfer", reference="", note="",
                     stripe_account="", charge="", amount=row["amount_paid"], currency=row["currency"],
                     application_fee=0, amount_refunded=0, balance_transaction="", application_fee_id="",
                     application_fee_refunded=0, settlement_currency="", paid_at=row["paid_at"], deleted_reason="",
                     created_at=row["paid_at"]) for invoice_id, row in paid]
    return payments, paid


def _refunds(paid: list[tuple[int, dict]], payment_ids: list[int], now: datetime) -> list[dict]:
    return [dict(vendor=row["vendor"], invoice=invoice_id, payment=payment_id, manual=True,
                 amount=row["amount_refunded"], currency=row["currency"], status="succeeded", reason="other",
                 note="", failure_reason="", refund_application_fee=False, balance_transaction="",
                 application_fee_refunded=0, created_at=min(now, row["paid_at"] + timedelta(days=3)),
                 updated_at=min(now, row["paid_at"] + timedelta(days=3)))
            for (invoice_id, row), payment_id in zip(paid, payment_ids) if row["amount_refunded"]]


async def _vendor(db, vendor_id: int, count: int, customers: int, now: datetime, span_days: int, seed: int,
                  result: Seeded, postgres: bool) -> None:
    rng = random.Random(seed)
    customer_ids = await db.insert("customer", CUSTOMER_COLUMNS, _customers(vendor_id, customers, now))
    for start, stop in _chunks(count, CHUNK):
        rows, events = [], []
        for seq in range(start + 1, stop + 1):
            issue: date = now.date() - timedelta(days=int(span_days * (1 - seq / count)))
            row, evs = _invoice(rng, vendor_id, rng.choice(customer_ids), seq, issue, now)
            rows.append(_balanced(row))
            events.append(evs)
            result.statuses[row["status"]] = result.statuses.get(row["status"], 0) + 1
        invoice_ids = await db.insert("invoice", INVOICE_COLUMNS, rows)
        payments, paid = _money(rows, invoice_ids)
        payment_ids = await db.insert("payment", PAYMENT_COLUMNS, payments) if payments else []
        refunds = _refunds(paid, payment_ids, now)
        if refunds:
            await db.insert("refund", REFUND_COLUMNS, refunds)
        data = {} if postgres else "{}"
        activity = [dict(vendor=vendor_id, invoice=invoice_id, kind=kind, message=message, data=data, created_at=at)
                    for invoice_id, evs in zip(invoice_ids, events) for kind, message, at in evs]
        await db.insert("invoice_activity", ACTIVITY_COLUMNS, activity)
        result.invoices += len(rows)
        result.activities += len(activity)
    result.customers += len(customer_ids)


async def _seed(database_url: str, vendor_id: int, invoices: int, vendors: int, big: int, now: datetime,
                span_days: int) -> Seeded:
    postgres = database_url.startswith(("postgres://", "postgresql://"))
    db = _Postgres(database_url) if postgres else _SQLite(database_url)
    if postgres:
        await db.open()
    others = await _clone_vendors(db, vendor_id, vendors - 1)
    indexes = await db.drop_indexes()
    await db.pause_triggers()
    result = Seeded()
    small = (invoices - big) // max(1, len(others))
    plan = [(vendor_id, big, 2_000)] + [(other, small, 50) for other in others]
    for n, (vid, count, customers) in enumerate(plan):
        await _vendor(db, vid, count, customers, now, span_days, 8 + n, result, postgres)
    for sql in indexes:
        await db.execute(sql)
    await db.resume_triggers()
    await db.finish()
    return result


def seed_scale(database_url: str, vendor_id: int, invoices: int = 1_000_000, vendors: int = 100,
               big: int | None = None, now: datetime | None = None, span_days: int = 5 * 365) -> Seeded:
    """Seed `invoices` over `vendors` vendors, `big` (half by default) of them for `vendor_id`; returns counts."""
    big = invoices // 2 if big is None else big
    return _run(_seed, database_url, vendor_id, invoices, vendors, big, now, span_days)


if __name__ == "__main__":  # a quick timing: python -m bench.scale_seed sqlite:///x.sqlite3 1 100000
    import sys
    import time
    from datetime import timezone

    started = time.perf_counter()
    print(seed_scale(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), now=datetime.now(timezone.utc)),
          f"{time.perf_counter() - started:.1f}s")
    asyncio.run(asyncio.sleep(0))
