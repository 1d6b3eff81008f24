"""`payport backup` and `payport restore`: a populated database comes back row for row; a non-empty one is refused."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from app.backup import BackupError, restore_database, table_names
from app.settings import get_settings
from app.tables.mail import OutboxMessage
from app.tables.payments import Payment, Refund
from tests import factories
from tests.factories import Line
from tests.support import ROOT, fresh_database_url


async def _rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, sorted whole (summary tables such as money_day have no id to order by)."""
    tables = await table_names(url)
    if url.startswith("postgres"):
        connection = await asyncpg.connect(url)
        try:
            return {t: sorted((tuple(r) for r in await connection.fetch(f'SELECT * FROM "{t}"')), key=repr)
                    for t in tables}
        finally:
            await connection.close()
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        found = {t: sorted(connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    connection.close()
    return found


async def _populate() -> None:
    user = await factories.vendor("Backup Ltd", f"backup-{uuid.uuid4().hex[:8]}@example.com")
    customer = await factories.insert_customer(user.vendor, "Ada Lovelace", "ada@example.com")
    invoice = await factories.insert_invoice(user.vendor, customer.id, [Line("Design", "2.5", 12000, "20"),
                                                                       Line("Hosting", 1, 999)], status="sent")
    payment = Payment(vendor=user.vendor, invoice=invoice.id, payment_intent=f"pi_{uuid.uuid4().hex}", amount=5000,
                      currency="USD")
    await payment.save()
    await Refund(vendor=user.vendor, invoice=invoice.id, payment=payment.id, amount=1500, currency="USD",
                 manual=True, status="succeeded").save()
    await OutboxMessage(vendor=user.vendor, invoice=invoice.id, kind="invoice", dedupe_key=uuid.uuid4().hex,
                        sender="billing@example.com", to="ada@example.com", subject="Invoice", text="Hello",
                        html="<p>Hello</p>", attachment=b"%PDF-1.7 \x00\xff").save()


def _payport(command: str, path: Path, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "app.cli", command, str(path)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


async def test_a_populated_database_round_trips_row_for_row(tmp_path):
    await _populate()
    source = get_settings().database_url
    backup = tmp_path / "payport.backup"
    done = _payport("backup", backup, source)
    assert done.returncode == 0, done.stderr
    target, drop = fresh_database_url(tmp_path, "restored")
    try:
        done = _payport("restore", backup, target)
        assert done.returncode == 0, done.stderr
        before, after = await _rows(source), await _rows(target)
    finally:
        drop()
    assert {"vendor", "customer", "invoice", "invoice_line", "payment", "refund", "outbox_message",
            "migration"} <= set(before)
    assert all(before[t] for t in ("customer", "invoice_line", "payment", "refund", "outbox_message"))
    assert set(after) == set(before)
    for table in before:
        assert after[table] == before[table], table


async def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    source = get_settings().database_url
    backup = tmp_path / "payport.backup"
    assert _payport("backup", backup, source).returncode == 0
    counts = {t: len(rows) for t, rows in (await _rows(source)).items()}
    done = _payport("restore", backup, source)
    assert done.returncode != 0
    assert "The database is not empty" in done.stderr and "Nothing was changed." in done.stderr
    assert {t: len(rows) for t, rows in (await _rows(source)).items()} == counts


async def test_backup_never_overwrites_and_restore_checks_the_file(tmp_path):
    existing = tmp_path / "taken.backup"
    existing.write_bytes(b"keep me")
    done = _payport("backup", existing, get_settings().database_url)
    assert done.returncode != 0 and "already exists" in done.stderr
    assert existing.read_bytes() == b"keep me"
    target, drop = fresh_database_url(tmp_path, "empty")
    try:
        with pytest.raises(BackupError, match="neither a PayPort SQLite backup nor a pg_dump file"):
            await restore_database(target, existing)
    finally:
        drop()
