"""Import a 10,000-row customer CSV through the import service and print how long the check and the import take.

    .venv/bin/python bench/import_customers.py [--rows 10000]

Runs on a fresh database (SQLite by default; a fresh PostgreSQL database when DATABASE_URL points at one), the way
Settings > Import does: every row checked as the customer form checks it, then all created in one transaction.
Target: under 30 s for 10,000 rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support import fresh_database_url  # noqa: E402


def _csv(rows: int) -> str:
    lines = ["Name,Email,Phone,Billing address,Currency,Country,Notes"]
    lines += [f'Customer {i:05d},c{i}@example.com,+1 555 {i:04d},"{i} Main St\nSpringfield",USD,US,Row {i}'
              for i in range(rows)]
    return "\n".join(lines) + "\n"


async def _run(rows: int) -> None:
    from app.cli import _migrate
    from app.services.accounts import SignupForm, sign_up
    from app.services.api.csv_import import import_customers
    from app.tables.customers import Customer

    await _migrate()
    user = await sign_up(SignupForm("Bench Ltd", "bench@example.com", "bench-password-2026"))
    text = _csv(rows)
    started = time.perf_counter()
    report = await import_customers(user.vendor, text, dry_run=True)
    checked = time.perf_counter() - started
    assert report.ok and len(report.to_create) == rows, report.errors[:3]
    started = time.perf_counter()
    report = await import_customers(user.vendor, text, dry_run=False)
    imported = time.perf_counter() - started
    count = await Customer.count().where(Customer.vendor == user.vendor)
    assert report.created == rows == count
    verdict = "OK" if checked + imported < 30 else "TOO SLOW"
    print(f"{rows:,} customers: check {checked:.2f} s, import {imported:.2f} s, "
          f"total {checked + imported:.2f} s (target under 30 s: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="payport-bench-import-"))
    url, drop = fresh_database_url(data_dir, "bench")
    os.environ.update(DATABASE_URL=url, PAYPORT_DATA_DIR=str(data_dir), PAYPORT_ENV="test",
                      SECRET_KEY="bench-secret-key-that-is-long-enough-0123456789")
    try:
        asyncio.run(_run(args.rows))
    finally:
        drop()


if __name__ == "__main__":
    main()
