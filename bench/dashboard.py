"""Dashboard latency at 100,000 invoices: seed one vendor in bulk, serve with uvicorn, hit the partials concurrently.

    .venv/bin/python bench/dashboard.py                        # SQLite in a temp folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/dashboard.py

Prints p50/p95/max latency per dashboard partial and overall at 1, 5 and 10 concurrent clients, beside two floors
measured in the same run (an authenticated page and /healthz), and throughput. Target: p95 <= 50 ms.

The partials are what live updates re-fetch: each is rendered once per data version (services/vendor_data.py),
so these rounds, with nothing changing, mostly measure cache hits. The full page `/` is read afresh on every
load (every aggregate queried): its line is the uncached cost.
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
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dashboard_seed import seed, vendor_id_of  # noqa: E402
from tests.support import free_port, fresh_database_url  # noqa: E402

PARTIALS = (
    "/dashboard/figures", "/dashboard/ageing", "/dashboard/paid-per-month",
    "/dashboard/attention", "/dashboard/activity",
)
# Floors measured in the same run: an authenticated page (session + user + a small query) and no auth at all.
BASELINES = ("/settings", "/healthz")
FRESH = "/"  # the whole dashboard, every aggregate read afresh
PASSWORD = "correct horse battery staple"


def start(env: dict[str, str]) -> subprocess.Popen:
    """Migrate, then run one uvicorn worker and wait for /healthz."""
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.asgi:app_factory", "--factory", "--host", "127.0.0.1",
         "--port", env["PORT"], "--log-level", "warning", "--no-access-log"],
        env=env, cwd=ROOT,
    )
    for _ in range(300):
        try:
            if httpx.get(f"{env['APP_BASE_URL']}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("server did not start")


def sign_up(base_url: str) -> tuple[str, dict[str, str]]:
    """A new vendor through the sign-up form; returns its email and session cookies."""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=base_url) as client:
        token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/signup").text).group(1)
        response = client.post("/signup", data={"business_name": "Bench Co", "email": email, "password": PASSWORD},
                               headers={"x-csrftoken": token})
        assert response.status_code in (200, 302, 303), response.text
        mailbox = client.get("/outbox/accounts").text  # the verification link signs in
        message = re.search(rf'href="(/outbox/accounts/\d+)">[^<]*</a> <span class="muted">to {re.escape(email)}<', mailbox)
        link = re.search(r'href="https?://[^/"]+(/verify-email/[^"]+)"', client.get(message.group(1)).text)
        client.get(link.group(1))
        return email, dict(client.cookies)


async def worker(client: httpx.AsyncClient, urls: list[str], timings: dict[str, list[float]]) -> None:
    """Request each URL in turn, recording latency in milliseconds."""
    for url in urls:
        started = time.perf_counter()
        response = await client.get(url, headers={"hx-request": "true"})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        timings[url].append(elapsed)


async def load(base_url: str, cookies: dict[str, str], concurrency: int, rounds: int) -> tuple[dict, float]:
    """`concurrency` clients, each requesting every partial `rounds` times."""
    timings: dict[str, list[float]] = {url: [] for url in (*PARTIALS, *BASELINES, FRESH)}
    async with httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=30) as warm:
        for url in PARTIALS:
            await warm.get(url)
    clients = [httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=30) for _ in range(concurrency)]
    started = time.perf_counter()
    await asyncio.gather(*(worker(c, list(PARTIALS) * rounds, timings) for c in clients))
    wall = time.perf_counter() - started
    for baseline in BASELINES:
        await asyncio.gather(*(worker(c, [baseline] * rounds, timings) for c in clients))
    await asyncio.gather(*(worker(c, [FRESH] * max(1, rounds // 4), timings) for c in clients))
    for c in clients:
        await c.aclose()
    return timings, wall


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of the values."""
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def report(timings: dict[str, list[float]], wall: float, concurrency: int) -> None:
    """Print latency per partial and overall."""
    print(f"\n{'partial':<28}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    everything = []
    for url in PARTIALS:
        values = timings[url]
        everything += values
        print(f"{url:<28}{len(values):>6}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}{max(values):>9.1f}")
    print(f"{'all partials':<28}{len(everything):>6}{pct(everything, 50):>9.1f}{pct(everything, 95):>9.1f}"
          f"{max(everything):>9.1f}")
    for baseline in BASELINES:
        base = timings[baseline]
        print(f"{'floor ' + baseline:<28}{len(base):>6}{pct(base, 50):>9.1f}{pct(base, 95):>9.1f}{max(base):>9.1f}")
    fresh = timings[FRESH]
    print(f"{'full page / (uncached)':<28}{len(fresh):>6}{pct(fresh, 50):>9.1f}{pct(fresh, 95):>9.1f}{max(fresh):>9.1f}")
    print(f"{concurrency} concurrent client(s): {len(everything) / wall:.0f} partials/s; "
          f"dashboard partials p95 {pct(everything, 95):.1f} ms, target <= 50 ms: "
          f"{'met' if pct(everything, 95) <= 50 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    # One open dashboard refreshes its five partials at once on each change: 5 is one tab's burst.
    parser.add_argument("--concurrency", default="1,5,10", help="comma-separated levels, e.g. 1,5,10")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="payport-bench-"))
    url, drop = fresh_database_url(data_dir, "bench")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PAYPORT_ENV": "test", "PAYPORT_DATA_DIR": str(data_dir),
           "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789", "PORT": str(port),
           "APP_BASE_URL": f"http://127.0.0.1:{port}", "PICCOLO_CONF": "app.piccolo_conf"}
    server = start(env)
    try:
        email, cookies = sign_up(env["APP_BASE_URL"])
        started = time.perf_counter()
        seeded = seed(url, vendor_id_of(url, email), args.invoices, datetime.now(timezone.utc), span_days=5 * 365,
                      customers=2_000)
        print(f"{'PostgreSQL' if 'postgres' in url else 'SQLite'}: seeded {seeded.invoices:,} invoices, "
              f"{seeded.activities:,} activity rows in {time.perf_counter() - started:.1f}s; {seeded.statuses}")
        for level in (int(n) for n in args.concurrency.split(",")):
            timings, wall = asyncio.run(load(env["APP_BASE_URL"], cookies, level, args.rounds))
            report(timings, wall, level)
    finally:
        server.terminate()
        server.wait(timeout=15)
        drop()


if __name__ == "__main__":
    main()
