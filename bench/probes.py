"""Time /healthz and /readyz on a served app (one uvicorn worker, as deployed, mail worker on).

    .venv/bin/python bench/probes.py [--requests 500]

Starts the app in a subprocess on a fresh database (SQLite by default, a fresh PostgreSQL database when
DATABASE_URL points at one), then GETs each probe N times, one at a time over a keep-alive connection, and
prints p50/p99/max. Target: every answer under 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.servers import start_process, stop_process  # noqa: E402
from tests.support import fresh_database_url, free_port  # noqa: E402
from bench.verdict import verdict  # noqa: E402


def _environment(data_dir: Path, url: str, port: int) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "PAYPORT_DATA_DIR": str(data_dir), "PAYPORT_ENV": "test",
            "PORT": str(port), "APP_BASE_URL": f"http://127.0.0.1:{port}", "PAYPORT_MAIL_WORKER": "1"}


def _measure(http: httpx.Client, path: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = http.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return sorted(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="payport-probes-"))
    url, drop = fresh_database_url(data_dir, "probes")
    port = free_port()
    env = _environment(data_dir, url, port)
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True)
    server = start_process([sys.executable, "-m", "uvicorn", "app.asgi:app_factory", "--factory", "--port", str(port)],
                           f"http://127.0.0.1:{port}/healthz", env=env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            print(f"database: {url.split(':')[0]}; {args.requests} requests each")
            for path in ("/healthz", "/readyz"):
                for _ in range(20):  # warm-up: connections, pools, caches
                    http.get(path)
                t = _measure(http, path, args.requests)
                p99 = t[int(len(t) * 0.99) - 1]
                print(f"{path:9} p50 {statistics.median(t):6.2f} ms  p99 {p99:6.2f} ms  max {t[-1]:6.2f} ms")
                verdict(f"probe {path} slowest answer", t[-1], 50, " ms")
    finally:
        stop_process(server)
        drop()


if __name__ == "__main__":
    main()
