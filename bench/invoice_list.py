"""Benchmark the Billing Invoices list partial at 100,000 invoices beside a bare Litestar Jinja partial.

    .venv/bin/python bench/invoice_list.py [--invoices 100000] [--concurrency 50] [--seconds 10]
    .venv/bin/python bench/invoice_list.py --million [--seconds 8]      (issue 20's targets, VERDICT lines)

--million serves the cached million-invoice database of bench/million.py (seeded first if missing: 100 vendors,
one with 500,000) and measures, each request a URL the list has not rendered (a new page by cursor, sort, tab
or currency filter): p95 at 10 clients, throughput at 50 against the bare partial's at 50, page 10,000 against
page 1 (one client, the same sorts and tabs), and the big vendor against a small one (10 clients, the same mix).
The tab counts and totals are computed once per tab and filter and kept until the data changes; the first view
of each is printed apart.

Seeds a fresh database (SQLite by default; a fresh PostgreSQL database when DATABASE_URL points at one) with
one vendor, 1,000 customers and N invoices by bulk insert, starts the app with uvicorn (one worker) and the
bare app beside it, logs in, and drives GET /invoices/table with a keep-alive HTTP/1.1 client at the given
concurrency. Prints p50/p95/p99 latency and throughput for each, and the ratio.

The list caches what it rendered until the vendor's data changes, so the target line is the vendor's list
while nothing changes. Two more lines show the cost around it: the same list while another browser marks
an invoice paid through the app --changes-per-second times a second (each change re-renders), and every
request a different page, sort or tab (nothing cached: the database work of each request).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.rawhttp import exchange  # noqa: E402
from tests.support import free_port  # noqa: E402

EMAIL, PASSWORD = "bench@payport.local", "bench-password-123"
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def fresh_database(data_dir: Path) -> tuple[str, callable]:
    """A new empty database of DATABASE_URL's kind (SQLite file by default)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{data_dir / 'bench.sqlite3'}", lambda: None
    import asyncpg

    name = f"payport_bench_{uuid.uuid4().hex[:8]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(base)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}")), lambda: asyncio.run(
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def invoice_rows(vendor_id: int, customer_ids: list[int], count: int) -> list[tuple]:
    """Invoices spread over three years: drafts, sent (some overdue), paid, void, refunded; USD, EUR, JPY."""
    rng = random.Random(7)
    today = date(2026, 11, 22)
    now = datetime(2026, 11, 22, tzinfo=timezone.utc)
    rows = []
    for n in range(count):
        issue = today - timedelta(days=rng.randrange(0, 1095))
        due = issue + timedelta(days=rng.choice((0, 7, 14, 30, 60)))
        status = rng.choices(["draft", "sent", "paid", "void", "refunded"], [8, 30, 52, 5, 5])[0]
        currency = rng.choices(["USD", "EUR", "JPY"], [80, 15, 5])[0]
        total = rng.randrange(1_000, 500_000) if currency != "JPY" else rng.randrange(1_000, 500_000)
        number = None if status == "draft" else f"INV-{issue.year}-{n + 1:06d}"
        paid_at = now - timedelta(days=rng.randrange(0, 900)) if status in ("paid", "refunded") else None
        rows.append((vendor_id, rng.choice(customer_ids), number, status, currency, issue, due, "net_30", 0,
                     "", "", total, 0, 0, total, total if paid_at else 0, total if status == "refunded" else 0,
                     now if status != "draft" else None, "manual" if status != "draft" else None,
                     paid_at, "", "", None, "", False, "", 1, now, now))
    return rows


INVOICE_COLUMNS = ("vendor", "customer", "number", "status", "currency", "issue_date", "due_date", "terms",
                   "discount_percent", "notes", "footer", "subtotal", "discount_total", "tax_total", "total",
                   "amount_paid", "amount_refunded", "sent_at", "sent_method", "paid_at", "paid_method",
                   "paid_reference", "voided_at", "void_reason", "needs_attention", "attention_reason", "version",
                   "created_at", "updated_at")


async def seed(count: int) -> None:
    """One vendor (through the real sign-up), 1,000 customers, `count` invoices by bulk insert."""
    from app.db import engine
    from app.services.accounts import SignupForm, sign_up
    from app.tables.customers import Customer

    user = await sign_up(SignupForm("Bench Studio", EMAIL, PASSWORD), verified=True)
    vendor_id = user.vendor
    await Customer.insert(*[Customer(vendor=vendor_id, name=f"Customer {i:04d}", email=f"c{i}@example.com")
                            for i in range(1000)])
    customer_ids = [r["id"] for r in await Customer.select(Customer.id).where(Customer.vendor == vendor_id)]
    rows = invoice_rows(vendor_id, customer_ids, count)
    db = engine()
    if db.engine_type == "postgres":
        import asyncpg

        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:
            await conn.copy_records_to_table("invoice", records=rows, columns=list(INVOICE_COLUMNS))
            await conn.execute("ANALYZE invoice")
        finally:
            await conn.close()
        return
    import sqlite3

    conn = sqlite3.connect(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
    marks = ",".join("?" * len(INVOICE_COLUMNS))
    sqlite_rows = [tuple(v.isoformat() if isinstance(v, (date, datetime)) else v for v in row) for row in rows]
    with conn:
        conn.executemany(f"INSERT INTO invoice ({','.join(INVOICE_COLUMNS)}) VALUES ({marks})", sqlite_rows)
    conn.execute("ANALYZE")
    conn.close()


def wait_ready(url: str, process: subprocess.Popen) -> None:
    """Poll until the server answers."""
    import urllib.request

    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
        except Exception:
            return
    raise SystemExit(f"{url} not ready")


def login(base: str, email: str = EMAIL, password: str = PASSWORD):
    """Log in through the form; returns the client, holding the cookies a browser would send."""
    import httpx

    client = httpx.Client(base_url=base, timeout=60)
    token = CSRF.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": email, "password": password}, headers={"x-csrftoken": token})
    assert client.get("/invoices/table", headers={"HX-Request": "true"}).status_code == 200, "login failed"
    return client


def cookie_header(client) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def uncached_paths() -> list[str]:
    """4,000 list URLs (200 pages of four tabs in five sorts) in a random order: few repeat within a run."""
    sorts = ("-issue_date", "issue_date", "-due_date", "total", "-total")
    statuses = ("all", "outstanding", "paid", "overdue")
    paths = [f"/invoices/table?status={status}&sort={sort}&page={page}"
             for page in range(1, 201) for sort in sorts for status in statuses]
    random.Random(11).shuffle(paths)
    return paths


def start_changes(base: str, per_second: float, seconds: float) -> subprocess.Popen:
    """Another browser marking sent invoices paid through the app, at a steady rate, in its own process."""
    code = f"""
import re, sqlite3, time, httpx, os
from bench.invoice_list import login, sent_invoice_ids
client = login({base!r})
token = {CSRF.pattern!r}
ids = sent_invoice_ids()
csrf = re.search(token, client.get("/invoices/" + str(ids[0])).text).group(1)
stop, made = time.monotonic() + {seconds}, 0
for invoice_id in ids:
    if time.monotonic() > stop:
        break
    response = client.post(f"/invoices/{{invoice_id}}/mark-paid", headers={{"x-csrftoken": csrf, "HX-Request": "true"}},
                           data={{"paid_on": "2026-11-22", "method": "bank_transfer", "reference": "bench"}})
    assert response.status_code < 400, response.text[:300]
    made += 1
    time.sleep(1 / {per_second})
print(f"  (meanwhile another browser marked {{made}} invoices paid, {{made / {seconds}:.1f}} a second)", flush=True)
"""
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=os.environ.copy())


def sent_invoice_ids() -> list[int]:
    """Ids of sent invoices, oldest first."""
    async def read() -> list[int]:
        from app.tables.invoices import Invoice

        rows = await Invoice.select(Invoice.id).where(Invoice.status == "sent").order_by(Invoice.id).limit(5000)
        return [row["id"] for row in rows]

    return asyncio.run(read())


async def load(port: int, paths: str | list[str], cookie: str, concurrency: int,
               seconds: float) -> tuple[list[float], float]:
    """Keep-alive clients hammering the URLs in turn; returns latencies (s) measured after a warm-up, and the span."""
    requests = [(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHX-Request: true\r\n"
                 f"Cookie: {cookie}\r\n\r\n").encode() for path in ([paths] if isinstance(paths, str) else paths)]
    latencies: list[float] = []
    warm_until = time.perf_counter() + 2
    stop_at = warm_until + seconds
    turn = iter(range(10**12))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while (now := time.perf_counter()) < stop_at:
            await exchange(reader, writer, requests[next(turn) % len(requests)])
            if now >= warm_until:
                latencies.append(time.perf_counter() - now)
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, seconds


def percentile(latencies: list[float], p: float) -> float:
    """The p-th fraction of the latencies (s), in ms."""
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def report(name: str, latencies: list[float], seconds: float) -> float:
    """Print one line of figures; return throughput."""
    rps = len(latencies) / seconds
    print(f"{name:<34} {rps:9.0f} req/s   p50 {percentile(latencies, .5):6.1f} ms   p95 "
          f"{percentile(latencies, .95):6.1f} ms   p99 {percentile(latencies, .99):6.1f} ms   mean "
          f"{statistics.fmean(latencies) * 1000:6.1f} ms", flush=True)
    return rps


def start(args: list[str], env: dict[str, str], port: int, probe: str) -> subprocess.Popen:
    """Start one uvicorn worker and wait until it answers."""
    log = open(Path(env["PAYPORT_DATA_DIR"]) / f"uvicorn-{port}.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", *args, "--host", "127.0.0.1", "--port", str(port),
                                "--no-access-log", "--log-level", "warning"], env=env, cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT)
    wait_ready(f"http://127.0.0.1:{port}{probe}", process)
    return process


