"""Value checks Stripe applies beyond types: currencies, URLs, metadata limits, amounts."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from stripe_sandbox.currencies import CURRENCIES, THREE_DECIMAL, ZERO_DECIMAL, decimals, minimum_charge
from stripe_sandbox.errors import StripeError

__all__ = ["CURRENCIES", "THREE_DECIMAL", "ZERO_DECIMAL", "minimum_charge"]  # re-exported for older imports

MAX_AMOUNT = 99_999_999


def check_currency(value: str, param: str) -> str:
    """Lower-case ISO code Stripe supports, or Stripe's error."""
    code = value.lower()
    if code not in CURRENCIES:
        raise StripeError.invalid(
            f"Invalid currency: {value}. Stripe currently supports these currencies: {', '.join(sorted(CURRENCIES))}",
            param=param,
        )
    return code


def check_minor_unit(amount: int, currency: str, param: str) -> None:
    """Three-decimal currencies (KWD, BHD, ...) take thousandths, but Stripe requires the last digit to be 0."""
    if currency in THREE_DECIMAL and amount % 10:
        raise StripeError.invalid(
            f"Invalid amount: {currency.upper()} amounts are in thousandths and must end in 0 "
            f"(a multiple of 10, e.g. {amount - amount % 10} or {amount - amount % 10 + 10}).",
            param=param,
            code="amount_invalid",
        )


def format_amount(amount: int, currency: str) -> str:
    """Human amount such as 'USD 12.34' for hosted pages."""
    digits = decimals(currency)
    value = amount / 10**digits
    return f"{currency.upper()} {value:,.{digits}f}"


def check_url(value: str, param: str) -> None:
    """Stripe's url_invalid check: an absolute http(s) URL."""
    parts = urlsplit(value.replace("{CHECKOUT_SESSION_ID}", "x"))
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise StripeError.invalid("Not a valid URL", param=param, code="url_invalid")


# Names that never resolve on the public internet (RFC 2606, RFC 6761, RFC 8375, common LAN suffixes).
PRIVATE_SUFFIXES = (".localhost", ".local", ".test", ".example", ".invalid", ".internal", ".lan", ".home.arpa", ".corp")
NOT_PUBLIC = (
    "Invalid URL: URL must be publicly accessible. Consider using a tool like the Stripe CLI to test webhooks locally: "
    "https://stripe.com/docs/webhooks/test (sandbox: start it with --allow-local-webhooks to accept this URL)."
)


def check_webhook_url(value: str, param: str, *, allow_local: bool) -> None:
    """Stripe only sends webhooks to public https URLs; a sandbox started with allow_local also takes local ones."""
    check_url(value, param)
    if allow_local:
        return
    parts = urlsplit(value)
    if parts.scheme != "https":
        raise StripeError.invalid("Invalid URL: URL must use HTTPS (https://...).", param=param, code="url_invalid")
    if not is_public_host(parts.hostname or ""):
        raise StripeError.invalid(NOT_PUBLIC, param=param, code="url_invalid")


def is_public_host(host: str) -> bool:
    """A host name or address the internet can reach: not loopback, private, link-local, reserved or a LAN name."""
    host = host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host and host != "localhost" and not host.endswith(PRIVATE_SUFFIXES)
    return address.is_global


def check_metadata(metadata: dict[str, Any] | None, prefix: str = "metadata") -> None:
    """At most 50 keys, keys up to 40 characters, values up to 500."""
    if not metadata:
        return
    if len(metadata) > 50:
        raise StripeError.invalid("Invalid metadata: metadata cannot have more than 50 keys", param=prefix)
    for key, value in metadata.items():
        if len(key) > 40:
            raise StripeError.invalid(
                f"Metadata keys must be at most 40 characters long but you supplied '{key}'.", param=f"{prefix}[{key}]"
            )
        if len(value) > 500:
            raise StripeError.invalid(
                "Metadata values can have up to 500 characters, but you passed in a value that is "
                f"{len(value)} characters: '{key}'.",
                param=f"{prefix}[{key}]",
            )


def check_amount(value: int, param: str, *, minimum: int = 0) -> None:
    """A non-negative integer below Stripe's 8-digit ceiling."""
    if value < minimum:
        raise StripeError.invalid(f"This value must be greater than or equal to {minimum}.", param=param)
    if value > MAX_AMOUNT:
        raise StripeError.invalid(
            f"This value must be less than or equal to {MAX_AMOUNT} (it currently is '{value}').",
            param=param,
            code="amount_too_large",
        )
