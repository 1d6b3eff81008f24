"""What each report page and download needs, in one call per route (the controller stays a translator)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from app.services import clock
from app.services.reports import ageing, exports, periods, revenue, tax
from app.services.vendors import vendor_profile
from app.times import zone_caption


async def _vendor(vendor_id: int) -> tuple[str, str]:
    row = await vendor_profile(vendor_id) or {}
    return row.get("timezone") or "UTC", row.get("name") or ""


def _form_context(form: periods.PeriodForm) -> dict:
    return {"form": form, "kinds": periods.KINDS, "bases": periods.BASES, "months": periods.MONTHS,
            "query": urlencode(form.period.params()) if form.period else ""}


async def tax_page(vendor_id: int, params: dict[str, str]) -> dict:
    """The tax report page: the period form and, when it is valid, the report."""
    tz, _ = await _vendor(vendor_id)
    form = periods.parse_period(params, clock.today_for(tz))
    report = await tax.tax_report(vendor_id, form.period, tz) if form.period else None
    return {**_form_context(form), "report": report, "zone": zone_caption(tz), "active": "reports", "tab": "tax"}


async def revenue_page(vendor_id: int, params: dict[str, str]) -> dict:
    """The revenue page: the period form (no basis: both figures are shown) and the customers."""
    tz, _ = await _vendor(vendor_id)
    form = periods.parse_period(params, clock.today_for(tz))
    rows = await revenue.revenue(vendor_id, form.period, tz) if form.period else []
    return {**_form_context(form), "rows": rows, "totals": revenue.revenue_totals(rows), "zone": zone_caption(tz),
            "active": "reports", "tab": "revenue"}


async def ageing_page(vendor_id: int) -> dict:
    """The receivables page: each customer's open balances by bucket."""
    tz, _ = await _vendor(vendor_id)
    today = clock.today_for(tz)
    rows = await ageing.ageing(vendor_id, today)
    return {"rows": rows, "totals": ageing.ageing_totals(rows), "buckets": ageing.BUCKETS, "today": today,
            "zone": zone_caption(tz), "active": "reports", "tab": "ageing"}


async def tax_file(vendor_id: int, params: dict[str, str], kind: str) -> tuple[bytes, str] | None:
    """The tax report as CSV or PDF with its file name; None when the period is not valid."""
    tz, name = await _vendor(vendor_id)
    form = periods.parse_period(params, clock.today_for(tz))
    if not form.period:
        return None
    report = await tax.tax_report(vendor_id, form.period, tz)
    filename = f"tax-report-{form.period.slug}-{form.period.basis}.{kind}"
    if kind == "pdf":
        return await asyncio.to_thread(exports.tax_pdf, report, name, zone_caption(tz)), filename
    return exports.tax_csv(report).encode(), filename


async def revenue_file(vendor_id: int, params: dict[str, str]) -> tuple[bytes, str] | None:
    """Revenue by customer as CSV; None when the period is not valid."""
    tz, _ = await _vendor(vendor_id)
    form = periods.parse_period(params, clock.today_for(tz))
    if not form.period:
        return None
    rows = await revenue.revenue(vendor_id, form.period, tz)
    return exports.revenue_csv(rows, form.period.label).encode(), f"revenue-{form.period.slug}.csv"


async def ageing_file(vendor_id: int) -> tuple[bytes, str]:
    """The receivables ageing detail as CSV."""
    tz, _ = await _vendor(vendor_id)
    today = clock.today_for(tz)
    return exports.ageing_csv(await ageing.ageing(vendor_id, today)).encode(), f"ageing-{today.isoformat()}.csv"
