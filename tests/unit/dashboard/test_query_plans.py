"""No dashboard query reads a whole table: every query the page and its partials run, EXPLAINed on this engine.

The queries are captured as the app runs them (the engine's run_querystring), so a new query on the dashboard is
checked without being listed here. SQLite must SEARCH every table through an index (a SCAN, even of a covering
index, reads every vendor's rows). PostgreSQL is asked with sequential scans priced out, as they would be at
1,000,000 invoices; it must then reach every table through an index condition, and on a table that holds
several vendors' rows that condition must pin a key (the vendor, the row's id, the user), not only a range.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.db import engine, is_sqlite
from tests.unit.dashboard.conftest import NOW, TODAY, activity, invoice, set_timezone
from tests.unit.dashboard.test_stripe import connect, pay

PAGES = ("/", "/dashboard/overview", "/dashboard/figures", "/dashboard/ageing", "/dashboard/paid-per-month",
         "/dashboard/attention", "/dashboard/activity")


@pytest.fixture
def captured(monkeypatch) -> list[tuple[str, list]]:
    """Every SELECT the engine runs while the test asks for pages: (sql, args) as sent to the driver."""
    db, seen = engine(), []
    original = db.run_querystring

    async def recording(querystring, *args, **kwargs):
        sql, values = querystring.compile_string(engine_type=db.engine_type)
        if sql.lstrip()[:6].upper() in ("SELECT", "(SELEC", "WITH "):
            seen.append((sql, values))
        return await original(querystring, *args, **kwargs)

    monkeypatch.setattr(db, "run_querystring", recording)
    return seen


async def _busy_vendor(vendor_id: int) -> None:
    """A bit of everything the dashboard reads, so each of its queries runs."""
    await connect(vendor_id)
    await set_timezone(vendor_id, "Asia/Kolkata")  # month starts inside UTC days: those days are read from rows
    paid = await invoice(vendor_id, "paid", 10_000, "USD", paid_at=NOW - timedelta(days=3))
    await pay(vendor_id, paid.id, 500, "USD", 20, days_ago=40)
    await invoice(vendor_id, "partially_refunded", 7_000, "EUR", paid_at=NOW - timedelta(days=70), amount_refunded=700)
    late = await invoice(vendor_id, "sent", 4_000, "USD", due=TODAY - timedelta(days=45))
    await invoice(vendor_id, "sent", 3_000, "JPY", due=TODAY + timedelta(days=5), needs_attention=True,
                  attention_reason="Amount mismatch")
    await invoice(vendor_id, "draft", 900, "USD")
    await activity(vendor_id, late.id, "payment_failed", "Card declined", NOW - timedelta(days=2))
    await activity(vendor_id, late.id, "sent", "Sent", NOW - timedelta(days=50))


async def _explain_sqlite(sql: str, args: list) -> list[str]:
    rows = await engine()._run_in_new_connection("EXPLAIN QUERY PLAN " + sql, args)
    details = [row["detail"] for row in rows]
    # Subqueries show as CO-ROUTINE / MATERIALIZE <name>; scanning their result is no table scan.
    derived = {d.split(" ", 1)[1] for d in details if d.startswith(("CO-ROUTINE ", "MATERIALIZE "))}
    return [d for d in details if d.startswith("SCAN ") and d.split(" ")[1] not in derived | {"CONSTANT"}]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


async def _explain_postgres(sql: str, args: list, vendor_tables: set[str]) -> list[str]:
    connection = await engine().get_new_connection()
    try:
        await connection.execute("SET enable_seqscan = off")
        plan = json.loads(await connection.fetchval("EXPLAIN (FORMAT JSON) " + sql, *args))[0]["Plan"]
    finally:
        await connection.close()
    bad = []
    for node in _nodes(plan):
        kind, table = node["Node Type"], node.get("Relation Name", "")
        cond = node.get("Index Cond", "")
        if kind == "Seq Scan":
            bad.append(f"Seq Scan on {table}")
        elif kind in ("Index Scan", "Index Only Scan", "Bitmap Index Scan") and not cond:
            bad.append(f"{kind} of all of {node.get('Index Name')} ({table})")
        elif cond and table in vendor_tables and " = " not in cond:
            bad.append(f"{kind} on {table} over a range of every vendor's rows: {cond}")
    return bad


async def _vendor_tables() -> set[str]:
    rows = await engine()._run_in_new_connection(
        "SELECT table_name FROM information_schema.columns WHERE column_name = 'vendor' AND table_schema = 'public'")
    return {row["table_name"] for row in rows}


async def test_no_dashboard_query_scans_a_whole_table(vendor, frozen, captured):
    await _busy_vendor(vendor.vendor_id)
    captured.clear()  # only what the dashboard itself runs
    for url in PAGES:
        response = await vendor.client.get(url, headers=vendor.headers() if url != "/" else None)
        assert response.status_code == 200, url
    queries = list(dict.fromkeys((sql, tuple(args)) for sql, args in captured))
    assert any("FROM payment" in sql for sql, _ in queries)  # the money queries did run

    vendor_tables = set() if is_sqlite() else await _vendor_tables()
    scans = {}
    for sql, args in queries:
        found = await (_explain_sqlite(sql, list(args)) if is_sqlite()
                       else _explain_postgres(sql, list(args), vendor_tables))
        if found:
            scans[sql] = found
    assert scans == {}