SORTS = ("-issue_date", "issue_date", "-due_date", "due_date", "-total", "total", "-number", "number")
TABS = ("all", "outstanding", "overdue", "paid", "draft", "void", "refunded")
CURRENCIES = ("", "", "USD", "EUR", "JPY")
SQL_SORT = {"issue_date": "issue_date", "due_date": "due_date", "total": "total", "number": "number"}


def _sql(url: str, sql: str, *args) -> list[tuple]:
    """Rows of one query straight through the driver (the bench's own look-ups, not the app's)."""
    if not url.startswith("postgres"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(sql.replace("$1", "?").replace("$2", "?"), args).fetchall()
    import asyncpg

    async def run():
        conn = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await conn.fetch(sql, *args)]
        finally:
            await conn.close()

    return asyncio.run(run())


def miss_paths(url: str, vendor_id: int, count: int = 30_000, seed: int = 5) -> list[str]:
    """List URLs the app has not rendered: pages after random invoices in every sort, tab and currency, and
    the first page of each sort, tab and currency; shuffled."""
    rng = random.Random(seed)
    ids = [row[0] for row in _sql(url, "SELECT id FROM invoice WHERE vendor = $1 AND id % 37 = 0", vendor_id)]
    firsts = [f"/invoices/table?status={t}&sort={s}&currency={c}" for t in TABS for s in SORTS for c in set(CURRENCIES)]
    deep = {f"/invoices/table?status={rng.choice(TABS)}&sort={rng.choice(SORTS)}&currency={rng.choice(CURRENCIES)}"
            f"&page={rng.randrange(2, 5000)}&after={rng.choice(ids)}" for _ in range(count)}
    paths = firsts + sorted(deep)
    rng.shuffle(paths)
    return paths


