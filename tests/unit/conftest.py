"""Unit tests run in-process against a fresh database created for this run."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from tests.support import fresh_database_url

_tmp = Path(tempfile.mkdtemp(prefix="payport-unit-"))
_url, _drop = fresh_database_url(_tmp, "unit")
os.environ.update(
    DATABASE_URL=_url,
    PAYPORT_ENV="test",
    PAYPORT_DATA_DIR=str(_tmp),
    SECRET_KEY="unit-test-secret-key-that-is-long-enough-0123456789",
    APP_BASE_URL="http://127.0.0.1:8000",
    # Tests drive mail delivery themselves; a background worker would race them from the test client's loop.
    PAYPORT_MAIL_WORKER="0",
    PAYPORT_WEBHOOK_WORKER="0",  # likewise: webhook tests deliver by hand or start the worker themselves
    # In-process clients share one app across event loops, which a LISTEN connection cannot follow.
    # Fan-out over PostgreSQL is tested against real servers (tests/unit/live), which drop this.
    PAYPORT_LIVE_BACKEND="memory",
    # Test databases are reached without a pool on a machine busy with parallel workers: give /readyz's
    # checks a second (production keeps 40 ms; the hanging-database test still sees the bound hold).
    PAYPORT_READY_CHECK_SECONDS="1",
)
# The Stripe settings of the developer's shell must not leak into unit tests.
for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "STRIPE_CONNECT_WEBHOOK_SECRET", "SMTP_URL"):
    os.environ.pop(name, None)

from app.cli import _migrate  # noqa: E402  (settings must see the environment above)

asyncio.run(_migrate())

from tests.unit.fixtures import *  # noqa: E402,F401,F403


def pytest_sessionfinish(session, exitstatus):
    """Drop the run's own database (PostgreSQL); SQLite files go with the temp folder."""
    _drop()
