"""A million invoices for the benches: 100 vendors, one with half of them, five lines each, by bulk insert.

    .venv/bin/python bench/million.py [--invoices 1000000]      (DATABASE_URL picks the engine)

    from bench.million import seed_million
    info = seed_million(os.environ.get("DATABASE_URL"))   # -> MillionInfo (database_url, vendor ids, logins)

The database is made by the app's own migrations, then filled straight through the driver: customers, invoices
and their lines in large transactions (SQLite: executemany with synchronous=OFF on the seeding connection only;
PostgreSQL: COPY via asyncpg), with the tables' secondary indexes and triggers set aside during the load and
rebuilt after it, the search index filled by the search migration's own statements, and statistics taken, so
the app serves it as it would a database that grew a million invoices one at a time.

The result is cached by seed version and size: a SQLite file under $PAYPORT_BENCH_CACHE (default
~/.cache/payport-bench), or a PostgreSQL database named payport_million_v<version>_<invoices> on DATABASE_URL's
server. A second run reuses it (running any migration added since). Bump SEED_VERSION when the rows change.
Benches may write a little into it (a few invoices marked paid); that leaves it fit for measuring.

Rows look like a business: issue dates over three years, terms of 0-60 days, a quarter of the last month's invoices still drafts (0.5% of older ones),
about 2% void, most paid within weeks (older ones nearly all), a few partly paid, 2% of the paid refunded (half
partly), currencies USD 70%, EUR 20%, JPY 10%, line descriptions from a vocabulary of services.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import importlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [p for p in (str(ROOT), str(ROOT / "src")) if p not in sys.path]
SEED_VERSION = 1
INVOICES = 1_000_000
VENDORS = 100
BIG_SHARE = 0.5  # the big vendor's share of the invoices
LINES = 5
PASSWORD = "bench-password-123"
TODAY = date(2026, 11, 22)  # the seed's "now": dates stay the same however old the cache is
SPAN_DAYS = 1095
BATCH = 50_000  # invoices per transaction / COPY
TABLES = ("customer", "invoice", "invoice_line")
SERVICES = ("Design work", "Consulting hours", "Website redesign", "Logo refresh", "Copywriting", "SEO audit",
            "Hosting (annual)", "Support retainer", "Photography session", "Video editing", "Data migration",
            "Training workshop", "Translation", "Accounting services", "Legal review", "Printing",
            "Travel expenses", "Software licence", "Maintenance", "Project management")
NAMES = ("Northwind", "Blue Harbor", "Kestrel", "Maple & Pine", "Orbit", "Helios", "Juniper", "Tanaka",
         "Atelier Brun", "Cobalt", "Greenleaf", "Lumen", "Riverside", "Sakura", "Vertex", "Wildflower")
KINDS = ("Traders", "Cafe", "Analytics", "Studio", "Logistics", "Solar", "Dental", "Shoten", "Robotics", "Market",
         "Architects", "Books", "Foods", "Legal", "Events", "Labs")
TERMS = (("due_on_receipt", 0), ("net_7", 7), ("net_14", 14), ("net_30", 30), ("net_30", 30), ("net_60", 60))
INVOICE_COLUMNS = (
    "id", "vendor", "customer", "number", "status", "currency", "issue_date", "due_date", "terms", "notes",
    "subtotal", "discount_total", "tax_total", "total", "amount_paid", "amount_refunded", "amount_credited",
    "amount_due", "sent_at", "sent_method", "paid_at", "paid_method", "voided_at", "void_reason", "version",
    "created_at", "updated_at")
LINE_COLUMNS = ("invoice", "position", "description", "quantity", "unit_price", "tax_rate", "line_total",
                "tax_amount")
CUSTOMER_COLUMNS = ("id", "vendor", "name", "email", "currency", "created_at", "updated_at")


@dataclass
class MillionInfo:
    """Where the seeded database is and who can log in to it."""

    database_url: str
    invoices: int
    vendors: list[int]
    big_vendor: int
    small_vendor: int
    big_email: str
    small_email: str
    password: str = PASSWORD
    customers: int = 0
    lines: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    big_invoices: int = 0
    small_invoices: int = 0
    seed_seconds: float = 0.0  # the seeding this run did (0 when the cache was reused)
    steps: dict[str, float] = field(default_factory=dict)
    reused: bool = False


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def cache_dir() -> Path:
    path = Path(os.environ.get("PAYPORT_BENCH_CACHE") or Path.home() / ".cache" / "payport-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _name(invoices: int) -> str:
    return f"payport_million_v{SEED_VERSION}_{invoices}"


def target_url(base: str | None, invoices: int = INVOICES) -> str:
    """The cached database's URL for this engine (DATABASE_URL's server for PostgreSQL)."""
    base = base or ""
    if is_postgres(base):
        return urlunsplit(urlsplit(base)._replace(path=f"/{_name(invoices)}"))
    return f"sqlite:///{cache_dir() / (_name(invoices) + '.sqlite3')}"


@contextmanager
def _seed_lock(target: str):
    """One seeder of a database at a time on this machine (benches of other helpers may seed the same cache)."""
    with open(_info_path(target).with_suffix(".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _app_env(url: str) -> dict[str, str]:
    data = cache_dir() / "data"
    data.mkdir(exist_ok=True)
    return {**os.environ, "DATABASE_URL": url, "PAYPORT_DATA_DIR": str(data), "PAYPORT_ENV": "test",
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789", "PICCOLO_CONF": "app.piccolo_conf",
            "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}


def migrate(url: str) -> None:
    """The app's own migrations (only those not yet applied)."""
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=_app_env(url), cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


