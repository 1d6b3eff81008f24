"""Webhook ingestion: signed Stripe events POSTed to the app as deployed (`payport serve`); rate, ack latency, dups.

    .venv/bin/python bench/stripe_webhooks.py [events] [--workers N]   (DATABASE_URL=postgres://... for PostgreSQL)

Each event is verified, recorded in the inbox and routed. Every 20th distinct event completes the Checkout of a
seeded invoice (a payment recorded, the invoice settled, its timeline written); the others are Checkout events for
sessions the app does not know (the signature check plus the write). Every 4th request is a redelivery of the one
before. Stripe delivers to one endpoint a few at a time, so the figures are given at 1, 4 and 20 requests in
flight; the targets (issue 20, target 4) are judged at 20. One worker on SQLite, two on PostgreSQL by default.
After the run the bench counts inbox rows and payments: each event must be recorded once and each invoice paid once;
"database is locked" in the server's log and any answer other than 200 count against it too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import suppress
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app.services.clock import utcnow  # noqa: E402
from app.settings import get_settings  # noqa: E402
from app.stripe_gateway import sign_payload  # noqa: E402
from app.tables.invoices import Invoice  # noqa: E402
from app.tables.payments import CheckoutAttempt, Payment, WebhookInbox  # noqa: E402
from tests import factories  # noqa: E402
from bench.rawhttp import exchange  # noqa: E402
from bench.verdict import engine, verdict  # noqa: E402
from tests.e2e.conftest import server_env  # noqa: E402
from tests.servers import start_process  # noqa: E402

SECRET = "whsec_bench_platform"
PAY_EVERY = 20  # every 20th distinct event pays a seeded invoice
AMOUNT = 1000
TARGET_RATE = {"sqlite": 800, "postgres": 2000}
TARGET_P99_MS = 50
ROUNDS = (1, 4, 20)  # requests in flight
ROUND_OFFSET = 10**6  # event numbers of round r start at r * ROUND_OFFSET (0 is the warm-up)


def _event(n: int, paid: dict[int, tuple[int, int]]) -> bytes:
    """Event number n: for a seeded invoice when n is one of `paid` (n -> (invoice, vendor)), else unknown."""
    invoice, vendor = paid.get(n, (1, 1))
    session = {
        "id": f"cs_test_pay{n}" if n in paid else f"cs_test_bench{n}",
        "object": "checkout.session",
        "payment_status": "paid",
        "status": "complete",
        "amount_total": AMOUNT,
        "currency": "usd",
        "payment_intent": f"pi_bench_{n}",
        "metadata": {"payport_invoice_id": str(invoice), "payport_vendor_id": str(vendor)},
    }
    return json.dumps({"id": f"evt_bench_{n}", "object": "event", "type": "checkout.session.completed",
                       "created": int(time.time()), "livemode": False, "data": {"object": session}}).encode()


def _numbers(total: int, offset: int) -> list[int]:
    """The event number of each request: every 4th repeats the one before (Stripe redelivering)."""
    return [offset + (n if n % 4 else max(n - 1, 0)) for n in range(total)]


def _paying(total: int, offset: int, every: int) -> list[int]:
    return sorted({n for n in _numbers(total, offset) if every and n % every == 1})


async def _seed(numbers: list[int]) -> dict[int, tuple[int, int]]:
    """A vendor, a customer, and for each event number an invoice with an open Checkout attempt on the platform."""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    await factories.vendor("Bench Webhooks", email)
    vendor_id = await factories.owner_vendor_id(email)
    customer = await factories.insert_customer(vendor_id, "Pat Customer", "pat@example.com")
    invoices = [Invoice(vendor=vendor_id, customer=customer.id, status="sent", currency="USD", number=f"WH-{n}",
                        issue_date=date(2026, 11, 1), due_date=date(2026, 12, 1), sent_method="manual",
                        subtotal=AMOUNT, tax_total=0, total=AMOUNT, amount_due=AMOUNT) for n in numbers]
    if not invoices:
        return {}
    ids = [row["id"] for row in await Invoice.insert(*invoices).returning(Invoice.id)]
    expires = utcnow() + timedelta(days=1)
    await CheckoutAttempt.insert(*(CheckoutAttempt(
        vendor=vendor_id, invoice=invoice_id, status="open", stripe_account="", session_id=f"cs_test_pay{n}",
        amount=AMOUNT, currency="USD", idempotency_key=f"bench-{n}", expires_at=expires)
        for n, invoice_id in zip(numbers, ids)))
    return {n: (invoice_id, vendor_id) for n, invoice_id in zip(numbers, ids)}


async def _count(sent: int) -> dict[str, int]:
    """What the database holds after the run."""
    per_invoice = await Payment.raw("SELECT invoice, COUNT(*) AS n FROM payment GROUP BY invoice HAVING COUNT(*) > 1")
    return {"inbox": await WebhookInbox.count(), "payments": await Payment.count(), "paid_twice": len(per_invoice),
            "sent": sent}


async def _run(url: str, numbers: list[int], paid: dict[int, tuple[int, int]],
               concurrency: int) -> tuple[list[float], int]:
    """Keep-alive connections posting prepared, signed requests (a light client, so the server is measured)."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    requests: asyncio.Queue[bytes] = asyncio.Queue()
    for n in numbers:
        body = _event(n, paid)
        requests.put_nowait(
            f"POST /webhooks/stripe HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Stripe-Signature: {sign_payload(body, SECRET)}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    timings: list[float] = []
    failures = 0

    async def worker() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, port)
        while not requests.empty():
            request = requests.get_nowait()
            started = time.perf_counter()
            try:
                await exchange(reader, writer, request)
            except (RuntimeError, asyncio.IncompleteReadError, ConnectionError):
                failures += 1  # an answer other than 200 (Stripe would retry): a fresh connection goes on
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
            timings.append((time.perf_counter() - started) * 1000)
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return timings, failures


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def _tree(pid: int) -> list[int]:
    """The server and its worker processes."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return [pid, *children]


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time the server processes used so far: on a shared machine, cost per event says more than the rate."""
    ticks = 0
    for pid in pids:
        with suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0])
    return total / 1024


