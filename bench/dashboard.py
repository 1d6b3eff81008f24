"""Dashboard latency at 1,000,000 invoices (100 vendors, the measured one with 500,000) beside the bare framework.

    .venv/bin/python bench/dashboard.py                        # SQLite in a temp folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/dashboard.py
    .venv/bin/python bench/dashboard.py --invoices 100000      # a quicker look

Targets (issue 20, 5): the dashboard partials p95 <= 30 ms at 10 concurrent clients, and the full page `/`, read
afresh on every load (every aggregate queried), p95 <= 150 ms at one client. The partials are what live updates
re-fetch: each is rendered once per data version (services/vendor_data.py) and refreshed in the background, so
their rounds measure what open dashboards cost while nothing changes. Every level also runs the bare Litestar
partial (bench/bare_app.py) with the same client, the floor of this machine at that moment.

Seeding is bulk (bench/scale_seed.py) and cached between runs: the seeded SQLite file, or a PostgreSQL template
database, is kept under a key of the seed's version, its size, the migrations and the day
(PAYPORT_BENCH_CACHE, default ~/.cache/payport-bench; --no-cache to seed afresh).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dashboard_seed import vendor_id_of  # noqa: E402
from bench.rawhttp import exchange  # noqa: E402
from bench.scale_seed import SEED_VERSION, seed_scale  # noqa: E402
from bench.verdict import verdict  # noqa: E402
from tests.support import _with_database, free_port, fresh_database_url  # noqa: E402

PARTIALS = (
    "/dashboard/figures", "/dashboard/ageing", "/dashboard/paid-per-month",
    "/dashboard/attention", "/dashboard/activity",
)
FRESH = "/"  # the whole dashboard, every aggregate read afresh
PASSWORD = "correct horse battery staple"
CACHE = Path(os.environ.get("PAYPORT_BENCH_CACHE", Path.home() / ".cache" / "payport-bench"))


def serve(env: dict[str, str], target: list[str], port: int, probe: str) -> subprocess.Popen:
    """One uvicorn worker, answering `probe` with 200."""
    log = open(Path(env["PAYPORT_DATA_DIR"]) / f"uvicorn-{port}.log", "ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"server on {port} did not start")


def start_app(env: dict[str, str]) -> subprocess.Popen:
    """Migrate, then serve the app."""
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return serve(env, ["app.asgi:app_factory", "--factory"], int(env["PORT"]), "/healthz")


def stop(server: subprocess.Popen) -> None:
    """Stop a server this bench started."""
    server.terminate()
    server.wait(timeout=15)


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


def cache_key(args: argparse.Namespace, postgres: bool) -> str:
    """Seed version, scale, engine, migrations and today: a cached database is reused only while all hold."""
    sources = sorted((ROOT / "piccolo_migrations").glob("payport_*.py"))
    migrations = hashlib.sha1(b"".join(path.read_bytes() for path in sources)).hexdigest()
    parts = [SEED_VERSION, args.invoices, args.vendors, args.big, postgres, migrations,
             datetime.now(timezone.utc).date().isoformat()]
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()[:16]


async def _admin(base: str, *statements: str) -> None:
    conn = await asyncpg.connect(_with_database(base, "postgres"))
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def _kind(url: str) -> str:
    return "pg" if url.startswith("postgres") else "sqlite"


def restore(key: str, base: str, data_dir: Path) -> tuple[str, dict] | None:
    """A copy of the cached seeded database and what the run needs of it, or None."""
    meta = CACHE / f"dashboard-{_kind(base)}-{key}.json"
    if not meta.exists():
        return None
    if base.startswith("postgres"):
        name = f"payport_dash_{uuid.uuid4().hex[:8]}"
        try:
            asyncio.run(_admin(base, f'CREATE DATABASE "{name}" TEMPLATE "payport_dashcache_{key}"'))
        except asyncpg.PostgresError:
            return None
        return _with_database(base, name), json.loads(meta.read_text())
    source = CACHE / f"dashboard-sqlite-{key}.sqlite3"
    if not source.exists():
        return None
    shutil.copyfile(source, data_dir / "bench.sqlite3")
    return f"sqlite:///{data_dir / 'bench.sqlite3'}", json.loads(meta.read_text())


def keep(key: str, url: str, info: dict) -> None:
    """Cache the seeded database (replacing older caches of this bench on this engine)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob(f"dashboard-{_kind(url)}-*"):
        old.unlink()
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]

        async def clone() -> None:
            conn = await asyncpg.connect(_with_database(url, "postgres"))
            try:
                for row in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'payport_dashcache_%'"):
                    await conn.execute(f'DROP DATABASE "{row["datname"]}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "payport_dashcache_{key}" TEMPLATE "{name}"')
            finally:
                await conn.close()

        asyncio.run(clone())
    else:
        shutil.copyfile(url.removeprefix("sqlite:///"), CACHE / f"dashboard-sqlite-{key}.sqlite3")
    (CACHE / f"dashboard-{_kind(url)}-{key}.json").write_text(json.dumps(info))


