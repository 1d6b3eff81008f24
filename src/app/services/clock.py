"""The current time, in one place so tests can freeze it; time is stored in UTC."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Now, timezone-aware UTC (or the frozen instant in tests)."""
    return _frozen or datetime.now(timezone.utc)


def today_for(tz: str) -> date:
    """Today's date in the vendor's time zone: what "due today" and "overdue" are judged by."""
    return utcnow().astimezone(ZoneInfo(tz or "UTC")).date()


def freeze(at: datetime | None) -> None:
    """Tests and the demo seed only: make utcnow() return `at` (None unfreezes)."""
    global _frozen
    _frozen = at
