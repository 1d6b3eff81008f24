"""No query of the Billing Invoices list scans a whole table.

Every SQL the list partial runs (each sort of each tab, the filters, a search, a deep page by cursor both ways)
is captured where Piccolo hands it to the engine, then EXPLAINed on the engine under test. SQLite: no `SCAN` of a
table (a walk of a whole table or a whole index); PostgreSQL, with sequential scans and whole-table joins priced
out: no Seq Scan and no index scan without an Index Cond (a whole index walked).
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from urllib.parse import urlencode

import asyncpg
import pytest

from app.db import engine, is_sqlite
from app.services import clock, vendor_data
from app.services.invoices.listing import SORTS, STATUSES, list_invoices, parse_query
from tests.unit.invoices.list_book import write_book

SKIP = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA|SET|SHOW)\b", re.I)


@pytest.fixture
async def book(vendor, other_vendor):
    clock.freeze(datetime(2026, 6, 15, 12, tzinfo=timezone.utc))
    await write_book(other_vendor.vendor_id, count=30, seed=9)
    yield await write_book(vendor.vendor_id)
    clock.freeze(None)


@pytest.fixture
def captured(monkeypatch) -> dict[str, list]:
    """Every statement run through the engine while the test runs: SQL -> its first arguments."""
    db = engine()
    seen: dict[str, list] = {}
    run = db.run_querystring

    async def spy(querystring, *args, **kwargs):
        sql, values = querystring.compile_string(engine_type=db.engine_type)
        seen.setdefault(sql, values)
        return await run(querystring, *args, **kwargs)

    monkeypatch.setattr(db, "run_querystring", spy)
    return seen


def _sqlite_scans(plan: list[dict], tables: set[str]) -> list[str]:
    """Lines of a plan that walk a whole table or a whole index (a subquery's rows and FTS lookups are no table)."""
    return [row["detail"] for row in plan
            if (match := re.match(r"SCAN (\w+)", row["detail"])) and match.group(1) in tables]


def _pg_scans(node: dict, found: list[str] | None = None) -> list[str]:
    found = [] if found is None else found
    kind = node.get("Node Type", "")
    if kind == "Seq Scan" or (kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node):
        found.append(f"{kind} on {node.get('Relation Name')} ({node.get('Index Name', '')})")
    for child in node.get("Plans", []):
        _pg_scans(child, found)
    return found


async def _full_scans(statements: dict[str, list]) -> dict[str, list[str]]:
    bad: dict[str, list[str]] = {}
    if is_sqlite():
        db = engine()
        rows = await db._run_in_new_connection(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")
        tables = {row["name"] for row in rows}
        for sql, values in statements.items():
            plan = await db._run_in_new_connection("EXPLAIN QUERY PLAN " + sql, values)
            if os.environ.get("SHOW_PLANS"):
                print(sql[:300], values, *(row["detail"] for row in plan), sep="\n  ")
            if scans := _sqlite_scans(plan, tables):
                bad[sql] = scans
        return bad
    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        # The test's tables are small, so the planner would rightly read them whole (or hash them whole for a
        # join); priced out, what remains shows whether an index can serve each read, as at a million rows.
        await conn.execute("SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off")
        for sql, values in statements.items():
            plan = json.loads(await conn.fetchval("EXPLAIN (FORMAT JSON) " + sql, *values))
            if scans := _pg_scans(plan[0]["Plan"]):
                bad[sql] = scans
    finally:
        await conn.close()
    return bad


def _urls(deep: dict[str, int]) -> list[str]:
    sorts = [s for key in SORTS for s in (key, "-" + key)]
    urls = [{"status": status, "sort": sort} for status in STATUSES for sort in sorts]
    urls += [{"currency": "EUR"}, {"currency": "JPY", "status": "paid", "sort": "total"},
             {"paid_from": "2026-06-01", "status": "paid"}, {"q": "client"}, {"q": "INV-2026-00"},
             {"q": "client", "status": "outstanding", "sort": "number"}]
    urls += [{"status": status, "sort": sort, "page": "2", "after": str(deep["after"])}
             for status in ("all", "outstanding", "overdue") for sort in sorts]
    urls += [{"sort": sort, "page": "2", "before": str(deep["before"])} for sort in sorts]
    urls += [{"page": "99"}, {"page": "2"}]  # typed page numbers: the last page, and one by offset
    credit_notes = ["/invoices/credit-notes/table", "/invoices/credit-notes/table?after=5",
                    "/invoices/credit-notes/table?before=5", "/invoices/credit-notes/table?q=CN"]
    return ["/invoices/table?" + urlencode(args) for args in urls] + ["/invoices/export.csv?status=outstanding",
                                                                    "/invoices/export.csv?sort=number"] + credit_notes


async def test_no_list_query_scans_a_whole_table(vendor, book, captured):
    first = await list_invoices(vendor.vendor_id, "UTC", parse_query({}))
    deep = {"after": first.rows[-1]["id"], "before": first.rows[5]["id"]}
    vendor_data.state.reset()  # nothing cached: every query of every URL runs
    captured.clear()
    for url in _urls(deep):
        response = await vendor.client.get(url, headers={"hx-request": "true"})
        assert response.status_code == 200, url
    statements = {sql: values for sql, values in captured.items() if not SKIP.match(sql)}
    assert any("invoice" in sql and " > (" in sql for sql in statements), "a deep page by cursor was captured"
    assert any("FROM invoice_tally" in sql for sql in statements), "the tab counts were captured"
    assert len(statements) > 40
    bad = await _full_scans(statements)
    assert not bad, "\n\n".join(f"{sql}\n  -> {scans}" for sql, scans in bad.items())
