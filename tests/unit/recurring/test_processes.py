"""Two scheduler processes racing on one database (PostgreSQL in CI's second leg) make one invoice per period."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import date

from app.services import clock
from app.tables.invoices import Invoice
from tests import factories
from tests.unit.recurring.helpers import at, issue_dates, new_profile


async def test_two_processes_make_each_period_once(tmp_path):
    user = await factories.vendor("Race Co", f"race-{uuid.uuid4().hex[:10]}@example.com")
    at(date(2026, 1, 5))
    weekly = [await new_profile(user.vendor, start_date="2026-01-05", frequency="weekly") for _ in range(3)]
    clock.freeze(None)
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-m", "tests.unit.recurring._race_worker",
                                 "2026-07-01T12:00:00+00:00", str(user.vendor), str(go)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    go.touch()
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), [err[-2000:] for _, err in outputs]
    counts = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
    # Jan 5 to Jun 29: 26 Mondays per profile, made once whichever process claimed them.
    assert sum(counts) == 3 * 26, counts
    for profile_id in weekly:
        dates = await issue_dates(profile_id)
        assert len(dates) == len(set(dates)) == 26 and dates[-1] == date(2026, 6, 29)
    assert await Invoice.count().where(Invoice.vendor == user.vendor) == 78
