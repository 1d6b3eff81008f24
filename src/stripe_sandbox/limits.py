"""Length and format limits Stripe applies to string parameters (its OpenAPI `maxLength`, 5000 unless listed)."""

from __future__ import annotations

import re
from typing import Any

from stripe_sandbox.errors import StripeError

DEFAULT_MAX = 5000
# Parameter paths (list indexes written as []) whose maxLength differs from 5000 in Stripe's OpenAPI spec.
MAX_LENGTH: dict[str, int] = {
    "client_reference_id": 200,
    "payment_intent_data[description]": 1000,
    "payment_intent_data[statement_descriptor]": 22,
    "payment_intent_data[statement_descriptor_suffix]": 22,
    "payment_method_options[card][statement_descriptor_suffix_kana]": 22,
    "payment_method_options[card][statement_descriptor_suffix_kanji]": 17,
    "line_items[][price_data][product_data][description]": 40000,
    "custom_text[after_submit][message]": 1200,
    "custom_text[shipping_address][message]": 1200,
    "custom_text[submit][message]": 1200,
    "custom_text[terms_of_service_acceptance][message]": 1200,
    "custom_fields[][key]": 200,
    "custom_fields[][label][custom]": 50,
    "custom_fields[][dropdown][options][][label]": 100,
    "custom_fields[][dropdown][options][][value]": 100,
    "invoice_creation[invoice_data][description]": 1500,
    "invoice_creation[invoice_data][custom_fields][][name]": 40,
    "invoice_creation[invoice_data][custom_fields][][value]": 140,
    "business_profile[mcc]": 4,
    "business_profile[product_description]": 40000,
    "business_profile[support_address][city]": 100,
    "business_profile[support_address][line1]": 200,
    "business_profile[support_address][line2]": 200,
    "settings[payments][statement_descriptor]": 22,
    "settings[payouts][statement_descriptor]": 22,
    "settings[card_payments][statement_descriptor_prefix]": 10,
}
DESCRIPTORS = {
    "payment_intent_data[statement_descriptor]": 5,
    "payment_intent_data[statement_descriptor_suffix]": 1,
    "settings[payments][statement_descriptor]": 5,
    "settings[card_payments][statement_descriptor_prefix]": 2,
}
FORBIDDEN = re.compile(r"""[<>\\'"*]""")


def check_lengths(params: dict[str, Any], path: str = "") -> None:
    """Every string within its maxLength; metadata has its own rules (check_metadata)."""
    for key, value in params.items():
        name = f"{path}[{key}]" if path else key
        if key == "metadata" or value is None:
            continue
        if isinstance(value, dict):
            check_lengths(value, name)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                _check_item(item, f"{name}[{index}]")
        elif isinstance(value, str):
            _check_string(value, name)


def _check_item(item: Any, name: str) -> None:
    if isinstance(item, dict):
        check_lengths(item, name)
    elif isinstance(item, str):
        _check_string(item, name)


def _check_string(value: str, name: str) -> None:
    pattern = re.sub(r"\[\d+\]", "[]", name)
    limit = MAX_LENGTH.get(pattern, DEFAULT_MAX)
    if len(value) > limit:
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise StripeError.invalid(f"Invalid string: {shown}; must be at most {limit} characters", param=name)
    if pattern in DESCRIPTORS and value:
        check_descriptor(value, name, DESCRIPTORS[pattern])


def check_descriptor(value: str, param: str, minimum: int) -> None:
    """Stripe's statement descriptor rules: Latin characters, at least one letter, none of < > \\ ' " *."""
    if len(value) < minimum:
        raise StripeError.invalid(f"Invalid string: {value}; must be at least {minimum} characters", param=param)
    if FORBIDDEN.search(value):
        raise StripeError.invalid(
            "Statement descriptors can't contain any of these special characters: < > \\ ' \" *.", param=param
        )
    if not value.isascii() or not value.isprintable():
        raise StripeError.invalid("Statement descriptors can only contain Latin characters.", param=param)
    if not re.search(r"[A-Za-z]", value):
        raise StripeError.invalid("Statement descriptors must contain at least one letter.", param=param)


def full_descriptor(prefix: str, suffix: str | None) -> str:
    """What the card statement shows: the prefix and the dynamic suffix, 22 characters at most (Stripe truncates)."""
    text = f"{prefix}* {suffix}" if suffix else prefix
    return text[:22].upper()
