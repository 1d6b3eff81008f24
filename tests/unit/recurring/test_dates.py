"""Period dates by frequency: every N weeks, quarterly and yearly on clamped days, end dates."""

from datetime import date

from app.services.recurring.dates import Rule, first_on_or_after, occurrences


def test_every_two_weeks():
    rule = Rule("weeks", 2, 1, date(2026, 3, 2))
    assert occurrences(rule, limit=3) == [date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 30)]


def test_quarterly_on_day_31_uses_the_quarter_months_last_day():
    rule = Rule("quarterly", 1, 31, date(2026, 1, 31))
    assert occurrences(rule, limit=4) == [date(2026, 1, 31), date(2026, 4, 30), date(2026, 7, 31), date(2026, 10, 31)]


def test_yearly_on_feb_29_falls_on_feb_28_in_common_years():
    rule = Rule("yearly", 1, 29, date(2028, 2, 29))
    assert occurrences(rule, limit=3) == [date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28)]


def test_an_end_date_stops_the_dates_and_after_finds_the_next():
    rule = Rule("monthly", 1, 15, date(2026, 1, 15), "date", date(2026, 4, 14))
    assert occurrences(rule, limit=10) == [date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)]
    assert first_on_or_after(rule, date(2026, 2, 16)) == date(2026, 3, 15)
    assert first_on_or_after(rule, date(2026, 3, 16)) is None
