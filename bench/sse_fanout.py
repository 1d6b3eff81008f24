"""SSE fan-out: N open browsers of one vendor on one uvicorn process; change to event received, and memory.

    .venv/bin/python bench/sse_fanout.py [--streams 100 1000] [--rounds 30] [--trigger route|announce]

Starts the app (one worker, fresh database: SQLite, or PostgreSQL when DATABASE_URL says so), signs a
vendor up once and reuses its session cookie for every stream. Streams are raw asyncio sockets in this
process. For each stream count it prints the latency from the change to the event on every stream
(p50/p99/max over streams x rounds) and the server's memory per idle stream (RSS delta / streams).

The change is, with `--trigger route` (the default when the invoices feature is installed), a real
POST /invoices/<id>/mark-paid: the clock starts before the request is sent and includes its database
write and commit. With `--trigger announce` it is the call a route makes after its commit
(`app.live.announce.announce_invoice_changed`), fed to the server over stdin by bench/_announce_server.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import free_port, fresh_database_url  # noqa: E402

TARGET_P99_MS = 100
TARGET_KIB_PER_STREAM = 32


class StreamClient(asyncio.Protocol):
    """One browser's /events connection; notes when the awaited event arrives."""

    def __init__(self, request: bytes, bench: Bench) -> None:
        self.request, self.bench = request, bench
        self.tail = b""
        self.got: bytes | None = None
        self.greeted = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        seen = self.tail + data
        self.tail = seen[-64:]
        if not self.greeted.done():
            if b": connected" in seen:
                self.greeted.set_result(None)
            elif b" 200 " not in seen[:20] and seen.startswith(b"HTTP/1.1"):
                self.greeted.set_exception(RuntimeError(seen[:200].decode(errors="replace")))
        marker = self.bench.marker
        if marker and self.got != marker and marker in seen:
            self.got = marker
            self.bench.received(now)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.greeted.done():
            self.greeted.set_exception(ConnectionError(f"stream closed before greeting: {exc}"))


class Bench:
    """The server process, the vendor's session, and the open streams."""

    def __init__(self, url: str, process: subprocess.Popen, vendor: Vendor) -> None:
        self.url, self.process, self.vendor = url, process, vendor
        self.cookie, self.vendor_id = vendor.cookie, vendor.vendor_id
        self.port = int(url.rsplit(":", 1)[1])
        self.clients: list[StreamClient] = []
        self.marker: bytes | None = None
        self.times: list[float] = []
        self.all_received: asyncio.Future | None = None

    def request(self) -> bytes:
        return (f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAccept: text/event-stream\r\n"
                f"Cookie: {self.cookie}\r\n\r\n").encode()

    async def open_streams(self, count: int, batch: int = 50) -> None:
        loop = asyncio.get_running_loop()
        while len(self.clients) < count:
            group = []
            for _ in range(min(batch, count - len(self.clients))):
                _, client = await loop.create_connection(lambda: StreamClient(self.request(), self), "127.0.0.1",
                                                         self.port)
                group.append(client)
            await asyncio.gather(*(client.greeted for client in group))
            self.clients.extend(group)

    def close_streams(self, keep: int) -> None:
        for client in self.clients[keep:]:
            client.transport.close()
        del self.clients[keep:]

    def received(self, now: float) -> None:
        self.times.append(now)
        if len(self.times) == len(self.clients) and self.all_received and not self.all_received.done():
            self.all_received.set_result(None)

    async def round(self, invoice_id: int, route: bool) -> list[float]:
        """Make one change; the delay until each stream got its event, in ms."""
        self.marker = f"event: invoice-changed-{invoice_id}\r\n".encode()
        self.times = []
        self.all_received = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        if route:
            request = asyncio.create_task(self.vendor.mark_paid(invoice_id))
        else:
            self.process.stdin.write(f"{self.vendor_id} {invoice_id}\n".encode())
            self.process.stdin.flush()
        await asyncio.wait_for(self.all_received, 30)
        if route:
            response = await request
            assert response.is_success, response.text
        self.marker = None
        return [(at - started) * 1000 for at in self.times]

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")


