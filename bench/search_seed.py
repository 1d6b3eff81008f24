"""Bulk-seed invoices with searchable text for bench/search.py: vendors, customers, invoices, five lines each.

    seed(database_url, invoices=1_000_000, vendors=100, big=500_000) -> Seeded

One big vendor holds `big` invoices, the other vendors share the rest. Rows go straight through the driver
(COPY on PostgreSQL, executemany on SQLite) with the search triggers off, then the search index is built once
in bulk by the same SQL the migrations backfill with, and the triggers come back: what a million-row write
through the triggers would index one row at a time. Text looks like an invoice desk's: people and companies
(some accented), emails, projects named in line descriptions, a purchase order in some notes.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

FIRST = ("Ana", "Ben", "Chloé", "Dmitri", "Elena", "Farid", "Grace", "Hugo", "Inès", "Jonas", "Kenji", "Lena",
         "Marco", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yara",
         "Zoë", "Amir", "Bea", "Carlos", "Dana", "Émile", "Fatima", "Gustav", "Hana", "Igor", "Jule", "Kofi")
LAST = ("Lima", "Durand", "Müller", "Tanaka", "Okafor", "Novak", "Rossi", "García", "Schmidt", "Kowalski",
        "Andersson", "Dubois", "Silva", "Nguyen", "Haddad", "Moreau", "Fischer", "Costa", "Ivanova", "Brennan",
        "Lindqvist", "Petrov", "Sato", "Mendes", "Keller", "Laurent", "Ortiz", "Weber", "Yilmaz", "Bauer")
COMPANY = ("Studio", "Labs", "Trading", "Partners", "& Sons", "Consulting", "GmbH", "SARL", "Ltd", "Co.")
SERVICES = ("Logo design", "Web hosting", "SEO audit", "Copywriting", "Photography session", "Brand guidelines",
            "Server maintenance", "Support retainer", "UX research", "Illustration", "Video editing",
            "Translation", "Data migration", "Security review", "Training workshop", "Print layout",
            "Newsletter setup", "App prototype", "Market study", "Consulting hours")
SYLLABLES = ("ka", "lo", "mi", "ren", "tor", "vex", "qui", "lan", "sor", "bel", "dra", "fen", "gal", "hin", "jor",
             "nex", "pol", "ris", "tan", "zu")
PROJECTS = tuple(sorted({(a + b + c).capitalize() for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES[:5]}))
STATUSES = (("paid", 55), ("sent", 30), ("draft", 8), ("void", 4), ("refunded", 3))
EPOCH = date(2023, 1, 1)


@dataclass
class Seeded:
    """What was written: the vendors' ids (the big one first) and the texts a search may look for."""

    vendor_ids: list[int] = field(default_factory=list)
    invoices: int = 0
    customers: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # vendor -> (name, email)
    numbers: dict[int, list[str]] = field(default_factory=dict)  # vendor -> some of its invoice numbers
    orders: dict[int, list[str]] = field(default_factory=dict)  # vendor -> purchase orders named in notes


def _person(rng: random.Random, i: int) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if i % 3 == 0:
        name = f"{last} {rng.choice(COMPANY)}"
        return name, f"accounts{i}@{last.lower()}-{rng.choice(SYLLABLES)}.example"
    return f"{first} {last}", f"{first.lower()}.{last.lower()}{i}@mail.example"


def _defaults(table) -> dict:
    return {c._meta.db_column_name: c.get_default_value() for c in table._meta.columns if not c._meta.primary_key}


def _invoices(rng, vendor_id, customer_ids, count, first_id, first_seq, now, seeded) -> tuple[list[dict], list[dict]]:
    from app.tables.invoices import Invoice, InvoiceLine

    base, line_base = _defaults(Invoice), _defaults(InvoiceLine)
    invoices, lines = [], []
    for seq in range(first_seq, first_seq + count):
        issue = EPOCH + timedelta(days=rng.randrange(0, 1400))
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        number = None if status == "draft" else f"INV-{issue.year}-{seq:06d}"
        po = f"PO-{rng.randrange(10_000, 99_999)}" if rng.random() < 0.05 else ""
        invoice_id = first_id + len(invoices)
        total = 0
        project = rng.choice(PROJECTS)
        for position in range(5):
            price = rng.randrange(1_000, 200_000)
            total += price
            lines.append({**line_base, "invoice": invoice_id, "position": position, "quantity": Decimal(1),
                          "description": f"{rng.choice(SERVICES)} for {project}", "unit_price": price,
                          "line_total": price})
        paid = total if status in ("paid", "refunded") else 0
        invoices.append({**base, "id": invoice_id, "vendor": vendor_id, "customer": rng.choice(customer_ids),
                         "number": number, "status": status, "currency": "USD", "issue_date": issue,
                         "due_date": issue + timedelta(days=30), "terms": "net_30",
                         "notes": f"{po} approved by procurement" if po else "", "subtotal": total, "total": total,
                         "amount_paid": paid, "amount_refunded": total if status == "refunded" else 0,
                         "amount_due": total - paid if status in ("sent", "paid") else 0,
                         "sent_at": now if number else None, "sent_method": "manual" if number else None,
                         "paid_at": now if paid else None, "created_at": now, "updated_at": now})
        if number and seq % 97 == 0:
            seeded.numbers.setdefault(vendor_id, []).append(number)
        if po and len(seeded.orders.setdefault(vendor_id, [])) < 200:
            seeded.orders[vendor_id].append(po)
    return invoices, lines


