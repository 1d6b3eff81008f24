"""The report period form: a month, a quarter or a year, on accrual or cash basis, checked field by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

KINDS = {"month": "Month", "quarter": "Quarter", "year": "Year"}
BASES = {"accrual": "Accrual (invoice date)", "cash": "Cash (payment date)"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    """Days [start, end) in the vendor's calendar, with what the form said."""

    kind: str
    year: int
    index: int  # month 1-12, quarter 1-4, 1 for a year
    basis: str = "accrual"

    @property
    def start(self) -> date:
        """First day of the period."""
        month = {"month": self.index, "quarter": 3 * self.index - 2}.get(self.kind, 1)
        return date(self.year, month, 1)

    @property
    def end(self) -> date:
        """The day after the period's last day."""
        months = {"month": 1, "quarter": 3}.get(self.kind, 12)
        total = self.start.month - 1 + months
        return date(self.year + total // 12, total % 12 + 1, 1)

    @property
    def label(self) -> str:
        """'November 2026', 'Q4 2026', '2026'."""
        if self.kind == "month":
            return f"{MONTHS[self.index - 1]} {self.year}"
        return f"Q{self.index} {self.year}" if self.kind == "quarter" else str(self.year)

    @property
    def slug(self) -> str:
        """'2026-11', '2026-q4', '2026': for file names."""
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        return f"{self.year}-q{self.index}" if self.kind == "quarter" else str(self.year)

    def params(self) -> dict[str, str]:
        """The period as the form's URL parameters."""
        values = {"kind": self.kind, "year": str(self.year), "basis": self.basis}
        if self.kind != "year":
            values[self.kind] = str(self.index)
        return values

    def instants(self, tz: str) -> tuple[datetime, datetime]:
        """The period's bounds as UTC instants: midnights in the vendor's zone (payments are stored in UTC)."""
        zone = ZoneInfo(tz or "UTC")
        return tuple(datetime.combine(day, time(0), zone).astimezone(timezone.utc)  # type: ignore[return-value]
                     for day in (self.start, self.end))


@dataclass
class PeriodForm:
    """The form as typed, its errors by field, and the period once valid."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    period: Period | None = None


def _number(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 4:  # "²" is a digit to Python, not to int()
        return None
    value = int(text)
    return value if low <= value <= high else None


def default_period(today: date, basis: str = "accrual") -> Period:
    """The current month."""
    return Period("month", today.year, today.month, basis)


def parse_period(params: dict[str, str], today: date) -> PeriodForm:
    """The period from the query; without one, the current month; errors by field when something is wrong."""
    fallback = default_period(today)
    values = {"kind": params.get("kind", "month"), "year": params.get("year", str(today.year)),
              "month": params.get("month", str(today.month)),
              "quarter": params.get("quarter", str((today.month - 1) // 3 + 1)),
              "basis": params.get("basis", "accrual")}
    values = {k: v[:20] for k, v in values.items()}
    form = PeriodForm(values)
    if values["kind"] not in KINDS:
        form.errors["kind"] = "Choose a month, a quarter or a year."
    if values["basis"] not in BASES:
        form.errors["basis"] = "Choose accrual or cash basis."
    year = _number(values["year"], FIRST_YEAR, LAST_YEAR)
    if year is None:
        form.errors["year"] = f"Enter a year from {FIRST_YEAR} to {LAST_YEAR}."
    limits = {"month": 12, "quarter": 4}
    index = 1
    if values["kind"] in limits:
        index = _number(values[values["kind"]], 1, limits[values["kind"]]) or 0
        if not index:
            form.errors[values["kind"]] = f"Choose a {values['kind']}."
    if not form.errors:
        form.period = Period(values["kind"], year or fallback.year, index, values["basis"])
    return form
