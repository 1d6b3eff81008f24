"""Benchmark the recurring scheduler: 1,000 profiles with 10 due periods each, 10,000 invoices in one pass.

    .venv/bin/python bench/recurring.py [--profiles 1000] [--periods 10] [--target 60]

Seeds a fresh database (SQLite by default; a fresh PostgreSQL database when DATABASE_URL points at one) with one
vendor, 100 customers and N monthly draft profiles of three lines each whose last 10 periods are due (the
scheduler was down for them), then times generate.run_due(): claims inserted in bulk (skipping on conflict),
each profile's lines read once with the profile, invoices, lines and activity by multi-row inserts, one
transaction per batch of 500 periods. Prints the figure and met/missed against the target, then runs a second
pass, which must make nothing (each period exactly once).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support import fresh_database_url  # noqa: E402


def _setup(data_dir: Path) -> callable:
    url, drop = fresh_database_url(data_dir, "bench_recurring")
    os.environ.update(DATABASE_URL=url, PAYPORT_ENV="test", PAYPORT_DATA_DIR=str(data_dir),
                      SECRET_KEY="bench-secret-key-that-is-long-enough-0123456789", PAYPORT_MAIL_WORKER="0")
    return drop


async def _seed(profiles: int, periods: int) -> int:
    from app.services.accounts import SignupForm, sign_up
    from app.tables.customers import Customer
    from app.tables.recurring import RecurringProfile

    user = await sign_up(SignupForm("Bench Co", "bench@payport.local", "bench-password-123"))
    customers = [Customer(vendor=user.vendor, name=f"Customer {n}", email=f"c{n}@example.com") for n in range(100)]
    await Customer.insert(*customers)
    ids = [row["id"] for row in await Customer.select(Customer.id).where(Customer.vendor == user.vendor)]
    lines = [{"description": "Retainer", "quantity": "1", "unit_price": 150000, "tax_rate": "20"},
             {"description": "Support hours", "quantity": "2.5", "unit_price": 9000, "tax_rate": "20"},
             {"description": "Hosting", "quantity": "1", "unit_price": 4900, "tax_rate": "0"}]
    start = date(2026, 12 - periods + 1, 1) if periods <= 12 else date(2026 - periods // 12, 1, 1)
    rows = [RecurringProfile(vendor=user.vendor, customer=ids[n % len(ids)], name=f"Profile {n}", currency="USD",
                             lines=lines, terms_days=30, frequency="monthly", day_of_month=1, start_date=start,
                             next_date=start, action="draft", catch_up="all", status="active")
            for n in range(profiles)]
    for i in range(0, len(rows), 200):
        await RecurringProfile.insert(*rows[i:i + 200])
    return user.vendor


async def _main(args: argparse.Namespace) -> int:
    from app.cli import _migrate
    from app.services import clock
    from app.services.recurring import generate
    from app.tables.invoices import Invoice, InvoiceLine

    await _migrate()
    await _seed(args.profiles, args.periods)
    clock.freeze(datetime(2026, 12, 20, 12, tzinfo=timezone.utc))
    began = time.perf_counter()
    made = await generate.run_due()
    took = time.perf_counter() - began
    again = await generate.run_due()
    invoices, lines = await Invoice.count(), await InvoiceLine.count()
    kind = "PostgreSQL" if os.environ["DATABASE_URL"].startswith("postgres") else "SQLite"
    expected = args.profiles * args.periods
    verdict = "met" if took < args.target and made == expected and again == 0 else "missed"
    print(f"recurring on {kind}: {made:,} invoices ({lines:,} lines) from {args.profiles:,} profiles in {took:.1f} s "
          f"({made / took:,.0f}/s); second pass made {again}; {invoices:,} invoices in the database")
    print(f"target: {expected:,} invoices under {args.target:.0f} s: {verdict}")
    return 0 if verdict == "met" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--target", type=float, default=60.0)
    args = parser.parse_args()
    drop = _setup(Path(tempfile.mkdtemp(prefix="payport-bench-recurring-")))
    try:
        return asyncio.run(_main(args))
    finally:
        drop()


if __name__ == "__main__":
    sys.exit(main())