SIGNUP = """
import asyncio, json, sys
from app.services.accounts import SignupForm, sign_up
async def main():
    ids = []
    for n in range(int(sys.argv[1])):
        email = sys.argv[2].format(n=n)
        user = await sign_up(SignupForm(f"Bench Vendor {n:03d}", email, sys.argv[3]), verified=True)
        ids.append(user.vendor)
    print(json.dumps(ids))
asyncio.run(main())
"""


def _sign_up(url: str, vendors: int) -> list[int]:
    """The vendors, signed up through the app (its owner, membership and settings rows as real ones have)."""
    out = subprocess.run([sys.executable, "-c", SIGNUP, str(vendors), "vendor{n}@million.bench", PASSWORD],
                         env=_app_env(url), cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _shares(invoices: int, vendors: int) -> list[int]:
    big = int(invoices * BIG_SHARE)
    small, extra = divmod(invoices - big, vendors - 1)
    return [big] + [small + (1 if n < extra else 0) for n in range(vendors - 1)]


def _customers(vendor_ids: list[int], shares: list[int], first_id: int, now: datetime) -> list[tuple]:
    rows, next_id = [], first_id
    for vendor_id, share in zip(vendor_ids, shares):
        for n in range(max(20, share // 100)):  # about a hundred invoices per customer
            name = f"{NAMES[n % 16]} {KINDS[(n // 16) % 16]}" + (f" {n // 256 + 1}" if n >= 256 else "")
            rows.append((next_id, vendor_id, name, f"billing{n}@{NAMES[n % 16].split()[0].lower()}{n}.example",
                         "USD", now, now))
            next_id += 1
    return rows


def _line_sets(rng: random.Random, count: int = 4096) -> list[tuple[int, list[tuple]]]:
    """Sets of five lines (position, description, quantity, unit price, 0, line total, 0) with their sum, per
    currency unit: invoices draw from these, which keeps generating five million lines cheap."""
    sets = []
    for _ in range(count):
        lines, subtotal = [], 0
        for position in range(LINES):
            quantity = rng.choice((1, 1, 1, 2, 3, 5, 10))
            price = rng.randrange(20, 2_000) * 100
            subtotal += quantity * price
            lines.append((position, SERVICES[rng.randrange(len(SERVICES))], quantity, price, 0, quantity * price, 0))
        sets.append((subtotal, lines))
    return sets


def _invoice(rng: random.Random, invoice_id: int, vendor_id: int, customer_id: int, seq: int,
             issue: date, sets: list) -> tuple[tuple, list[tuple]]:
    """One invoice row and its five lines."""
    pick = rng.random()
    currency = "USD" if pick < 0.7 else ("EUR" if pick < 0.9 else "JPY")
    subtotal, lines = sets[rng.randrange(len(sets))]  # JPY has no minor unit: the same figures read as yen
    lines = [(invoice_id, *line) for line in lines]
    terms, days = TERMS[rng.randrange(len(TERMS))]
    created = datetime(issue.year, issue.month, issue.day, 9 + rng.randrange(9), rng.randrange(60),
                       tzinfo=timezone.utc)
    age = (TODAY - issue).days
    due = None if rng.random() < 0.01 else issue + timedelta(days=days)
    number, status, sent_at, sent_method, paid_at, voided_at = None, "draft", None, None, None, None
    paid = refunded = 0
    if not rng.random() < (0.25 if age < 30 else 0.005):
        number, status, sent_at = f"INV-{issue.year}-{seq:06d}", "sent", created
        sent_method = "stripe" if rng.random() < 0.6 else "manual"
        pay_at = created + timedelta(days=rng.randrange(0, days + 25), hours=rng.randrange(6))
        if rng.random() < 0.02:
            status, voided_at = "void", created + timedelta(days=2)
        elif pay_at.date() < TODAY and rng.random() < (0.97 if age > 120 else 0.7):
            status, paid, paid_at = "paid", subtotal, pay_at
            if rng.random() < 0.02:
                refunded = subtotal if rng.random() < 0.5 else subtotal // 2
                status = "refunded" if refunded == subtotal else "partially_refunded"
        elif rng.random() < 0.05:
            status, paid, paid_at = "partially_paid", subtotal // 2, pay_at
    due_amount = 0 if status == "void" else subtotal - paid + refunded
    row = (invoice_id, vendor_id, customer_id, number, status, currency, issue, due, terms, "", subtotal, 0, 0,
           subtotal, paid, refunded, 0, due_amount, sent_at, sent_method, paid_at,
           ("card" if sent_method == "stripe" else "bank transfer") if paid_at else "", voided_at,
           "Issued by mistake" if voided_at else "", 1, created, paid_at or created)
    return row, lines


def _batches(vendor_ids: list[int], shares: list[int], customers: list[tuple], first_id: int, seed: int = 20):
    """(invoice rows, line rows) in batches of about BATCH invoices, each vendor's in issue order."""
    rng = random.Random(seed)
    sets = _line_sets(rng)
    by_vendor: dict[int, list[int]] = {}
    for row in customers:
        by_vendor.setdefault(row[1], []).append(row[0])
    invoice_id, rows, lines = first_id, [], []
    for vendor_id, share in zip(vendor_ids, shares):
        pool = by_vendor[vendor_id]
        for seq in range(1, share + 1):
            issue = TODAY - timedelta(days=int(SPAN_DAYS * (1 - seq / share)))
            row, its_lines = _invoice(rng, invoice_id, vendor_id, pool[rng.randrange(len(pool))], seq, issue, sets)
            rows.append(row)
            lines += its_lines
            invoice_id += 1
            if len(rows) >= BATCH:
                yield rows, lines
                rows, lines = [], []
    if rows:
        yield rows, lines


def _fill_statements(engine: str) -> list[str]:
    """The bulk fills of what triggers keep (the search index, the invoice tally), each as the newest migration
    that builds it writes it: the migrations' own SQL."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "piccolo_migrations").glob("payport_*.py")):
        module = importlib.import_module(f"piccolo_migrations.{path.stem}")
        statements = getattr(module, "SQLITE" if engine == "sqlite" else "PG", None)
        if not isinstance(statements, list):
            continue
        fills: dict[str, list[str]] = {}
        for sql in statements:
            if isinstance(sql, str) and (sql.startswith("INSERT INTO invoice_") or sql.startswith("SELECT payport_")):
                fills.setdefault(sql.split("(")[0].split()[-1], []).append(sql)
        found.update(fills)
    return [sql for fills in found.values() for sql in fills]


def _tally(info: MillionInfo, rows: list[tuple]) -> None:
    for row in rows:
        info.statuses[row[4]] = info.statuses.get(row[4], 0) + 1


# SQLite ---------------------------------------------------------------------------------------------------------

def _as_text(row: tuple, moments: list[int]) -> list:
    out = list(row)
    for n in moments:
        if out[n] is not None:
            out[n] = str(out[n])
    return out


def _seed_sqlite(path: Path, info: MillionInfo, shares: list[int]) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY",
                   "foreign_keys=OFF"):
        db.execute(f"PRAGMA {pragma}")
    step = time.perf_counter()
    names = ", ".join(f"'{t}'" for t in TABLES)
    kept = db.execute(f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT "
                      f"NULL AND tbl_name IN ({names})").fetchall()
    for kind, name, _ in kept:
        db.execute(f"DROP {kind.upper()} {name}")
    now = datetime.combine(TODAY, datetime.min.time(), timezone.utc)
    first = (db.execute("SELECT COALESCE(MAX(id), 0) FROM customer").fetchone()[0] or 0) + 1
    customers = _customers(info.vendors, shares, first, now)
    first_invoice = (db.execute("SELECT COALESCE(MAX(id), 0) FROM invoice").fetchone()[0] or 0) + 1
    insert = lambda table, cols, rows: db.executemany(  # noqa: E731
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", rows)
    db.execute("BEGIN")
    insert("customer", CUSTOMER_COLUMNS, [(*row[:5], str(now), str(now)) for row in customers])
    moments = [n for n, name in enumerate(INVOICE_COLUMNS) if name.endswith(("_date", "_at"))]
    for rows, lines in _batches(info.vendors, shares, customers, first_invoice):
        # Stored as the app stores them: ISO dates, "YYYY-MM-DD HH:MM:SS+00:00" times.
        insert("invoice", INVOICE_COLUMNS, [_as_text(row, moments) for row in rows])
        insert("invoice_line", LINE_COLUMNS, lines)
        _tally(info, rows)
        info.lines += len(lines)
        db.execute("COMMIT")
        db.execute("BEGIN")
    db.execute("COMMIT")
    info.customers = len(customers)
    info.steps["rows"] = time.perf_counter() - step
    step = time.perf_counter()
    for kind, _, sql in kept:
        if kind == "index":
            db.execute(sql)
    info.steps["indexes"] = time.perf_counter() - step
    step = time.perf_counter()
    for kind, _, sql in kept:
        if kind == "trigger":
            db.execute(sql)
    db.execute("BEGIN")
    for sql in _fill_statements("sqlite"):
        db.execute(sql)
    db.execute("COMMIT")
    info.steps["search"] = time.perf_counter() - step
    step = time.perf_counter()
    db.execute("PRAGMA analysis_limit=2000")
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    info.steps["analyze"] = time.perf_counter() - step
    db.close()


# PostgreSQL -----------------------------------------------------------------------------------------------------

async def _admin(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_exists(url: str) -> bool:
    import asyncpg

    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def _seed_pg(url: str, info: MillionInfo, shares: list[int]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'")
        step = time.perf_counter()
        tables = list(TABLES) + ["invoice_search", "invoice_tally"]
        kept = await conn.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY($1::text[]) AND "
            "i.schemaname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            tables)
        for row in kept:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        now = datetime.combine(TODAY, datetime.min.time(), timezone.utc)
        first = await conn.fetchval("SELECT COALESCE(MAX(id), 0) + 1 FROM customer")
        customers = _customers(info.vendors, shares, first, now)
        first_invoice = await conn.fetchval("SELECT COALESCE(MAX(id), 0) + 1 FROM invoice")
        # No triggers while loading: the search index is filled once at the end, foreign keys hold by construction.
        await conn.execute("SET session_replication_role = replica")
        await conn.copy_records_to_table("customer", records=customers, columns=CUSTOMER_COLUMNS)
        for rows, lines in _batches(info.vendors, shares, customers, first_invoice):
            async with conn.transaction():
                await conn.copy_records_to_table("invoice", records=rows, columns=INVOICE_COLUMNS)
                await conn.copy_records_to_table("invoice_line", records=lines, columns=LINE_COLUMNS)
            _tally(info, rows)
            info.lines += len(lines)
        await conn.execute("SET session_replication_role = origin")
        for table in ("customer", "invoice", "invoice_line"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT MAX(id) FROM {table}))")
        info.customers = len(customers)
        info.steps["rows"] = time.perf_counter() - step
        step = time.perf_counter()
        # The search fill reads each invoice's lines by index: the tables' indexes first, the search's own after.
        await _create_indexes(url, [row["indexdef"] for row in kept if " ON public.invoice_search " not in row["indexdef"]])
        info.steps["indexes"] = time.perf_counter() - step
        step = time.perf_counter()
        for sql in _fill_statements("postgres"):
            await conn.execute(sql)
        await _create_indexes(url, [row["indexdef"] for row in kept if " ON public.invoice_search " in row["indexdef"]])
        info.steps["search"] = time.perf_counter() - step
        step = time.perf_counter()
        for table in (*tables, "vendor", "app_user"):
            await conn.execute(f"VACUUM ANALYZE {table}")
        info.steps["analyze"] = time.perf_counter() - step
    finally:
        await conn.close()


async def _create_indexes(url: str, statements: list[str]) -> None:
    """The indexes set aside, rebuilt on two connections side by side (the machine's two cores)."""
    import asyncpg

    queue = list(statements)

    async def worker() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("SET maintenance_work_mem = '256MB'")
            while queue:
                await conn.execute(queue.pop())
        finally:
            await conn.close()

    await asyncio.gather(worker(), worker())


# Both -----------------------------------------------------------------------------------------------------------

def _info_path(url: str) -> Path:
    return cache_dir() / (urlsplit(url).path.rsplit("/", 1)[-1].removesuffix(".sqlite3") + (
        "-pg" if is_postgres(url) else "-sqlite") + ".json")


def _ready(url: str) -> bool:
    if not _info_path(url).exists():
        return False
    if is_postgres(url):
        return asyncio.run(_pg_exists(url))
    return Path(url.removeprefix("sqlite:///")).exists()


def seed_million(url: str | None = None, invoices: int = INVOICES, vendors: int = VENDORS) -> MillionInfo:
    """The cached million-invoice database for DATABASE_URL's engine, seeded first if missing; where it is."""
    url = url if url is not None else os.environ.get("DATABASE_URL", "")
    target = target_url(url, invoices)
    with _seed_lock(target):
        if _ready(target):
            migrate(target)  # migrations added since the seed
            info = MillionInfo(**json.loads(_info_path(target).read_text()))
            info.reused, info.seed_seconds, info.database_url = True, 0.0, target
            return info
        started = time.perf_counter()
        partial = target + "_partial" if is_postgres(target) else target.removesuffix(".sqlite3") + ".partial.sqlite3"
        if is_postgres(target):
            name, temp = urlsplit(target).path.lstrip("/"), urlsplit(partial).path.lstrip("/")
            asyncio.run(_admin(target, f'DROP DATABASE IF EXISTS "{temp}" WITH (FORCE)',
                               f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{temp}"'))
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(partial.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        step = time.perf_counter()
        migrate(partial)
        ids = _sign_up(partial, vendors)
        info = MillionInfo(partial, invoices, ids, ids[0], ids[1], "vendor0@million.bench", "vendor1@million.bench")
        info.steps["migrate+signup"] = time.perf_counter() - step
        shares = _shares(invoices, vendors)
        info.big_invoices, info.small_invoices = shares[0], shares[1]
        if is_postgres(partial):
            asyncio.run(_seed_pg(partial, info, shares))
            asyncio.run(_admin(target, f'ALTER DATABASE "{temp}" RENAME TO "{name}"'))
        else:
            _seed_sqlite(Path(partial.removeprefix("sqlite:///")), info, shares)
            Path(partial.removeprefix("sqlite:///")).rename(target.removeprefix("sqlite:///"))
        info.database_url = target
        info.seed_seconds = time.perf_counter() - started
        _info_path(target).write_text(json.dumps(asdict(info)))
        return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=INVOICES)
    parser.add_argument("--vendors", type=int, default=VENDORS)
    args = parser.parse_args()
    info = seed_million(os.environ.get("DATABASE_URL", ""), args.invoices, args.vendors)
    kind = "PostgreSQL" if is_postgres(info.database_url) else "SQLite"
    if info.reused:
        print(f"Reused {info.invoices:,} invoices on {kind}: {info.database_url}", flush=True)
    else:
        steps = ", ".join(f"{k} {v:.1f}s" for k, v in info.steps.items())
        print(f"Seeded {info.invoices:,} invoices ({info.lines:,} lines, {info.customers:,} customers, "
              f"{len(info.vendors)} vendors, the biggest {info.big_invoices:,}) on {kind} in "
              f"{info.seed_seconds:.1f}s ({steps}): {info.database_url}", flush=True)
        sys.path.insert(0, str(ROOT))
        from bench.verdict import verdict

        verdict("seed 1,000,000 invoices", info.seed_seconds, 300, "s")


if __name__ == "__main__":
    main()