def _start(env: dict[str, str], workers: int) -> subprocess.Popen:
    """The app the way it is deployed: `payport serve` (uvicorn, `workers` processes)."""
    return start_process([sys.executable, "-m", "app.cli", "serve", "--workers", str(workers), "--port", env["PORT"]],
                         f"{env['APP_BASE_URL']}/healthz", env=env, log=Path(env["PAYPORT_DATA_DIR"]) / "server.log")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", type=int, nargs="?", default=2000, help="requests per round")
    parser.add_argument("--workers", type=int, default=None, help="app processes (default: 1 SQLite, 2 PostgreSQL)")
    parser.add_argument("--pay-every", type=int, default=PAY_EVERY, help="every Nth distinct event pays (0: none)")
    args = parser.parse_args()
    kind = engine()
    workers = args.workers or (2 if kind == "postgres" else 1)
    tempfile.tempdir = tempfile.mkdtemp(prefix="payport-bench-")
    env, drop = server_env("bench")
    # The mail worker's receipts (a PDF each) are work after the payment, measured by the PDF bench, not here.
    env.update(STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_CONNECT_WEBHOOK_SECRET="whsec_bench_connect", LOG_LEVEL="warning",
               PAYPORT_MAIL_WORKER="0")
    # This process seeds and counts in the same database.
    os.environ.update({name: env[name] for name in ("DATABASE_URL", "PAYPORT_DATA_DIR", "SECRET_KEY", "PICCOLO_CONF")})
    get_settings.cache_clear()
    rounds = [(0, 100, 4)] + [(r, args.events, c) for r, c in enumerate(ROUNDS, start=1)]  # (round, events, in flight)
    paid = asyncio.run(_seed([n for r, total, _ in rounds for n in _paying(total, r * ROUND_OFFSET, args.pay_every)]))
    process = _start(env, workers)
    sent, failures, at_20 = set(), 0, None
    try:
        pids = _tree(process.pid)
        print(f"webhooks on {kind}, {workers} worker(s); {len(paid)} invoices to be paid; load average {_load()}; "
              f"server RSS idle {_rss_mib(pids):.0f} MiB", flush=True)
        for round_, total, concurrency in rounds:
            numbers = _numbers(total, round_ * ROUND_OFFSET)
            sent.update(numbers)
            started, cpu = time.perf_counter(), _cpu_seconds(pids)
            timings, failed = asyncio.run(_run(env["APP_BASE_URL"], numbers, paid, concurrency))
            elapsed, cpu = time.perf_counter() - started, _cpu_seconds(pids) - cpu
            failures += failed
            if round_ == 0:
                continue  # warm-up: connections, pools, caches
            cuts = statistics.quantiles(timings, n=100)
            print(f"webhooks on {kind}, {concurrency:>2} in flight: {total} events, {total / elapsed:.0f}/s; "
                  f"ms p50 {cuts[49]:.1f} p95 {cuts[94]:.1f} p99 {cuts[98]:.1f} max {max(timings):.1f}; "
                  f"{failed} not 200; server CPU {cpu / total * 1000:.2f} ms/event; RSS {_rss_mib(pids):.0f} MiB; "
                  f"load average {_load()}", flush=True)
            at_20 = (total / elapsed, cuts[98])
    finally:
        process.terminate()
        process.wait(timeout=15)
    counts = asyncio.run(_count(len(sent)))
    drop()
    locked = (Path(env["PAYPORT_DATA_DIR"]) / "server.log").read_text(errors="replace").count("database is locked")
    print(f"after the run: {counts['sent']} distinct events sent, {counts['inbox']} inbox rows; {len(paid)} invoices "
          f"paid by events, {counts['payments']} payments; {failures} answers not 200; "
          f"'database is locked' {locked} times in the server log", flush=True)
    met = [
        verdict(f"webhooks events/s at 20 in flight ({workers} worker(s))", at_20[0], TARGET_RATE[kind], "/s",
                at_least=True),
        verdict("webhooks ack p99 at 20 in flight", at_20[1], TARGET_P99_MS, " ms"),
        verdict("webhooks inbox rows missing or duplicated", abs(counts["inbox"] - counts["sent"]), 0, ""),
        verdict("webhooks payments missing or duplicated",
                abs(counts["payments"] - len(paid)) + counts["paid_twice"], 0, ""),
        verdict("webhooks 'database is locked' in the log", locked, 0, ""),
        verdict("webhooks answers other than 200", failures, 0, ""),
    ]
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
