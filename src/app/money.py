"""Money as integer minor units plus an ISO 4217 currency; decimals come from the currency."""

from __future__ import annotations

from datetime import date
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.core import get_global
from babel.numbers import (format_currency, get_currency_name, get_currency_precision, get_territory_currencies,
                           list_currencies)

# Every code babel knows, withdrawn ones included: amounts stored long ago still format and filter.
KNOWN_CURRENCIES = frozenset(list_currencies())


def _active_currencies(on: date) -> tuple[str, ...]:
    # Legal tender somewhere on that day (CLDR): no withdrawn (ADP, AFA), fund or metal (XAU) or test codes (XXX).
    codes = {code for territory in get_global("territory_currencies")
             for code in get_territory_currencies(territory, on, tender=True)}
    return tuple(sorted(codes & KNOWN_CURRENCIES))


ACTIVE_CURRENCIES = _active_currencies(date.today())
CURRENCY_CHOICES = tuple((code, f"{code} · {get_currency_name(code, locale='en_US')}") for code in ACTIVE_CURRENCIES)


def currency_choices(codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(code, "code · name") pairs for a picker offering `codes`."""
    return tuple((code, f"{code} · {get_currency_name(code, locale='en_US')}") for code in codes)


class UnknownCurrency(ValueError):
    """The code is not an ISO 4217 currency."""


def check_currency(code: str) -> str:
    """Return the upper-cased code, or raise UnknownCurrency."""
    normalised = (code or "").strip().upper()
    if len(normalised) != 3 or normalised not in KNOWN_CURRENCIES:
        raise UnknownCurrency(f"{code!r} is not an ISO 4217 currency code")
    return normalised


def check_active_currency(code: str) -> str:
    """Like check_currency, for new input: only a currency in use today (what the pickers offer)."""
    normalised = check_currency(code)
    if normalised not in ACTIVE_CURRENCIES:
        raise UnknownCurrency(f"{code!r} is not a currency in use")
    return normalised


def decimals(currency: str) -> int:
    """How many decimals the currency has (JPY 0, USD 2, KWD 3)."""
    return get_currency_precision(currency.upper())


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """A major-unit amount ("12.50") as integer minor units, half-up."""
    scale = Decimal(10) ** decimals(currency)
    return int((Decimal(str(amount)) * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_major(amount_minor: int, currency: str) -> Decimal:
    """Integer minor units as a Decimal in major units, with the currency's decimals."""
    places = decimals(currency)
    return (Decimal(amount_minor) / (Decimal(10) ** places)).quantize(Decimal(1).scaleb(-places))


@lru_cache(maxsize=16384)  # babel's formatting is slow enough to dominate a list of 25 rows
def format_money(amount_minor: int, currency: str, locale: str = "en_US") -> str:
    """Human display, e.g. $1,234.50 or ¥1,235."""
    return format_currency(to_major(amount_minor, currency), currency.upper(), locale=locale)


_AMOUNT = re.compile(r"[0-9]{1,15}(\.[0-9]{0,3})?")


def parse_amount(text: str, currency: str) -> int:
    """A typed amount ("1,234.50") as minor units of the currency; ValueError with a sentence when it is not one."""
    cleaned = (text or "").strip().replace(",", "")
    places = decimals(currency)
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError("Enter an amount such as 120" + ("" if places == 0 else "." + "0" * places) + ".")
    whole, _, fraction = cleaned.partition(".")
    if len(fraction.rstrip("0")) > places:
        raise ValueError(f"{currency.upper()} amounts have {places or 'no'} decimal{'' if places == 1 else 's'}.")
    return to_minor(cleaned, currency)
