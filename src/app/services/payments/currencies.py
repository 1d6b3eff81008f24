"""Stripe's currency rules as the app applies them before any call: which currencies it charges in, their
minimum charge, and the three-decimal ones whose amounts must end in 0.

Source: https://docs.stripe.com/currencies (presentment currencies, special cases, minimum charge amounts). The
sandbox keeps its own copy (`stripe_sandbox/currencies.py`): the app never imports the sandbox, and a test checks
the two tables agree.
"""

from __future__ import annotations

from app.errors import NotAllowed
from app.money import ACTIVE_CURRENCIES, decimals, format_money

# Every currency Stripe charges cards in (presentment currencies), upper case as the app stores them.
STRIPE_CURRENCIES = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP BYN BZD CAD CDF CHF CLP
CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ISK
JMD JOD JPY KES KGS KHR KMF KRW KWD KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN
NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD STD
SZL THB TJS TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VND VUV WST XAF XCD XOF XPF YER ZAR ZMW
""".split())
STRIPE_ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()
)
# Stripe takes these in thousandths but requires the last digit to be 0 (card networks settle to the hundredth).
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())

# Stripe's minimum charge per currency, in its minor units (the published table); elsewhere about USD 0.50.
MINIMUM_CHARGE: dict[str, int] = {
    "USD": 50, "AED": 200, "AUD": 50, "BGN": 100, "BRL": 50, "CAD": 50, "CHF": 50, "CZK": 1500, "DKK": 250,
    "EUR": 50, "GBP": 30, "HKD": 400, "HUF": 17500, "INR": 50, "JPY": 50, "MXN": 1000, "MYR": 200, "NOK": 300,
    "NZD": 50, "PLN": 200, "RON": 200, "SEK": 300, "SGD": 50, "THB": 1000,
}  # fmt: skip


def stripe_decimals(currency: str) -> int:
    """Digits after the decimal point in the amounts Stripe expects for this currency."""
    code = currency.upper()
    return 0 if code in STRIPE_ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def chargeable(currency: str) -> bool:
    """True when Stripe charges in this currency and counts its minor units as PayPort stores them.

    A few currencies (ISK, AFN, ...) have 0 decimals in ISO 4217 but 2 in Stripe's API: an amount stored here would
    reach Stripe a hundred times too small, so they are not offered while Stripe is used.
    """
    code = currency.upper()
    return code in STRIPE_CURRENCIES and code in ACTIVE_CURRENCIES and decimals(code) == stripe_decimals(code)


PICKER_CURRENCIES = tuple(code for code in ACTIVE_CURRENCIES if chargeable(code))


def picker_currencies(stripe_used: bool) -> tuple[str, ...]:
    """What currency pickers offer: only those Stripe charges in once the vendor uses Stripe."""
    return PICKER_CURRENCIES if stripe_used else ACTIVE_CURRENCIES


def minimum_charge(currency: str) -> int | None:
    """Stripe's published minimum charge in minor units, or None when Stripe publishes none for it."""
    return MINIMUM_CHARGE.get(currency.upper())


def charge_problem(amount: int, currency: str) -> str:
    """Why Stripe would refuse to charge this amount, in words, or "" when it would accept it."""
    code = currency.upper()
    if not chargeable(code):
        return f"Stripe does not take card payments in {code}."
    least = minimum_charge(code)
    if least is not None and amount < least:
        return (f"Stripe's minimum charge is {format_money(least, code)}; "
                f"{format_money(amount, code)} is below it, so this invoice cannot be paid by card.")
    if code in THREE_DECIMAL and amount % 10:
        return (f"Stripe charges {code} only in amounts whose last digit is 0 "
                f"({format_money(amount, code)} is not), so this invoice cannot be paid by card.")
    return ""


def check_chargeable(amount: int, currency: str) -> None:
    """Raise NotAllowed with Stripe's rule in words when Stripe would refuse this charge."""
    problem = charge_problem(amount, currency)
    if problem:
        raise NotAllowed(problem)
