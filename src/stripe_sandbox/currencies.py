"""Every currency Stripe charges in, its minor-unit exponent, Stripe's minimum charges and fixed sandbox exchange rates.

Sources: https://docs.stripe.com/currencies (presentment currencies, zero- and three-decimal lists, minimum and
maximum charge amounts per settlement currency). Exchange rates are fixed approximations in USD per unit: the
sandbox needs stable numbers to convert between charge and settlement currencies, not market data.
"""

from __future__ import annotations

ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"})
# Stripe takes these in thousandths but requires the last digit to be 0 (card networks settle to the hundredth).
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})

# USD per one major unit of each currency.
USD_PER_UNIT: dict[str, float] = {
    "usd": 1.0, "aed": 0.2723, "afn": 0.0145, "all": 0.011, "amd": 0.00258, "ang": 0.558, "aoa": 0.0011,
    "ars": 0.00075, "aud": 0.655, "awg": 0.5556, "azn": 0.588, "bam": 0.55, "bbd": 0.5, "bdt": 0.0082,
    "bgn": 0.55, "bhd": 2.65, "bif": 0.00034, "bmd": 1.0, "bnd": 0.77, "bob": 0.145, "brl": 0.185, "bsd": 1.0,
    "bwp": 0.074, "byn": 0.31, "bzd": 0.496, "cad": 0.72, "cdf": 0.00035, "chf": 1.13, "clp": 0.00105,
    "cny": 0.139, "cop": 0.00025, "crc": 0.00198, "cve": 0.0098, "czk": 0.044, "djf": 0.0056, "dkk": 0.145,
    "dop": 0.016, "dzd": 0.0075, "egp": 0.0205, "etb": 0.0072, "eur": 1.08, "fjd": 0.44, "fkp": 1.27,
    "gbp": 1.27, "gel": 0.37, "gip": 1.27, "gmd": 0.014, "gnf": 0.000116, "gtq": 0.13, "gyd": 0.0048,
    "hkd": 0.128, "hnl": 0.038, "htg": 0.0076, "huf": 0.0028, "idr": 0.000062, "ils": 0.27, "inr": 0.0115,
    "isk": 0.0073, "jmd": 0.0063, "jod": 1.41, "jpy": 0.0066, "kes": 0.0077, "kgs": 0.0114, "khr": 0.00025,
    "kmf": 0.0022, "krw": 0.00071, "kwd": 3.25, "kyd": 1.2, "kzt": 0.0019, "lak": 0.000046, "lbp": 0.0000112,
    "lkr": 0.0033, "lrd": 0.0055, "lsl": 0.055, "mad": 0.1, "mdl": 0.057, "mga": 0.00022, "mkd": 0.0175,
    "mmk": 0.00048, "mnt": 0.00029, "mop": 0.124, "mur": 0.022, "mvr": 0.065, "mwk": 0.00058, "mxn": 0.054,
    "myr": 0.23, "mzn": 0.0157, "nad": 0.055, "ngn": 0.00065, "nio": 0.027, "nok": 0.095, "npr": 0.0073,
    "nzd": 0.59, "omr": 2.6, "pab": 1.0, "pen": 0.27, "pgk": 0.25, "php": 0.0175, "pkr": 0.0036, "pln": 0.25,
    "pyg": 0.000128, "qar": 0.2747, "ron": 0.22, "rsd": 0.0093, "rub": 0.011, "rwf": 0.00072, "sar": 0.2667,
    "sbd": 0.12, "scr": 0.07, "sek": 0.095, "sgd": 0.76, "shp": 1.27, "sle": 0.044, "sos": 0.00175,
    "srd": 0.028, "std": 0.0000437, "szl": 0.055, "thb": 0.029, "tjs": 0.094, "tnd": 0.32, "top": 0.42,
    "try": 0.025, "ttd": 0.147, "twd": 0.031, "tzs": 0.00038, "uah": 0.024, "ugx": 0.00027, "uyu": 0.025,
    "uzs": 0.000079, "vnd": 0.000039, "vuv": 0.0083, "wst": 0.36, "xaf": 0.00165, "xcd": 0.37, "xof": 0.00165,
    "xpf": 0.009, "yer": 0.004, "zar": 0.055, "zmw": 0.04,
}  # fmt: skip
CURRENCIES = frozenset(USD_PER_UNIT)

# Stripe's minimum charge per settlement currency, in its minor units; elsewhere the equivalent of USD 0.50.
MINIMUM_CHARGE: dict[str, int] = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50, "czk": 1500, "dkk": 250,
    "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50, "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300,
    "nzd": 50, "pln": 200, "ron": 200, "sek": 300, "sgd": 50, "thb": 1000,
}  # fmt: skip


def decimals(currency: str) -> int:
    """Digits after the decimal point in Stripe amounts of this currency."""
    return 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2


def exchange_rate(source: str, target: str) -> float:
    """Major units of target per major unit of source (Stripe's balance transaction exchange_rate)."""
    return USD_PER_UNIT[source] / USD_PER_UNIT[target]


def convert(amount: int, source: str, target: str) -> int:
    """An amount in source minor units expressed in target minor units, rounded half away from zero."""
    if source == target:
        return amount
    major = amount / 10 ** decimals(source) * exchange_rate(source, target)
    value = abs(major) * 10 ** decimals(target)
    rounded = int(value + 0.5)
    return rounded if amount >= 0 else -rounded


def minimum_charge(settlement: str) -> int:
    """Stripe's minimum charge in the settlement currency's minor units."""
    if settlement in MINIMUM_CHARGE:
        return MINIMUM_CHARGE[settlement]
    return max(1, convert(50, "usd", settlement))