def seeded_database(args: argparse.Namespace, env: dict[str, str], data_dir: Path) -> tuple[str, callable, dict]:
    """The seeded database for this run: restored from the cache, or made (sign-up through the app, then bulk)."""
    base = os.environ.get("DATABASE_URL", "")
    key = cache_key(args, base.startswith("postgres"))
    restored = None if args.no_cache else restore(key, base, data_dir)
    if restored:
        url, info = restored
        print(f"seeded database restored from the cache ({key}): {info['seeded']}", flush=True)
        return url, _dropper(base, url), info
    url, drop = fresh_database_url(data_dir, "bench")
    server = start_app({**env, "DATABASE_URL": url})
    try:
        email, cookies = sign_up(env["APP_BASE_URL"])
    finally:
        stop(server)  # the seed writes alone (SQLite: journal off)
    started = time.perf_counter()
    result = seed_scale(url, vendor_id_of(url, email), args.invoices, args.vendors, args.big,
                        datetime.now(timezone.utc))
    seconds = time.perf_counter() - started
    info = {"email": email, "cookies": cookies, "seeded": f"{result.invoices:,} invoices over {args.vendors} vendors "
            f"({args.big or args.invoices // 2:,} for the measured one), {result.activities:,} activity rows, "
            f"seeded in {seconds:.0f}s, load {os.getloadavg()[0]:.1f}"}
    print(f"seeded {info['seeded']}; {result.statuses}", flush=True)
    if not args.no_cache:
        keep(key, url, info)
    return url, drop, info


def _dropper(base: str, url: str):
    if not url.startswith("postgres"):
        return lambda: None
    name = url.rsplit("/", 1)[1]
    return lambda: asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def load(port: int, paths: list[str], cookie: str, clients: int, requests: int) -> tuple[list[float], float]:
    """`clients` keep-alive connections taking turns over `paths` until `requests` are done; latencies in ms."""
    prepared = [(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHX-Request: true\r\n"
                 f"Cookie: {cookie}\r\n\r\n").encode() for path in paths]
    turn, latencies = iter(range(requests)), []

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for n in turn:
            started = time.perf_counter()
            await exchange(reader, writer, prepared[n % len(prepared)])
            latencies.append((time.perf_counter() - started) * 1000)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def line(name: str, latencies: list[float], seconds: float) -> float:
    """Print one line of figures; returns p95."""
    print(f"  {name:<40}{len(latencies):>6}  {len(latencies) / seconds:7.0f}/s  p50 {pct(latencies, 50):6.1f} ms  "
          f"p95 {pct(latencies, 95):6.1f} ms  max {max(latencies):6.1f} ms", flush=True)
    return pct(latencies, 95)


def measure(app_port: int, bare_port: int, cookie: str, levels: list[int], rounds: int) -> dict[str, float]:
    """Bare partial, dashboard partials at each level; the uncached full page at one client."""
    figures = {}
    for clients in levels:
        print(f"{clients} concurrent client(s), keep-alive:", flush=True)
        asyncio.run(load(app_port, list(PARTIALS), cookie, clients, len(PARTIALS) * clients))  # warm the cache
        line("bare Litestar partial (floor)", *asyncio.run(load(bare_port, ["/partial"], "", clients,
                                                                  rounds * len(PARTIALS) * clients)))
        figures[f"partials@{clients}"] = line("dashboard partials (5, in turn)", *asyncio.run(
            load(app_port, list(PARTIALS), cookie, clients, rounds * len(PARTIALS) * clients)))
    print("1 client, the full page read afresh:", flush=True)
    asyncio.run(load(app_port, [FRESH], cookie, 1, 2))
    figures["full"] = line("full page / (uncached)", *asyncio.run(load(app_port, [FRESH], cookie, 1, rounds * 2)))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000, help="over all vendors")
    parser.add_argument("--vendors", type=int, default=100)
    parser.add_argument("--big", type=int, default=None, help="the measured vendor's invoices (default: half)")
    parser.add_argument("--concurrency", default="1,10", help="comma-separated levels, e.g. 1,5,10")
    parser.add_argument("--rounds", type=int, default=20, help="requests per partial per client")
    parser.add_argument("--no-cache", action="store_true", help="seed afresh and keep nothing")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="payport-bench-"))
    app_port, bare_port = free_port(), free_port()
    # PYTHONPATH: this checkout's app, never one installed in the virtualenv from another worktree.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "PAYPORT_ENV": "test", "PAYPORT_DATA_DIR": str(data_dir),
           "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789", "PORT": str(app_port),
           "APP_BASE_URL": f"http://127.0.0.1:{app_port}", "PICCOLO_CONF": "app.piccolo_conf"}
    url, drop, info = seeded_database(args, env, data_dir)
    env["DATABASE_URL"] = url
    app = start_app(env)
    bare = serve(env, ["bench.bare_app:app"], bare_port, "/partial")
    try:
        cookie = "; ".join(f"{k}={v}" for k, v in info["cookies"].items())
        print(f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite'}, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        levels = [int(n) for n in args.concurrency.split(",")]
        figures = measure(app_port, bare_port, cookie, levels, args.rounds)
        scale = f"{args.invoices:,} invoices"
        top = max(levels)
        verdict(f"dashboard partials p95, {top} clients, {scale}", figures[f"partials@{top}"], 30, " ms")
        verdict(f"dashboard full page uncached p95, 1 client, {scale}", figures["full"], 150, " ms")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    finally:
        stop(app)
        stop(bare)
        drop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
