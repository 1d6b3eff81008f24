"""EXPLAIN every query the invoice list runs, on the seeded million-invoice database: no whole-table scan.

    DATABASE_URL=<the seeded database> .venv/bin/python bench/list_plans.py <vendor id>

Runs the list (every sort of every tab, the currency filters, deep pages by cursor both ways, a search, the CSV
export's first batches) in-process with each statement captured where Piccolo hands it to the engine, then
EXPLAINs each with the rules of tests/unit/invoices/test_list_query_plans.py, here with the real statistics of a
million invoices (the test proves the same on a small database). Prints one VERDICT line.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")


async def main(vendor_id: int) -> int:
    from app.db import engine
    from app.services import vendor_data
    from app.services.invoices.listing import SORTS, STATUSES, iter_filtered, list_invoices, parse_query
    from bench.verdict import verdict
    from tests.unit.invoices.test_list_query_plans import SKIP, _full_scans

    db = engine()
    seen: dict[str, list] = {}
    run = db.run_querystring

    async def spy(querystring, *args, **kwargs):
        sql, values = querystring.compile_string(engine_type=db.engine_type)
        seen.setdefault(sql, values)
        return await run(querystring, *args, **kwargs)

    db.run_querystring = spy
    first = await list_invoices(vendor_id, "UTC", parse_query({}))
    cursor = str(first.rows[-1]["id"])
    sorts = [s for key in SORTS for s in (key, "-" + key)]
    for args in ([{"status": t, "sort": s} for t in STATUSES for s in sorts]
                 + [{"status": t, "sort": s, "after": cursor, "page": "2"} for t in STATUSES for s in sorts]
                 + [{"sort": s, "before": cursor, "page": "3"} for s in sorts]
                 + [{"currency": c, "status": t} for c in ("USD", "EUR", "JPY") for t in STATUSES]
                 + [{"q": "consulting"}, {"q": "INV-2026-00012"}, {"paid_from": "2026-11-01", "status": "paid"}]):
        vendor_data.state.reset()
        await list_invoices(vendor_id, "UTC", parse_query(args))
    batches = iter_filtered(vendor_id, "UTC", parse_query({"status": "outstanding", "sort": "number"}), batch=1000)
    for _ in range(2):
        await anext(batches, None)
    statements = {sql: values for sql, values in seen.items() if not SKIP.match(sql)}
    bad = await _full_scans(statements)
    for sql, scans in bad.items():
        print(f"  whole-table scan: {scans}\n    {sql[:300]}", flush=True)
    verdict(f"list queries scanning a whole table at 1M ({len(statements)} EXPLAINed)", len(bad), 0, "")
    return len(bad)


if __name__ == "__main__":
    sys.exit(1 if asyncio.run(main(int(sys.argv[1]))) else 0)