def _sqlite_value(value):
    if isinstance(value, datetime):
        return str(value.astimezone(timezone.utc))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


TABLES = ("invoice", "invoice_line", "customer")


class _SQLite:
    """Bulk writes on one sqlite3 connection; search triggers and secondary indexes dropped until the end."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-200000")
        self.triggers = self.db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%_search%'").fetchall()
        for name, _ in self.triggers:
            self.db.execute(f"DROP TRIGGER {name}")
        # One sort per index at the end costs far less than keeping twenty indexes in step row by row.
        marks = ", ".join("?" for _ in TABLES)
        self.indexes = self.db.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                       f"AND tbl_name IN ({marks})", TABLES).fetchall()
        for name, _ in self.indexes:
            self.db.execute(f"DROP INDEX {name}")

    def next_id(self, table: str) -> int:
        return self.db.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0]

    def insert(self, table: str, rows: list[dict]) -> None:
        columns = list(rows[0])
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        self.db.executemany(sql, ([_sqlite_value(row[c]) for c in columns] for row in rows))
        self.db.commit()

    def finish(self) -> None:
        from piccolo_migrations.payport_2026_12_06t21_30_00_000000 import SQLITE_BACKFILL

        for _, sql in self.indexes:  # first: the backfill reads each invoice's lines by the line index
            self.db.execute(sql)
        self.db.execute("DELETE FROM invoice_search")
        self.db.execute(SQLITE_BACKFILL)
        self.db.execute("DELETE FROM invoice_number_search")
        self.db.execute("INSERT INTO invoice_number_search(rowid, number) SELECT id, coalesce(number, '') FROM invoice")
        for _, sql in self.triggers:
            self.db.execute(sql)
        self.db.commit()
        self.db.execute("ANALYZE")
        self.db.close()


class _Postgres:
    """COPY on one asyncpg connection; user triggers off and secondary indexes dropped until the end."""

    def __init__(self, url: str) -> None:
        self.url, self.loop = url, asyncio.new_event_loop()
        self.conn = self.loop.run_until_complete(self._connect())

    async def _connect(self):
        import asyncpg

        conn = await asyncpg.connect(self.url)
        for table in TABLES:
            await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        self.indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint)", [*TABLES, "invoice_search"])
        for row in self.indexes:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        return conn

    def next_id(self, table: str) -> int:
        return self.loop.run_until_complete(self.conn.fetchval(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"))

    def insert(self, table: str, rows: list[dict]) -> None:
        async def copy() -> None:
            columns = list(rows[0])
            await self.conn.copy_records_to_table(table, records=[[row[c] for c in columns] for row in rows],
                                                  columns=columns)
            await self.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT MAX(id) FROM {table}))")
        self.loop.run_until_complete(copy())

    def finish(self) -> None:
        async def run() -> None:
            await self.conn.execute("SET maintenance_work_mem = '256MB'")
            later = [row for row in self.indexes if " ON public.invoice_search " in row["indexdef"]]
            for row in self.indexes:
                if row not in later:
                    await self.conn.execute(row["indexdef"])
            await self.conn.execute("SELECT payport_reindex_invoices(ARRAY(SELECT id FROM invoice))")
            for row in later:  # a GIN index built once from every document, not grown one document at a time
                await self.conn.execute(row["indexdef"])
            for table in TABLES:
                await self.conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            for table in ("invoice", "invoice_line", "customer", "invoice_search"):
                await self.conn.execute(f"VACUUM ANALYZE {table}")
            await self.conn.close()
        self.loop.run_until_complete(run())
        self.loop.close()


def seed(database_url: str, vendor_ids: list[int], invoices: int = 1_000_000, big: int = 500_000,
         chunk: int = 50_000) -> Seeded:
    """Customers and invoices for existing vendors (the first gets `big` invoices, the rest share the others)."""
    from app.tables.customers import Customer

    rng, now = random.Random(20), datetime(2026, 12, 1, tzinfo=timezone.utc)
    writer = _Postgres(database_url) if database_url.startswith(("postgres://", "postgresql://")) else _SQLite(
        database_url.removeprefix("sqlite:///"))
    seeded = Seeded(vendor_ids=list(vendor_ids), invoices=invoices)
    rest = invoices - big
    shares = [big] + [rest // (len(vendor_ids) - 1) + (1 if i < rest % (len(vendor_ids) - 1) else 0)
                      for i in range(len(vendor_ids) - 1)]
    customer_base = _defaults(Customer)
    for vendor_id, share in zip(vendor_ids, shares):
        people = [_person(rng, i) for i in range(max(20, share // 25))]
        first = writer.next_id("customer")
        writer.insert("customer", [{**customer_base, "id": first + i, "vendor": vendor_id, "name": name,
                                    "email": email, "created_at": now, "updated_at": now}
                                   for i, (name, email) in enumerate(people)])
        seeded.customers[vendor_id] = people
        customer_ids = list(range(first, first + len(people)))
        done = 0
        while done < share:
            count = min(chunk, share - done)
            rows, lines = _invoices(rng, vendor_id, customer_ids, count, writer.next_id("invoice"), done + 1, now,
                                    seeded)
            writer.insert("invoice", rows)
            writer.insert("invoice_line", lines)
            done += count
    writer.finish()
    return seeded