def warm_paths(url: str, vendor_id: int) -> list[str]:
    """One page of each tab and currency, so their counts and totals are computed before the measured runs."""
    some = _sql(url, "SELECT MIN(id) FROM invoice WHERE vendor = $1", vendor_id)[0][0]
    return [f"/invoices/table?status={t}&currency={c}&sort=-total&page=2&after={some}"
            for t in TABS for c in set(CURRENCIES)]


def deep_pairs(url: str, vendor_id: int, page: int = 10_000) -> list[tuple[str, str]]:
    """(page 1, page `page`) URLs of each sort in the tabs and currencies that have that many pages."""
    pairs = []
    for status, currency in (("all", ""), ("paid", ""), ("all", "USD"), ("paid", "USD")):
        where = (" AND status = 'paid'" if status == "paid" else "") + (f" AND currency = '{currency}'" if currency else "")
        for sort in SORTS:
            column = SQL_SORT[sort.lstrip("-")]
            order = "DESC" if sort.startswith("-") else "ASC"
            found = _sql(url, f"SELECT id FROM invoice WHERE vendor = $1{where} ORDER BY {column} {order}, id {order} "
                              f"LIMIT 1 OFFSET $2", vendor_id, (page - 1) * 25 - 1)
            if found:
                base = f"/invoices/table?status={status}&sort={sort}&currency={currency}"
                pairs.append((base, f"{base}&page={page}&after={found[0][0]}"))
    return pairs


