"""Dates and times as people read them: stored in UTC, shown in the vendor's time zone, by this one formatter."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import Locale, get_global

SHORT_DATE = "%b %-d, %Y"
LONG_DATE = "%B %-d, %Y"
MINUS = "\N{MINUS SIGN}"


@lru_cache(maxsize=1024)
def zone(tz: str | None) -> ZoneInfo:
    """The ZoneInfo of a zone name; UTC for a missing or unknown one, so a bad value never breaks a page."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(value: datetime, tz: str | None) -> datetime:
    """The instant on the wall clock of `tz` (a naive value is taken as UTC, as everything is stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(zone(tz))


def local_date(value: date | datetime, tz: str | None) -> date:
    """The calendar day of an instant in `tz`; a date is already a day and stays as it is."""
    return local(value, tz).date() if isinstance(value, datetime) else value


def offset_label(moment: datetime) -> str:
    """'UTC', 'UTC+1', 'UTC+5:30', 'UTC−3': the zone in force at that moment, in a form nobody can misread."""
    offset = moment.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(abs(offset).total_seconds()) // 60
    hours, rest = divmod(minutes, 60)
    return f"UTC{'+' if offset > timedelta(0) else MINUS}{hours}" + (f":{rest:02d}" if rest else "")


def is_repeated(moment: datetime) -> bool:
    """The wall time occurs twice that day (clocks went back), so without its offset it is ambiguous."""
    naive = moment.replace(tzinfo=None)
    first, second = (naive.replace(tzinfo=moment.tzinfo, fold=f) for f in (0, 1))
    return first.utcoffset() != second.utcoffset()


def format_date(value: date | datetime | None, tz: str | None = "UTC", long: bool = False) -> str:
    """'Nov 3, 2026' (long: 'November 3, 2026'); an instant is first moved to the vendor's day."""
    if value is None:
        return ""
    return local_date(value, tz).strftime(LONG_DATE if long else SHORT_DATE)


def format_time(value: datetime, tz: str | None, with_zone: bool = False) -> str:
    """'14:05' on the vendor's clock; with its offset when asked or when that wall time occurs twice."""
    moment = local(value, tz)
    text = moment.strftime("%H:%M")
    return f"{text} {offset_label(moment)}" if with_zone or is_repeated(moment) else text


def format_datetime(value: datetime | None, tz: str | None = "UTC", with_zone: bool = False) -> str:
    """'Nov 3, 2026 14:05' in the vendor's zone ('... 14:05 UTC+1' where a reader could doubt the zone)."""
    if value is None:
        return ""
    return f"{format_date(value, tz)} {format_time(value, tz, with_zone)}"


def zone_caption(tz: str | None, at: datetime | None = None) -> str:
    """'Europe/Paris (UTC+1)': the vendor's zone as a page states it once."""
    name = tz if tz and zone(tz).key == tz else "UTC"
    offset = offset_label(local(at or datetime.now(timezone.utc), name))
    # "UTC (UTC)" says the same thing twice.
    return name if offset == name else f"{name} ({offset})"


def _zone_label(name: str, territory: str | None, countries: dict[str, str]) -> str:
    city = name.split("/")[-1].replace("_", " ")
    country = countries.get(territory or "")
    return f"{city} ({country})" if country and country != city else city


@lru_cache(maxsize=1)
def zone_groups() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """The time zones a vendor can pick: current IANA zones by region ('Europe': ('Europe/Paris', 'Paris
    (France)'), ...), from CLDR via babel: no 'Factory', 'localtime', fixed offsets or deprecated aliases."""
    countries = Locale("en").territories
    regions: dict[str, list[tuple[str, str]]] = {}
    for name, territory in get_global("zone_territories").items():
        region = name.split("/")[0]
        if "/" not in name or region == "Etc" or name in get_global("zone_aliases") or not _loads(name):
            continue
        regions.setdefault(region, []).append((name, _zone_label(name, territory, countries)))
    return tuple((region, tuple(sorted(zones, key=lambda z: z[1]))) for region, zones in sorted(regions.items()))


def _loads(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def offered_zones() -> frozenset[str]:
    """Exactly the zones the picker offers (and so the only ones a profile accepts)."""
    return frozenset(["UTC", *(name for _, zones in zone_groups() for name, _ in zones)])


def current_zone_name(name: str | None) -> str:
    """A stored zone as the picker names it: deprecated aliases ('Asia/Calcutta', 'US/Eastern') by today's name."""
    if not name or name in offered_zones():
        return name or "UTC"
    alias = get_global("zone_aliases").get(name)
    return alias if alias in offered_zones() else name
