"""The Payments page: every payment and refund of a vendor, filtered by date, method, customer and currency."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.money import UnknownCurrency, check_currency, to_major
from app.services.payments.history import METHOD_LABELS, REFUND_LABELS
from app.tables.payments import Payment

LIMIT = 500
CSV_HEADER = ["Date (UTC)", "Kind", "Status", "Invoice", "Customer", "Method", "Currency", "Amount", "Stripe fee",
              "Platform fee", "Net", "Settlement currency", "Reference", "Stripe id"]


@dataclass(frozen=True)
class MovesQuery:
    """The page's filters, checked; anything unreadable is dropped."""

    date_from: date | None = None
    date_to: date | None = None
    method: str = ""
    customer: str = ""
    currency: str = ""

    def params(self) -> dict[str, str]:
        """The filters as URL parameters."""
        values = {"from": self.date_from, "to": self.date_to, "method": self.method, "customer": self.customer,
                  "currency": self.currency}
        return {k: str(v) for k, v in values.items() if v}


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def parse_query(params: dict[str, str]) -> MovesQuery:
    """Filters from the URL."""
    try:
        currency = check_currency(params.get("currency", "")) if params.get("currency") else ""
    except UnknownCurrency:
        currency = ""
    method = params.get("method", "")
    return MovesQuery(_date(params.get("from", "")), _date(params.get("to", "")),
                      method if method in METHOD_LABELS else "", params.get("customer", "").strip()[:100], currency)


_SQL = """
SELECT * FROM (
  SELECT p.paid_at AS at, 'payment' AS kind, 'succeeded' AS status, i.id AS invoice_id, i.number AS number,
         c.name AS customer, p.method AS method, p.currency AS currency, p.amount AS amount,
         p.stripe_fee AS stripe_fee, p.application_fee AS platform_fee, p.net AS net,
         p.settlement_currency AS settlement_currency, p.reference AS reference, p.payment_intent AS stripe_id,
         '' AS failure
  FROM payment p JOIN invoice i ON i.id = p.invoice JOIN customer c ON c.id = i.customer
  WHERE p.vendor = {} AND p.deleted_at IS NULL
  UNION ALL
  SELECT r.created_at, 'refund', r.status, i.id, i.number, c.name, p.method, r.currency, -r.amount,
         r.stripe_fee, 0, r.net, p.settlement_currency, r.reason,
         COALESCE(r.stripe_refund_id, ''), r.failure_reason
  FROM refund r JOIN payment p ON p.id = r.payment JOIN invoice i ON i.id = r.invoice
  JOIN customer c ON c.id = i.customer
  WHERE r.vendor = {}
) AS moves WHERE at >= {} AND at < {} AND ({} = '' OR method = {}) AND ({} = '' OR currency = {})
  AND ({} = '' OR LOWER(customer) LIKE {})
ORDER BY at DESC LIMIT {}
"""


async def list_moves(vendor_id: int, timezone: str, query: MovesQuery, limit: int = LIMIT) -> list[dict[str, Any]]:
    """Payments and refunds, newest first, in the vendor's days."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(query.date_from or date(1970, 1, 1), time(0), zone)
    end = datetime.combine((query.date_to or date(9998, 12, 31)) + timedelta(days=1), time(0), zone)
    like = "%" + query.customer.lower().replace("%", "").replace("_", "") + "%"
    return await Payment.raw(_SQL, vendor_id, vendor_id, start, end, query.method, query.method, query.currency,
                             query.currency, query.customer, like, limit)


def totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per currency: received, refunded (counted refunds only) and net."""
    by: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = by.setdefault(row["currency"], {"currency": row["currency"], "received": 0, "refunded": 0})
        if row["kind"] == "payment":
            entry["received"] += row["amount"]
        elif row["status"] in ("pending", "requires_action", "succeeded"):
            entry["refunded"] -= row["amount"]
    for entry in by.values():
        entry["net"] = entry["received"] - entry["refunded"]
    return [by[code] for code in sorted(by)]


def label(row: dict[str, Any]) -> str:
    """The row's status in words."""
    return "Received" if row["kind"] == "payment" else REFUND_LABELS.get(row["status"], row["status"])


def _money(amount: int | None, currency: str) -> str:
    return "" if amount is None else str(to_major(amount, currency))


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def csv_text(vendor_id: int, timezone: str, query: MovesQuery) -> AsyncIterator[str]:
    """The filtered payments and refunds as CSV (amounts in major units; refunds negative)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in await list_moves(vendor_id, timezone, query, limit=100_000):
        cur, settle = row["currency"], row["settlement_currency"] or row["currency"]
        at = row["at"] if isinstance(row["at"], datetime) else datetime.fromisoformat(str(row["at"]))
        writer.writerow([at.isoformat(), row["kind"], label(row), row["number"] or "", _safe(row["customer"] or ""),
                         METHOD_LABELS.get(row["method"], row["method"]), cur, _money(row["amount"], cur),
                         _money(row["stripe_fee"], settle), _money(row["platform_fee"], cur),
                         _money(row["net"], settle), row["settlement_currency"] or "", _safe(row["reference"] or ""),
                         row["stripe_id"] if not str(row["stripe_id"]).startswith("manual_") else ""])
    yield buffer.getvalue()