async def timed(port: int, paths: list[str], cookie: str) -> list[float]:
    """One client requesting each URL once, in turn; the latencies (s)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    out = []
    for path in paths:
        request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHX-Request: true\r\n"
                   f"Cookie: {cookie}\r\n\r\n").encode()
        started = time.perf_counter()
        await exchange(reader, writer, request)
        out.append(time.perf_counter() - started)
    writer.close()
    return out


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def million(args) -> None:
    """Issue 20's list targets at a million invoices; VERDICT lines."""
    from bench.million import seed_million
    from bench.verdict import verdict

    info = seed_million(os.environ.get("DATABASE_URL", ""), args.scale, args.vendors)
    kind = "PostgreSQL" if info.database_url.startswith("postgres") else "SQLite"
    print(f"{'Reused' if info.reused else 'Seeded'} {info.invoices:,} invoices on {kind} "
          f"({info.big_invoices:,} for the big vendor, {info.small_invoices:,} for a small one)"
          + ("" if info.reused else f" in {info.seed_seconds:.1f}s"), flush=True)
    url = info.database_url
    data_dir = Path(tempfile.mkdtemp(prefix="payport-bench-"))
    app_port, bare_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": url, "PAYPORT_DATA_DIR": str(data_dir), "PAYPORT_ENV": "test",
           "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789", "PORT": str(app_port),
           "APP_BASE_URL": f"http://127.0.0.1:{app_port}", "PICCOLO_CONF": "app.piccolo_conf"}
    app = start(["app.asgi:app_factory", "--factory"], env, app_port, "/healthz")
    bare = start(["bench.bare_app:app"], env, bare_port, "/partial")
    try:
        base = f"http://127.0.0.1:{app_port}"
        big = cookie_header(login(base, info.big_email, info.password))
        small = cookie_header(login(base, info.small_email, info.password))
        print(f"load average before: {load_average()}", flush=True)
        bare10 = asyncio.run(load(bare_port, "/partial", "", 10, args.seconds))
        report("bare partial, 10 clients", *bare10)
        bare_rps = report("bare partial, 50 clients", *asyncio.run(load(bare_port, "/partial", "", 50, args.seconds)))
        for who, vendor_id, cookie in (("big", info.big_vendor, big), ("small", info.small_vendor, small)):
            first = asyncio.run(timed(app_port, warm_paths(url, vendor_id), cookie))
            print(f"  {who} vendor, first view of each tab and currency (counts and totals computed): "
                  f"p50 {percentile(first, .5):.1f} ms, max {max(first) * 1000:.1f} ms", flush=True)
        paths = miss_paths(url, info.big_vendor)
        half = len(paths) // 2
        big10 = asyncio.run(load(app_port, paths[:half], big, 10, args.seconds))
        report("big vendor, misses, 10 clients", *big10)
        verdict("list p95, cache misses, 10 clients, 1M invoices", percentile(big10[0], .95), 50, " ms")
        rps50 = report("big vendor, misses, 50 clients", *asyncio.run(load(app_port, paths[half:], big, 50,
                                                                               args.seconds)))
        verdict("list misses throughput at 50 clients / bare partial", rps50 / bare_rps, 0.3, "x", at_least=True)
        small10 = asyncio.run(load(app_port, miss_paths(url, info.small_vendor, seed=6), small, 10, args.seconds))
        report("small vendor, misses, 10 clients", *small10)
        verdict("list big vendor / small vendor (mean, misses, 10 clients)",
                statistics.fmean(big10[0]) / statistics.fmean(small10[0]), 2, "x")
        deep = min(10_000, info.big_invoices // 2 // 25)  # 10,000 at a million (a smaller trial: what it has)
        pairs = deep_pairs(url, info.big_vendor, deep)
        for round_ in ("first touch: deep pages' rows read from disk", "again, a fresh app process (data in memory)"):
            if round_.startswith("again"):  # the rendered pages are gone, the database's pages stay cached
                app.terminate()
                app.wait(timeout=15)
                app = start(["app.asgi:app_factory", "--factory"], env, app_port, "/healthz")
            asyncio.run(timed(app_port, warm_paths(url, info.big_vendor), big))
            both = asyncio.run(timed(app_port, [path for pair in pairs for path in pair], big))  # side by side
            ones, deeps = both[0::2], both[1::2]
            print(f"page 1 vs page {deep:,} ({len(pairs)} sorts and tabs, one client), {round_}: median "
                  f"{statistics.median(ones) * 1000:.1f} ms vs {statistics.median(deeps) * 1000:.1f} ms", flush=True)
        verdict(f"list page {deep:,} / page 1 (median, one client)", statistics.median(deeps) / statistics.median(ones),
                1.5, "x")
        print(f"load average after: {load_average()}", flush=True)
        subprocess.run([sys.executable, "bench/list_plans.py", str(info.big_vendor)], env=env, cwd=ROOT)
    finally:
        for process in (app, bare):
            process.terminate()
            process.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="issue 20's targets at 1,000,000 invoices")
    parser.add_argument("--scale", type=int, default=1_000_000, help="with --million: invoices (for a trial)")
    parser.add_argument("--vendors", type=int, default=100, help="with --million: vendors (for a trial)")
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--path", default="/invoices/table", help="list URL to measure (any filters)")
    parser.add_argument("--changes-per-second", type=float, default=5,
                        help="most invoices marked paid per second during the 'while changing' line")
    args = parser.parse_args()
    if args.million:
        return million(args)
    data_dir = Path(tempfile.mkdtemp(prefix="payport-bench-"))
    url, drop = fresh_database(data_dir)
    app_port, bare_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": url, "PAYPORT_DATA_DIR": str(data_dir), "PAYPORT_ENV": "test",
           "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789", "PORT": str(app_port),
           "APP_BASE_URL": f"http://127.0.0.1:{app_port}", "PICCOLO_CONF": "app.piccolo_conf"}
    os.environ.update(env)
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    asyncio.run(seed(args.invoices))
    kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"Seeded {args.invoices:,} invoices on {kind} in {time.perf_counter() - started:.1f}s", flush=True)
    app = start(["app.asgi:app_factory", "--factory"], env, app_port, "/healthz")
    bare = start(["bench.bare_app:app"], env, bare_port, "/partial")
    try:
        cookie = cookie_header(login(f"http://127.0.0.1:{app_port}"))
        print(f"{args.concurrency} concurrent keep-alive connections, {args.seconds:.0f}s each after 2s warm-up",
              flush=True)
        bare_rps = report("bare Litestar Jinja partial", *asyncio.run(
            load(bare_port, "/partial", "", args.concurrency, args.seconds)))
        list_rps = report(f"GET {args.path}", *asyncio.run(
            load(app_port, args.path, cookie, args.concurrency, args.seconds)))
        print(f"list / bare throughput: {list_rps / bare_rps:.2f}x  (target: p95 <= 30 ms, >= 0.5x)", flush=True)
        writer = start_changes(f"http://127.0.0.1:{app_port}", args.changes_per_second, args.seconds + 3)
        report("  same, while invoices are marked paid", *asyncio.run(
            load(app_port, args.path, cookie, args.concurrency, args.seconds)))
        writer.wait(timeout=30)
        report("  every request a new page/sort/tab (uncached)", *asyncio.run(
            load(app_port, uncached_paths(), cookie, args.concurrency, args.seconds)))
    finally:
        for process in (app, bare):
            process.terminate()
            process.wait(timeout=15)
        drop()


if __name__ == "__main__":
    main()
