"""Webhook answer latency: signed Stripe events POSTed to a real uvicorn server; prints p50/p95/p99 and rate.

Each event is verified, recorded in the inbox and routed (Checkout events for sessions the app does not know, so
the work is the signature check plus one write transaction); every 4th is a redelivery. Stripe delivers to one
endpoint a few at a time, so the figures are given at 1, 4 and 20 requests in flight.
Run: .venv/bin/python bench/stripe_webhooks.py [events]   (DATABASE_URL=postgres://... for PostgreSQL)
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.stripe_gateway import sign_payload  # noqa: E402
from bench.rawhttp import exchange  # noqa: E402
from tests.e2e.conftest import server_env, start_server  # noqa: E402

SECRET = "whsec_bench_platform"


def _event(n: int) -> bytes:
    session = {
        "id": f"cs_test_bench{n}",
        "object": "checkout.session",
        "payment_status": "paid",
        "status": "complete",
        "amount_total": 1000,
        "currency": "usd",
        "metadata": {"payport_invoice_id": "1", "payport_vendor_id": "1"},
    }
    return json.dumps(
        {
            "id": f"evt_bench_{n}",
            "object": "event",
            "type": "checkout.session.completed",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": session},
        }
    ).encode()


async def _run(url: str, total: int, concurrency: int, offset: int = 0) -> list[float]:
    """Keep-alive connections posting prepared, signed requests (a light client, so the server is measured)."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    requests: asyncio.Queue[bytes] = asyncio.Queue()
    for n in range(total):
        body = _event(offset + (n if n % 4 else max(n - 1, 0)))
        requests.put_nowait(
            f"POST /webhooks/stripe HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Stripe-Signature: {sign_payload(body, SECRET)}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    timings: list[float] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while not requests.empty():
            request = requests.get_nowait()
            started = time.perf_counter()
            await exchange(reader, writer, request)
            timings.append((time.perf_counter() - started) * 1000)
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return timings


def main() -> None:
    """Start a server, send the events, print the figures."""
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    tempfile.tempdir = tempfile.mkdtemp(prefix="payport-bench-")
    env, drop = server_env("bench")
    env.update(STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_CONNECT_WEBHOOK_SECRET="whsec_bench_connect", LOG_LEVEL="warning")
    process = start_server(env)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    try:
        asyncio.run(_run(env["APP_BASE_URL"], 100, 4, offset=10**7))  # warm-up
        for round_, concurrency in enumerate((1, 4, 20), start=1):
            started = time.perf_counter()
            timings = asyncio.run(_run(env["APP_BASE_URL"], total, concurrency, offset=round_ * 10**6))
            elapsed = time.perf_counter() - started
            cuts = statistics.quantiles(timings, n=100)
            print(
                f"webhooks on {database}, {concurrency:>2} in flight: {total} events, {total / elapsed:.0f}/s; "
                f"ms p50 {cuts[49]:.1f} p95 {cuts[94]:.1f} p99 {cuts[98]:.1f} max {max(timings):.1f}"
            )
    finally:
        process.terminate()
        process.wait(timeout=15)
        drop()


if __name__ == "__main__":
    main()
