"""Bar chart geometry for server-drawn SVG: every bar carries its label and amount as text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel.numbers import format_compact_currency

from app.money import format_money as _format_money
from app.money import to_major
from app.services.dashboard.day import CurrencySeries

# Bars are drawn in the viewBox's units; the SVG scales to its card's width.
WIDTH = 520
LABEL_WIDTH = 100
AMOUNT_SPACE = 190
ROW = 34
BAR = 18
COLUMN_HEIGHT = 150
COLUMN_TOP = 22
COLUMN_LABELS = 36


@dataclass(frozen=True)
class Bar:
    """One bar and the text drawn beside it."""

    label: str
    amount_text: str
    detail: str  # the exact amount and count, for the tooltip and screen readers
    tone: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    text_x: float
    text_y: float
    sublabel: str = ""


@dataclass(frozen=True)
class Chart:
    """An SVG chart: its size, its accessible title and description, and its bars."""

    id: str
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar]
    baseline_y: float = 0


# Babel formatting costs tens of microseconds a call and a chart makes dozens; amounts repeat across refreshes.
@lru_cache(maxsize=8192)
def format_money(amount: int, currency: str) -> str:
    """format_money, memoised."""
    return _format_money(amount, currency)


def _count(count: int) -> str:
    return f"{count} invoice{'s' if count != 1 else ''}"


def _scale(series: CurrencySeries) -> int:
    return max((bucket.amount for bucket in series.buckets), default=0) or 1


def _describe(series: CurrencySeries) -> str:
    parts = [f"{b.label}: {format_money(b.amount, series.currency)} ({_count(b.count)})" for b in series.buckets]
    return "; ".join(parts) + "."


def ageing_chart(series: CurrencySeries) -> Chart:
    """Horizontal bars, one per ageing bucket, amounts written at the end of each bar."""
    tones = ("current", "late-1", "late-2", "late-3", "late-4")
    top, span, biggest = 6, WIDTH - LABEL_WIDTH - AMOUNT_SPACE, _scale(series)
    bars = []
    for index, bucket in enumerate(series.buckets):
        y = top + index * ROW
        width = round(span * bucket.amount / biggest, 1) if bucket.amount else 0
        bars.append(Bar(
            label=bucket.label, amount_text=format_money(bucket.amount, series.currency),
            detail=f"{bucket.label}: {format_money(bucket.amount, series.currency)}, {_count(bucket.count)}",
            tone=tones[index], x=LABEL_WIDTH, y=y, width=max(width, 2), height=BAR,
            label_x=LABEL_WIDTH - 10, label_y=y + BAR / 2, text_x=LABEL_WIDTH + max(width, 2) + 8, text_y=y + BAR / 2,
            sublabel=_count(bucket.count) if bucket.count else "",
        ))
    return Chart(
        id=f"ageing-{series.currency.lower()}", title=f"Ageing of receivables in {series.currency}",
        description=_describe(series), width=WIDTH, height=top * 2 + ROW * len(bars) - (ROW - BAR), bars=bars,
    )


@lru_cache(maxsize=8192)
def _compact(amount: int, currency: str) -> str:
    return format_compact_currency(to_major(amount, currency), currency, locale="en_US", fraction_digits=1)


def monthly_chart(series: CurrencySeries) -> Chart:
    """Vertical columns, one per month, the amount written above each column."""
    slot = WIDTH / len(series.buckets)
    column, biggest = min(30, slot * 0.62), _scale(series)
    baseline = COLUMN_TOP + COLUMN_HEIGHT
    bars = []
    for index, bucket in enumerate(series.buckets):
        height = round(COLUMN_HEIGHT * bucket.amount / biggest, 1) if bucket.amount else 0
        height = max(height, 2)
        x = index * slot + (slot - column) / 2
        month, year = bucket.label.split(" ")
        first_of_year = index == 0 or month == "Jan"
        bars.append(Bar(
            label=month, amount_text=_compact(bucket.amount, series.currency),
            detail=f"{bucket.label}: {format_money(bucket.amount, series.currency)}, {_count(bucket.count)}",
            tone="paid" if index < len(series.buckets) - 1 else "paid-current",
            x=round(x, 1), y=baseline - height, width=round(column, 1), height=height,
            label_x=round(index * slot + slot / 2, 1), label_y=baseline + 16,
            text_x=round(index * slot + slot / 2, 1), text_y=baseline - height - 6,
            sublabel=year if first_of_year else "",
        ))
    return Chart(
        id=f"paid-{series.currency.lower()}", title=f"Paid per month in {series.currency}, last 12 months",
        description=_describe(series), width=WIDTH, height=baseline + COLUMN_LABELS, bars=bars, baseline_y=baseline,
    )
