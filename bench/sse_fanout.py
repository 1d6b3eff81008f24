"""SSE fan-out: open browsers of one vendor on one (or two) uvicorn processes; change to event, memory, churn.

    .venv/bin/python bench/sse_fanout.py [--streams 1000 5000] [--rounds 20] [--trigger route|announce]
        [--processes 2 --per-process 2500] [--churn-seconds 600] [--no-bare]

Starts the app (uvloop, as `payport serve` runs it; fresh database: SQLite, or PostgreSQL when DATABASE_URL
says so), signs a vendor up once and reuses its session cookie for every stream. Streams are raw sockets in
this process. For each stream count it prints the latency from the change to the event on every stream
(p50/p99/max over streams x rounds), the server's memory per idle stream (RSS delta / streams), and the
app's RSS idle and under load. Beside it, the same figures for a bare Litestar app (bench/bare_sse.py: the
framework's ChannelsPlugin and ServerSentEvent) at the smallest stream count.

The change is, with `--trigger route` (the default), a real POST /invoices/<id>/mark-paid: the clock starts
before the request is sent and includes its database write and commit. With `--trigger announce` it is the
call a route makes after its commit (`announce_invoice_changed`), fed to the server over stdin.

`--processes 2` (PostgreSQL only): two app processes on one database, `--per-process` streams on each; the
change is made through the first, every stream of both must get it (LISTEN/NOTIFY).
`--churn-seconds N`: for N seconds streams connect and disconnect in waves (each wave gets one event), the
app's RSS sampled; it must not grow (last minute against the second), and no stream may stay registered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
sys.path.insert(0, str(ROOT / "src"))

from bench.verdict import engine, verdict  # noqa: E402
from tests.support import free_port, fresh_database_url  # noqa: E402

TARGET_P99_MS = {1000: 60, 5000: 300}  # one process
TARGET_TWO_PROCESSES_P99_MS = 300
TARGET_KIB_PER_STREAM = 16
TARGET_CHURN_GROWTH_PCT = 5
TARGET_CHURN_GROWTH_MIB = 4  # a few MiB of allocator noise are not a leak, whatever the percentage


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


class Server:
    """One app process under uvicorn (bench/_announce_server.py) on a given database."""

    def __init__(self, env: dict[str, str], data_dir: Path, script: str = "_announce_server.py") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "PORT": str(self.port), "APP_BASE_URL": self.url}
        log = open(data_dir / f"server-{self.port}.log", "wb")
        args = [sys.executable, str(ROOT / "bench" / script), str(self.port)]
        if script == "bare_sse.py":
            args = [sys.executable, "-c", "import sys, uvicorn; sys.path.insert(0, 'bench'); "
                    f"uvicorn.run('bare_sse:app', port={self.port}, log_level='warning', backlog=4096, timeout_graceful_shutdown=2)"]
        self.process = subprocess.Popen(args, env=self.env, cwd=ROOT, stdin=subprocess.PIPE, stdout=log,
                                        stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start; see {data_dir}")

    def command(self, line: str) -> None:
        self.process.stdin.write(f"{line}\n".encode())
        self.process.stdin.flush()

    async def stats(self) -> dict[str, int]:
        """The live registry's size inside the server (streams, vendor channels, writers alive, tasks)."""
        path = Path(tempfile.mktemp(prefix="payport-stats-"))
        self.command(f"stats {path}")
        for _ in range(100):
            await asyncio.sleep(0.05)
            if path.exists() and path.stat().st_size:
                return json.loads(path.read_text())
        raise RuntimeError("no stats from the server")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def app_env() -> tuple[dict[str, str], Path, callable]:
    data_dir = Path(tempfile.mkdtemp(prefix="payport-bench-"))
    database_url, drop = fresh_database_url(data_dir, "bench")
    env = {**os.environ, "DATABASE_URL": database_url, "PAYPORT_ENV": "test", "PAYPORT_DATA_DIR": str(data_dir),
           "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789abcdef", "PICCOLO_CONF": "app.piccolo_conf",
           "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    # This process reads and writes the same database (setup: the vendor's id, its invoices).
    os.environ.update({name: env[name] for name in ("DATABASE_URL", "PAYPORT_DATA_DIR", "SECRET_KEY", "PICCOLO_CONF")})
    return env, data_dir, drop


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

    async def sent_invoices(self, count: int, lines: int = 1) -> list[int]:
        """Invoices ready to be marked paid, made through the services (setup, not measured)."""
        from app.services.customers import create_customer
        from app.services.invoices.editor import InvoiceDraft, check_draft, create_invoice
        from app.services.invoices.lifecycle import send_invoice

        customer = await create_customer(self.vendor_id, {"name": "Bench Customer", "email": "pay@bench.test",
                                                          "currency": "USD"})
        ids = []
        for _ in range(count):
            draft = InvoiceDraft(customer=str(customer.id), issue_date="2026-01-05", lines=[
                {"description": f"Work, part {n + 1}", "quantity": "1", "unit_price": "100.00", "tax_rate": "0"}
                for n in range(lines)])
            invoice_id = await create_invoice(self.vendor_id, await check_draft(self.vendor_id, "UTC", draft))
            await send_invoice(self.vendor_id, invoice_id, "manual")
            ids.append(invoice_id)
        return ids

    async def mark_paid(self, invoice_id: int) -> httpx.Response:
        """What the Mark as paid dialog posts."""
        return await self.client.post(f"/invoices/{invoice_id}/mark-paid",
                                      data={"paid_on": "2026-01-10", "method": "bank_transfer", "reference": "B-1"},
                                      headers={"x-csrftoken": self.csrf, "hx-request": "true"})


class Bench:
    """The open streams (spread over one or more servers) and the rounds of changes made to them."""

    def __init__(self, servers: list[Server], cookie: str = "", path: str = "/events") -> None:
        self.servers, self.cookie, self.path = servers, cookie, path
        self.clients: list[StreamClient] = []
        self.marker: bytes | None = None
        self.times: list[float] = []
        self.all_received: asyncio.Future | None = None

    def request(self, server: Server) -> bytes:
        return (f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAccept: text/event-stream\r\n"
                f"Cookie: {self.cookie}\r\n\r\n").encode()

    async def open_streams(self, count: int, batch: int = 50) -> None:
        """Up to `count` open streams, spread evenly over the servers."""
        loop = asyncio.get_running_loop()
        while len(self.clients) < count:
            group = []
            for _ in range(min(batch, count - len(self.clients) - len(group))):
                server = self.servers[(len(self.clients) + len(group)) % len(self.servers)]
                _, client = await loop.create_connection(lambda: StreamClient(self.request(server), self),
                                                         "127.0.0.1", server.port)
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

    async def round(self, marker: str, change) -> list[float]:
        """Make one change (`change()` starts it); the delay until each stream got its event, in ms."""
        self.marker = marker.encode()
        self.times = []
        self.all_received = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        request = change()
        await asyncio.wait_for(self.all_received, 60)
        if request is not None:
            response = await request
            assert response.is_success, response.text
        self.marker = None
        return [(at - started) * 1000 for at in self.times]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Changes:
    """The next change to make: a route's mark-paid (invoices made beforehand) or an announcement over stdin."""

    def __init__(self, vendor: Vendor | None, server: Server, route: bool) -> None:
        self.vendor, self.server, self.route = vendor, server, route
        self.invoice_ids: list[int] = []
        self.next_id = 10**6
        self.http = httpx.AsyncClient(timeout=30)

    async def prepare(self, count: int) -> None:
        if self.route and self.vendor is not None:
            self.invoice_ids = await self.vendor.sent_invoices(count)

    def make(self) -> tuple[str, callable]:
        if self.vendor is None:  # the bare app: a POST that publishes the marker
            self.next_id += 1
            name = f"bare-{self.next_id}"
            return f"event: {name}\r\n", lambda: asyncio.ensure_future(
                self.http.post(f"{self.server.url}/publish", content=name.encode()))
        if self.route and self.invoice_ids:
            invoice_id = self.invoice_ids.pop()
            return f"event: invoice-changed-{invoice_id}\r\n", lambda: asyncio.ensure_future(
                self.vendor.mark_paid(invoice_id))
        self.next_id += 1
        invoice_id = self.next_id
        return (f"event: invoice-changed-{invoice_id}\r\n",
                lambda: self.server.command(f"{self.vendor.vendor_id} {invoice_id}"))


async def measure(bench: Bench, changes: Changes, counts: list[int], rounds: int) -> tuple[list[dict], dict]:
    await changes.prepare(rounds * len(counts) + 5)
    await bench.open_streams(20)  # warm up: imports, caches, first allocations
    for _ in range(3):
        await bench.round(*changes.make())
    bench.close_streams(0)
    await asyncio.sleep(1)
    rss = {"idle": sum(server.rss_kib() for server in bench.servers)}
    baseline = rss["idle"]
    results = []
    for count in counts:
        await bench.open_streams(count)
        await asyncio.sleep(2)
        idle_rss = sum(server.rss_kib() for server in bench.servers)
        latencies, spreads = [], []
        for _ in range(rounds):
            delays = await bench.round(*changes.make())
            latencies += delays
            spreads.append(max(delays) - min(delays))
            await asyncio.sleep(0.05)
        rss[count] = sum(server.rss_kib() for server in bench.servers)
        results.append({"streams": count, "events": len(latencies), "p50": percentile(latencies, .5),
                        "p99": percentile(latencies, .99), "max": max(latencies),
                        "kib": (idle_rss - baseline) / count, "spread": statistics.median(spreads),
                        "spread_max": max(spreads)})
    bench.close_streams(0)
    return results, rss


def print_rows(title: str, results: list[dict]) -> None:
    print(f"\n{title}")
    print(f"{'streams':>8} {'events':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'fan-out ms':>11} {'KiB/stream':>11}")
    for row in results:
        print(f"{row['streams']:>8} {row['events']:>8} {row['p50']:>8.1f} {row['p99']:>8.1f} {row['max']:>8.1f}"
              f" {row['spread']:>5.1f}/{row['spread_max']:<5.1f} {row['kib']:>11.1f}")


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


async def bare_baseline(streams: int, rounds: int) -> list[dict]:
    """The same measure against the bare Litestar SSE app (no database, session or middleware)."""
    data_dir = Path(tempfile.mkdtemp(prefix="payport-bench-bare-"))
    server = Server(dict(os.environ), data_dir, script="bare_sse.py")
    try:
        bench = Bench([server])
        results, _ = await measure(bench, Changes(None, server, route=False), [streams], rounds)
        return results
    finally:
        server.stop()


async def churn(servers: list[Server], cookie: str, changes: Changes, seconds: float) -> None:
    """Waves of streams connecting, getting one event, leaving; RSS sampled; then the registry must be empty."""
    server = servers[0]
    bench = Bench(servers, cookie)
    started, samples, waves = time.monotonic(), [], 0
    sampled_at = 0.0
    while (elapsed := time.monotonic() - started) < seconds:
        await bench.open_streams(200 + 100 * (waves % 3))
        await bench.round(*changes.make())
        bench.close_streams(0)
        waves += 1
        await asyncio.sleep(0.2)
        if elapsed - sampled_at >= 5:
            samples.append((elapsed, server.rss_kib()))
            sampled_at = elapsed
    await asyncio.sleep(2)  # the server notices the last browsers left on its next read
    stats = await server.stats()
    window = 60 if seconds >= 180 else seconds / 5
    early = [rss for at, rss in samples if window <= at < 2 * window] or [samples[0][1]]
    late = [rss for at, rss in samples if at >= seconds - window] or [samples[-1][1]]
    early_mib, late_mib = statistics.median(early) / 1024, statistics.median(late) / 1024
    growth_mib = late_mib - early_mib
    print(f"\nchurn: {waves} waves of 200-400 streams in {seconds:.0f} s, one event each (load average {load()})")
    print("RSS MiB every ~30 s: " + " ".join(f"{rss / 1024:.0f}" for _, rss in samples[::6]))
    print(f"RSS median {early_mib:.1f} MiB in the window at {window:.0f}-{2 * window:.0f} s, {late_mib:.1f} MiB in the "
          f"last {window:.0f} s ({growth_mib:+.1f} MiB); registry after: {stats}")
    bound = max(TARGET_CHURN_GROWTH_PCT / 100 * early_mib, TARGET_CHURN_GROWTH_MIB)
    verdict(f"live RSS growth over a {seconds / 60:.0f}-minute stream churn", round(max(growth_mib, 0), 1),
            round(bound, 1), " MiB")
    verdict("live streams still registered after the churn", stats["streams"] + stats["channels"]
            + stats["writers_alive"], 0, "")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--trigger", choices=["route", "announce"], default="route")
    parser.add_argument("--processes", type=int, default=1, choices=[1, 2])
    parser.add_argument("--per-process", type=int, default=2500)
    parser.add_argument("--churn-seconds", type=float, default=0)
    parser.add_argument("--no-bare", action="store_true", help="skip the bare Litestar baseline")
    args = parser.parse_args()
    if args.processes == 2 and engine() != "postgres":
        print("two processes share live updates only on PostgreSQL (LISTEN/NOTIFY): run with DATABASE_URL=postgres://")
        return
    counts = [args.per_process * 2] if args.processes == 2 else sorted(args.streams)
    bare = [] if args.no_bare or args.churn_seconds else await bare_baseline(min(counts), args.rounds)
    env, data_dir, drop = app_env()
    servers = [Server(env, data_dir) for _ in range(args.processes)]
    try:
        vendor = Vendor(servers[0].url)
        await vendor.sign_up()
        changes = Changes(vendor, servers[0], route=args.trigger == "route")
        if args.churn_seconds:
            await changes.prepare(300)  # then announcements: the churn measures memory, not the route
            print(f"app idle RSS {servers[0].rss_kib() / 1024:.1f} MiB")
            await churn(servers, vendor.cookie, changes, args.churn_seconds)
            return
        results, rss = await measure(Bench(servers, vendor.cookie), changes, counts, args.rounds)
        report(args, results, rss, bare)
    finally:
        for server in servers:
            server.stop()
        drop()


def report(args: argparse.Namespace, results: list[dict], rss: dict, bare: list[dict]) -> None:
    database = "PostgreSQL" if engine() == "postgres" else "SQLite"
    trigger = "POST /invoices/<id>/mark-paid" if args.trigger == "route" else "announce_invoice_changed()"
    where = f"{args.processes} uvicorn processes" if args.processes == 2 else "one uvicorn process"
    print_rows(f"SSE fan-out, {where}, {database}, {os.cpu_count()} cores (load average {load()}); {trigger} -> "
               "event on every stream", results)
    if bare:
        print_rows("bare Litestar (ChannelsPlugin + ServerSentEvent, no database/session/middleware), "
                   "POST /publish -> event", bare)
    print("p50/p99/max: change -> event, over every stream of every round; fan-out: first to last stream of a "
          "round, median/max; KiB/stream: server RSS delta / idle streams")
    print(f"app RSS: idle {rss['idle'] / 1024:.1f} MiB; " + "; ".join(
        f"with {count} streams after the rounds {kib / 1024:.1f} MiB" for count, kib in rss.items() if count != "idle"))
    if args.processes == 2:
        verdict(f"live p99, 2 processes x {args.per_process} streams", round(results[0]["p99"], 1),
                TARGET_TWO_PROCESSES_P99_MS, " ms")
        return
    for row in results:
        if row["streams"] in TARGET_P99_MS:
            verdict(f"live p99, {row['streams']} streams, one process", round(row["p99"], 1),
                    TARGET_P99_MS[row["streams"]], " ms")
    verdict(f"live KiB per idle stream ({results[-1]['streams']} streams)", round(results[-1]["kib"], 1),
            TARGET_KIB_PER_STREAM, " KiB")


if __name__ == "__main__":
    import uvloop

    # The clients share the 2 cores with the server: the cheaper their loop, the less they skew the figures.
    uvloop.run(main())
