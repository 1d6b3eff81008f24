"""Strict parsers for text that arrives in forms and query strings: ids, whole numbers, dates, control characters.

str.isdigit() is true for "²" and "١" (which int() then refuses or reads), and ids beyond the database's
integer range make queries fail; every such value is refused here, before anything is written.
"""

from __future__ import annotations

import re
from datetime import date

MAX_ID = 2**31 - 1  # Piccolo's Serial and Integer columns are 32-bit on PostgreSQL
ASCII_DIGITS = re.compile(r"[0-9]{1,12}")
# Dates a business document can carry; far ones overflow date arithmetic (9999-12-31 + 30 days).
MIN_DATE, MAX_DATE = date(1970, 1, 1), date(2199, 12, 31)
# C0 controls except tab, LF, CR; DEL; C1 controls. PostgreSQL refuses NUL in text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85]")


def parse_whole(raw: str, low: int, high: int) -> int | None:
    """An ASCII whole number within [low, high], or None."""
    raw = (raw or "").strip()
    if not ASCII_DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def parse_id(raw: str) -> int | None:
    """A row id written in ASCII digits within the database's integer range, or None."""
    return parse_whole(raw, 1, MAX_ID)


def parse_date(raw: str) -> date | None:
    """A YYYY-MM-DD date between MIN_DATE and MAX_DATE, or None."""
    raw = (raw or "").strip()
    if not raw.isascii():
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        return None
    return value if MIN_DATE <= value <= MAX_DATE else None


def has_control(text: str) -> bool:
    """True when the text holds a control character other than tab and line breaks."""
    return bool(CONTROL.search(text or ""))


def is_one_line(text: str) -> bool:
    """True when the text has no control characters and no line break (safe in a mail header)."""
    return not has_control(text) and not LINE_BREAK.search(text or "") and "\t" not in (text or "")
