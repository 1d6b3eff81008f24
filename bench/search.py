"""Benchmark invoice search at 1,000,000 invoices beside a bare Litestar Jinja partial (issue 20, target 2).

    .venv/bin/python bench/search.py [--invoices 1000000] [--big 500000] [--vendors 100] [--concurrency 10]
                                     [--seconds 10]

Seeds a fresh database (SQLite by default; a fresh PostgreSQL database when DATABASE_URL points at one) with
`--vendors` vendors, the first holding `--big` invoices, five lines each (bench/search_seed.py), starts the app
(one uvicorn worker) and the bare app, logs in as the big vendor and as a small one, and drives the Billing
Invoices list partial with a search (GET /invoices/table?q=...) at the given concurrency. Every request asks a
query not asked before in the run, so no answer comes from the list's cache: names, emails, partial and whole
invoice numbers, purchase orders in notes, a project and a service from the lines, word prefixes, accents left
out. Prints p50/p95/p99 for the bare partial, each vendor and each kind of query, the app's RSS, the load average,
and VERDICT lines (bench/verdict.py): p95 <= 50 ms for the big vendor and for a small one.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]  # this checkout's app, not the one the venv installed
from bench.invoice_list import fresh_database, report, start  # noqa: E402
from bench.invoice_list import load as plain_load  # noqa: E402
from bench.rawhttp import exchange  # noqa: E402
from bench.search_seed import PROJECTS, SERVICES, seed  # noqa: E402
from bench.verdict import verdict  # noqa: E402
from tests.support import free_port  # noqa: E402

PASSWORD = "bench-password-123"
USERS = ("bench@payport.local", "small@payport.local")  # the big vendor's owner, then a small vendor's
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
TARGET_MS = 50


async def make_vendors(count: int) -> list[int]:
    """Two vendors through the real sign-up (they log in), the others straight into the vendor table."""
    from app.services.accounts import SignupForm, sign_up
    from app.tables.vendors import Vendor

    ids = [(await sign_up(SignupForm(f"Bench {n}", email, PASSWORD), verified=True)).vendor
           for n, email in enumerate(USERS)]
    others = [Vendor(name=f"Vendor {n}", email=f"vendor{n}@bench.example") for n in range(count - len(ids))]
    if others:
        await Vendor.insert(*others)
    rows = await Vendor.select(Vendor.id).where(Vendor.id.not_in(ids)).order_by(Vendor.id)
    return ids + [row["id"] for row in rows]


async def material(vendor_id: int) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """What this vendor's desk could search for, read back from the database: customers, numbers, orders."""
    from app.tables.customers import Customer
    from app.tables.invoices import Invoice

    people = await Customer.select(Customer.name, Customer.email).where(Customer.vendor == vendor_id).limit(5000)
    numbered = await Invoice.select(Invoice.number).where(
        (Invoice.vendor == vendor_id) & Invoice.number.is_not_null()).order_by(Invoice.id).limit(100_000)
    orders = await Invoice.select(Invoice.notes).where(
        (Invoice.vendor == vendor_id) & Invoice.notes.like("PO-%")).limit(500)
    return ([(row["name"], row["email"]) for row in people], [row["number"] for row in numbered[::37]],
            [row["notes"].split()[0] for row in orders])


async def vendors_of(emails: tuple[str, ...]) -> list[int]:
    """The vendors of these users, in order."""
    from app.tables.vendors import User

    rows = await User.select(User.email, User.vendor).where(User.email.is_in(list(emails)))
    by_email = {row["email"]: row["vendor"] for row in rows}
    return [by_email[email] for email in emails]