def start_server() -> tuple[str, subprocess.Popen, callable, dict[str, str]]:
    data_dir = Path(tempfile.mkdtemp(prefix="payport-bench-"))
    database_url, drop = fresh_database_url(data_dir, "bench")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PAYPORT_ENV": "test", "PAYPORT_DATA_DIR": str(data_dir),
           "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789abcdef", "PORT": str(port),
           "APP_BASE_URL": f"http://127.0.0.1:{port}", "PICCOLO_CONF": "app.piccolo_conf"}
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    log = open(data_dir / "server.log", "wb")
    process = subprocess.Popen([sys.executable, os.environ.get("BENCH_SERVER_SCRIPT", str(ROOT / "bench" / "_announce_server.py")), str(port)],
                               env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return url, process, drop, env
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not start; see {data_dir / 'server.log'}")


class Vendor:
    """The bench's vendor: one logged-in session (cookie and CSRF token) reused by every stream."""

    def __init__(self, url: str) -> None:
        self.client = httpx.AsyncClient(base_url=url, timeout=30)
        self.email = f"bench-{os.getpid()}@example.com"
        self.cookie, self.csrf, self.vendor_id = "", "", 0

    async def sign_up(self) -> None:
        """Sign up through the form, as a browser would."""
        token = await self._csrf("/signup")
        response = await self.client.post("/signup", data={"business_name": "Bench Ltd", "email": self.email,
                                                           "password": "correct horse battery staple"},
                                          headers={"x-csrftoken": token})
        assert response.status_code in (302, 303), response.text
        mailbox = (await self.client.get("/outbox/accounts")).text  # the verification link signs in
        message = re.search(rf'href="(/outbox/accounts/\d+)">[^<]*</a> <span class="muted">to {re.escape(self.email)}<', mailbox)
        link = re.search(r'href="https?://[^/"]+(/verify-email/[^"]+)"', (await self.client.get(message.group(1))).text)
        await self.client.get(link.group(1))
        self.csrf = await self._csrf("/")
        self.cookie = "; ".join(f"{name}={value}" for name, value in self.client.cookies.items())
        from app.tables.vendors import User

        self.vendor_id = (await User.select(User.vendor).where(User.email == self.email).first())["vendor"]

    async def _csrf(self, path: str) -> str:
        page = await self.client.get(path)
        return re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)

    async def sent_invoices(self, count: int) -> list[int]:
        """Invoices ready to be marked paid, made through the services (setup, not measured)."""
        from app.services.customers import create_customer
        from app.services.invoices.editor import InvoiceDraft, check_draft, create_invoice
        from app.services.invoices.lifecycle import send_invoice

        customer = await create_customer(self.vendor_id, {"name": "Bench Customer", "email": "pay@bench.test",
                                                          "currency": "USD"})
        ids = []
        for _ in range(count):
            draft = InvoiceDraft(customer=str(customer.id), issue_date="2026-01-05", lines=[
                {"description": "Work", "quantity": "1", "unit_price": "100.00", "tax_rate": "0"}])
            invoice_id = await create_invoice(self.vendor_id, await check_draft(self.vendor_id, "UTC", draft))
            await send_invoice(self.vendor_id, invoice_id, "manual")
            ids.append(invoice_id)
        return ids

    async def mark_paid(self, invoice_id: int) -> httpx.Response:
        """What the Mark as paid dialog posts."""
        return await self.client.post(f"/invoices/{invoice_id}/mark-paid",
                                      data={"paid_on": "2026-01-10", "method": "bank_transfer", "reference": "B-1"},
                                      headers={"x-csrftoken": self.csrf, "hx-request": "true"})


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def measure(bench: Bench, counts: list[int], rounds: int, route: bool) -> list[dict]:
    invoice_ids = iter(await bench.vendor.sent_invoices(rounds * len(counts)) if route else range(1001, 10**6))
    await bench.open_streams(20)  # warm up: imports, caches, first allocations
    bench.close_streams(0)
    await asyncio.sleep(1)
    baseline = bench.rss_kib()
    results, previous = [], (0, baseline)
    for count in counts:
        await bench.open_streams(count)
        await asyncio.sleep(2)
        rss = bench.rss_kib()
        per_stream = (rss - baseline) / count
        # Streams added since the previous size: excludes one-off allocations made by the first streams.
        marginal = (rss - previous[1]) / (count - previous[0])
        previous = (count, rss)
        latencies, spreads = [], []
        for _ in range(rounds):
            delays = await bench.round(next(invoice_ids), route)
            latencies += delays
            spreads.append(max(delays) - min(delays))
            await asyncio.sleep(0.05)
        results.append({"streams": count, "events": len(latencies), "p50": percentile(latencies, .5),
                         "p99": percentile(latencies, .99), "max": max(latencies),
                         "mean": statistics.fmean(latencies), "kib": per_stream,
                        "spread": statistics.median(spreads), "spread_max": max(spreads),
                        "marginal": marginal})
    return results


def report(results: list[dict], database: str, trigger: str) -> None:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nSSE fan-out, one uvicorn worker, {database}, {os.cpu_count()} cores (load average {load}); "
          f"{trigger} -> event on every stream")
    print(f"{'streams':>8} {'events':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'fan-out ms':>11} "
          f"{'KiB/stream':>11} {'marginal':>9}")
    for row in results:
        print(f"{row['streams']:>8} {row['events']:>8} {row['p50']:>8.1f} {row['p99']:>8.1f} {row['max']:>8.1f}"
              f" {row['spread']:>5.1f}/{row['spread_max']:<5.1f} {row['kib']:>11.1f} {row['marginal']:>9.1f}")
    print("p50/p99/max: change -> event, over every stream of every round; fan-out: first to last stream of a round,"
          " median/max\nKiB/stream: server RSS delta / idle streams; marginal: the same for the streams added since"
          " the row above")
    last = results[-1]
    ok_latency = last["p99"] <= TARGET_P99_MS
    ok_memory = last["kib"] <= TARGET_KIB_PER_STREAM
    print(f"targets at {last['streams']} streams: p99 <= {TARGET_P99_MS} ms: {'met' if ok_latency else 'MISSED'}; "
          f"<= {TARGET_KIB_PER_STREAM} KiB per idle stream: {'met' if ok_memory else 'MISSED'}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--trigger", choices=["route", "announce"], default="route")
    args = parser.parse_args()
    url, process, drop, env = start_server()
    # This process reads the vendor id from the same database.
    os.environ.update({name: env[name] for name in ("DATABASE_URL", "PAYPORT_DATA_DIR", "SECRET_KEY", "PICCOLO_CONF")})
    try:
        vendor = Vendor(url)
        await vendor.sign_up()
        bench = Bench(url, process, vendor)
        route = args.trigger == "route"
        results = await measure(bench, sorted(args.streams), args.rounds, route)
        bench.close_streams(0)
        trigger = "POST /invoices/<id>/mark-paid" if route else "announce_invoice_changed()"
        report(results, "PostgreSQL" if os.environ["DATABASE_URL"].startswith("postgres") else "SQLite", trigger)
    finally:
        process.stdin.close()
        process.terminate()
        process.wait(timeout=15)
        drop()


if __name__ == "__main__":
    import uvloop

    # The clients share the 2 cores with the server: the cheaper their loop, the less they skew the figures.
    uvloop.run(main())
