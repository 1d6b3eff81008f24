"""Period dates of a recurring profile, by dateutil's rrule: dates in the vendor's time zone, from the start date.

Monthly, quarterly and yearly on day D fall on the month's last day when it is shorter (31 -> Feb 28/29 -> Mar 31).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dateutil.rrule import MONTHLY, WEEKLY, YEARLY, rrule

FREQUENCIES = {
    "weekly": "Weekly",
    "weeks": "Every N weeks",
    "monthly": "Monthly on day",
    "monthly_last": "Monthly on the last day",
    "quarterly": "Quarterly",
    "yearly": "Yearly",
}
MAX_EVERY = 52


@dataclass(frozen=True)
class Rule:
    """The parts of a profile that decide its dates."""

    frequency: str
    every: int
    day_of_month: int
    start_date: date
    end_mode: str = "never"
    end_date: date | None = None


def _clamped_days(day: int) -> dict:
    # The largest of D, D-1, ... 28 that the month has: day D, or the last day of a shorter month.
    return {"bymonthday": tuple(range(min(day, 28), day + 1)), "bysetpos": -1}


def _rrule(rule: Rule) -> rrule:
    start = datetime.combine(rule.start_date, datetime.min.time())
    day = max(1, min(rule.day_of_month or rule.start_date.day, 31))
    if rule.frequency == "weekly":
        return rrule(WEEKLY, dtstart=start)
    if rule.frequency == "weeks":
        return rrule(WEEKLY, interval=max(1, rule.every), dtstart=start)
    if rule.frequency == "monthly_last":
        return rrule(MONTHLY, dtstart=start, bymonthday=-1)
    if rule.frequency == "quarterly":
        return rrule(MONTHLY, interval=3, dtstart=start, **_clamped_days(day))
    if rule.frequency == "yearly":
        return rrule(YEARLY, dtstart=start, bymonth=rule.start_date.month, **_clamped_days(rule.start_date.day))
    return rrule(MONTHLY, dtstart=start, **_clamped_days(day))


def occurrences(rule: Rule, after: date | None = None, limit: int = 5, until: date | None = None) -> list[date]:
    """Period dates in order, from `after` (inclusive) on, at most `limit`, none past `until` or the end date.

    An end after N invoices is the caller's: skipped (paused) periods do not count, so it caps `limit`.
    """
    ends = [d for d in (until, rule.end_date if rule.end_mode == "date" else None) if d is not None]
    last = min(ends) if ends else None
    out: list[date] = []
    for moment in _rrule(rule):
        day = moment.date()
        if last is not None and day > last:
            break
        if after is not None and day < after:
            continue
        out.append(day)
        if len(out) >= limit:
            break
    return out


def first_on_or_after(rule: Rule, day: date) -> date | None:
    """The first period date on or after `day` (None when the rule has ended by then)."""
    found = occurrences(rule, after=day, limit=1)
    return found[0] if found else None