def queries(vendor_id: int, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Up to `count` distinct (kind, query) pairs a person at this vendor's desk might type."""
    people, numbers, orders = asyncio.run(material(vendor_id))

    def name() -> str:
        picked = rng.choice(people)[0]
        return picked.lower() if rng.random() < .5 else picked

    def email() -> str:
        picked = rng.choice(people)[1]
        return picked.split("@")[0] if rng.random() < .5 else picked

    def number() -> str:
        picked = rng.choice(numbers)
        return rng.choice((picked[-4:], picked[-5:], picked[-6:], picked.lower(), picked))

    def accents() -> str:  # typed without the accents and in capitals
        picked = rng.choice([p for p, _ in people if not p.isascii()] or [people[0][0]])
        return "".join(c for c in unicodedata.normalize("NFD", picked) if not unicodedata.combining(c)).upper()

    kinds = {"name": name, "email": email, "number": number, "order": lambda: rng.choice(orders),
             "line": lambda: f"{rng.choice(SERVICES).split()[0]} {rng.choice(PROJECTS)}",
             "prefix": lambda: f"{rng.choice(PROJECTS)[:5].lower()} {rng.choice(SERVICES).split()[-1][:4]}",
             "accents": accents}
    if not numbers:
        kinds.pop("number")
    if not orders:
        kinds.pop("order")
    pools = {}
    for kind, make in kinds.items():  # as many tries as queries: kinds with few distinct values stay small
        pools[kind] = list(dict.fromkeys(make() for _ in range(count // len(kinds))))
    asked, pairs = set(), []
    for row in itertools.zip_longest(*pools.values()):  # the kinds in turn, each query once
        for kind, q in zip(pools, row):
            if q is not None and q not in asked:
                asked.add(q)
                pairs.append((kind, q))
    return pairs


def login(base: str, email: str) -> str:
    """Log in through the form; returns the Cookie header a browser would send."""
    import httpx

    client = httpx.Client(base_url=base, timeout=120)  # the first unfiltered list of a big vendor is slow
    token = CSRF.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": email, "password": PASSWORD}, headers={"x-csrftoken": token})
    assert client.get("/invoices/table", headers={"HX-Request": "true"}).status_code == 200, f"login failed: {email}"
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def load(port: int, cookie: str, pairs: list[tuple[str, str]], concurrency: int,
               seconds: float) -> tuple[dict[str, list[float]], int]:
    """Keep-alive clients each taking the next unasked query; latencies (s) by kind after a warm-up."""
    by_kind: dict[str, list[float]] = defaultdict(list)
    warm_until = time.perf_counter() + 2
    stop_at = warm_until + seconds
    turn = iter(range(10**12))

    def request(q: str) -> bytes:
        return (f"GET /invoices/table?q={quote(q)} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHX-Request: true\r\n"
                f"Cookie: {cookie}\r\n\r\n").encode()

    asked = 0

    async def worker() -> None:
        nonlocal asked
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while (now := time.perf_counter()) < stop_at:
            n = next(turn)
            kind, q = pairs[n % len(pairs)]
            await exchange(reader, writer, request(q))
            asked = max(asked, n + 1)
            if now >= warm_until:
                by_kind[kind].append(time.perf_counter() - now)
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return by_kind, asked


def rss_mb(pid: int) -> float:
    """Resident set size of a process, in MiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used (Linux): a figure other processes' load does not inflate."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p95_ms(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(.95 * len(ordered)))] * 1000


def measure(name: str, port: int, cookie: str, pairs: list[tuple[str, str]], args, pid: int) -> float:
    """One vendor's searches: a line for all of them and one per kind; returns the p95 in ms."""
    cpu = cpu_seconds(pid)
    by_kind, asked = asyncio.run(load(port, cookie, pairs, args.concurrency, args.seconds))
    cpu = cpu_seconds(pid) - cpu
    everything = [x for values in by_kind.values() for x in values]
    report(name, everything, args.seconds)
    for kind in sorted(by_kind):
        report(f"    {kind}", by_kind[kind], args.seconds)
    repeats = max(0, asked - len(pairs))
    print(f"    {asked:,} searches asked, {len(pairs):,} distinct" + (f" ({repeats:,} repeats: cached)" if repeats
                                                                     else " (none repeated: no cache hit)")
          + f"; app CPU {1000 * cpu / max(1, asked):.1f} ms a search", flush=True)
    return p95_ms(everything)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=500_000, help="invoices of the biggest vendor")
    parser.add_argument("--vendors", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--existing", metavar="DATABASE_URL",
                        help="measure a database an earlier run seeded (its sizes as given) instead of seeding")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="payport-bench-"))
    url, drop = (args.existing, lambda: None) if args.existing else fresh_database(data_dir)
    app_port, bare_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": url, "PAYPORT_DATA_DIR": str(data_dir), "PAYPORT_ENV": "test",
           "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789", "PORT": str(app_port),
           "APP_BASE_URL": f"http://127.0.0.1:{app_port}", "PICCOLO_CONF": "app.piccolo_conf",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH")]))}
    os.environ.update(env)
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    if args.existing:
        vendor_ids = asyncio.run(vendors_of(USERS))
        print(f"Measuring the invoices already in {kind} ({url})", flush=True)
    else:
        started = time.perf_counter()
        vendor_ids = asyncio.run(make_vendors(args.vendors))
        seed(url, vendor_ids, args.invoices, args.big)
        print(f"Seeded {args.invoices:,} invoices ({args.big:,} for the big vendor, {len(vendor_ids)} vendors, five "
              f"lines each) on {kind} in {time.perf_counter() - started:.0f}s", flush=True)
    app = start(["app.asgi:app_factory", "--factory"], env, app_port, "/healthz")
    bare = start(["bench.bare_app:app"], env, bare_port, "/partial")
    try:
        base = f"http://127.0.0.1:{app_port}"
        cookies = [login(base, email) for email in USERS]
        print(f"app idle RSS {rss_mb(app.pid):.0f} MiB; {args.concurrency} concurrent keep-alive connections, "
              f"{args.seconds:.0f}s each after 2s warm-up", flush=True)
        report("bare Litestar Jinja partial", *asyncio.run(
            plain_load(bare_port, "/partial", "", args.concurrency, args.seconds)))
        rng = random.Random(42)
        big = measure("search, big vendor", app_port, cookies[0], queries(vendor_ids[0], 30_000, rng), args,
                      app.pid)
        small = measure("search, small vendor", app_port, cookies[1], queries(vendor_ids[1], 30_000, rng),
                        args, app.pid)
        print(f"app RSS after the searches {rss_mb(app.pid):.0f} MiB; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        verdict(f"search p95 at {args.invoices:,} invoices, big vendor", round(big, 1), TARGET_MS, " ms")
        verdict(f"search p95 at {args.invoices:,} invoices, small vendor", round(small, 1), TARGET_MS, " ms")
    finally:
        for process in (app, bare):
            process.terminate()
            process.wait(timeout=15)
        drop()


if __name__ == "__main__":
    main()
