"""Jinja environment: filters for money and dates, shared by pages and partials."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from litestar.plugins.jinja import JinjaTemplateEngine

from app.money import format_money
from app.services.rows import STATUS_LABELS


def _money(amount_minor: int | None, currency: str) -> str:
    return format_money(amount_minor or 0, currency)


def _date(value: date | datetime | None, fmt: str = "%b %-d, %Y") -> str:
    return value.strftime(fmt) if value else ""


def _datetime(value: datetime | None, tz: str = "UTC") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime("%b %-d, %Y %H:%M")


def configure_engine(engine: JinjaTemplateEngine) -> None:
    """Register the filters and the status labels every template may use."""
    engine.engine.filters.update(money=_money, date=_date, datetime=_datetime)
    engine.engine.globals["status_labels"] = STATUS_LABELS
