"""Jinja environment: filters for money and dates, shared by pages and partials."""

from __future__ import annotations

from datetime import date, datetime

from jinja2 import pass_context
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine

from app.money import format_money
from app.services.rows import STATUS_LABELS
from app.times import format_date, format_datetime, zone_caption
from app.money import to_major


def _money(amount_minor: int | None, currency: str) -> str:
    return format_money(amount_minor or 0, currency)


def context_zone(ctx: Context) -> str:
    """The zone a template shows times in: its own `tz`, else the logged-in vendor's, else UTC."""
    if tz := ctx.get("tz"):
        return tz
    request = ctx.get("request")
    user = request.scope.get("user") if request is not None else None
    return getattr(user, "vendor_timezone", None) or "UTC"


@pass_context
def _date(ctx: Context, value: date | datetime | None, tz: str | None = None, long: bool = False) -> str:
    return format_date(value, tz or context_zone(ctx), long)


@pass_context
def _datetime(ctx: Context, value: datetime | None, tz: str | None = None, with_zone: bool = False) -> str:
    return format_datetime(value, tz or context_zone(ctx), with_zone)


@pass_context
def _zone_caption(ctx: Context) -> str:
    return zone_caption(context_zone(ctx))


def _amount_due(invoice: object) -> int:
    """The balance to show for an invoice row or object: stored by the balance service, never below 0."""
    get = invoice.get if isinstance(invoice, dict) else lambda name: getattr(invoice, name)
    return 0 if get("status") == "void" else max(get("amount_due") or 0, 0)


def configure_engine(engine: JinjaTemplateEngine) -> None:
    """Register the filters and the status labels every template may use."""
    engine.engine.filters.update(money=_money, date=_date, datetime=_datetime, amount_due=_amount_due,
                                 major=lambda amount, currency: str(to_major(amount or 0, currency)))
    engine.engine.globals["status_labels"] = STATUS_LABELS
    engine.engine.globals.update(zone_caption=_zone_caption)
