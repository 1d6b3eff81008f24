"""Stripe's length and format limits on what the app sends, applied before sending so Stripe never refuses a
request for a long vendor name or line description (Stripe's API reference: maxLength of each parameter)."""

from __future__ import annotations

import re
import unicodedata

PRODUCT_NAME = 250  # Stripe accepts 5000; a Checkout line past a few hundred characters reads as noise
DESCRIPTION = 1000  # payment_intent_data[description]
CLIENT_REFERENCE_ID = 200
CUSTOM_TEXT = 1200  # custom_text[*][message]
DESCRIPTOR = 22  # statement_descriptor and statement_descriptor_suffix
METADATA_KEYS, METADATA_KEY, METADATA_VALUE = 50, 40, 500
# Characters card networks refuse on statements; Stripe also wants Latin characters and at least one letter.
DESCRIPTOR_FORBIDDEN = re.compile(r"""[<>\\'"*]""")


def clip(text: str, limit: int) -> str:
    """The text within `limit` characters, ending in an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def statement_descriptor(text: str, minimum: int = 1) -> str:
    """Text a card statement can show (ASCII, no < > \\ ' " *, 22 characters at most), or "" when too little is left.

    Accents are dropped rather than the letter ("Café Noël" -> "CAFE NOEL"); a result without a letter or shorter
    than Stripe's minimum (5 for a full descriptor, 1 for a suffix) is "" so the caller sends nothing.
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = DESCRIPTOR_FORBIDDEN.sub("", "".join(ch for ch in plain if ch.isprintable()))
    plain = " ".join(plain.split())[:DESCRIPTOR].strip().upper()
    if len(plain) < minimum or not re.search(r"[A-Z]", plain):
        return ""
    return plain


def metadata(values: dict[str, str]) -> dict[str, str]:
    """Metadata within Stripe's limits: 50 keys, keys up to 40 characters, values up to 500; extra keys dropped."""
    kept = list(values.items())[:METADATA_KEYS]
    return {key[:METADATA_KEY]: str(value)[:METADATA_VALUE] for key, value in kept}
