"""Jinja environment: filters for money and dates, shared by pages and partials."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from litestar.plugins.jinja import JinjaTemplateEngine

from app.money import format_money, to_major


def _money(amount_minor: int | None, currency: str) -> str:
    return format_money(amount_minor or 0, currency)


def _date(value: date | datetime | None, fmt: str = "%b %-d, %Y") -> str:
    return value.strftime(fmt) if value else ""


def _datetime(value: datetime | None, tz: str = "UTC") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime("%b %-d, %Y %H:%M")


def _amount_due(invoice: object) -> int:
    """The balance to show for an invoice row or object: stored by the balance service, never below 0."""
    get = invoice.get if isinstance(invoice, dict) else lambda name: getattr(invoice, name)
    return 0 if get("status") == "void" else max(get("amount_due") or 0, 0)


def configure_engine(engine: JinjaTemplateEngine) -> None:
    """Register the filters every template may use."""
    engine.engine.filters.update(money=_money, date=_date, datetime=_datetime, amount_due=_amount_due,
                                 major=lambda amount, currency: str(to_major(amount or 0, currency)))
