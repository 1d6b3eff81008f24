"""API versions: which ones the sandbox can render, and how an object looks in the older one it knows.

Stripe renders API responses in the request's `Stripe-Version` (else the account's default) and webhook events in
the endpoint's `api_version`. The sandbox knows two shapes: the installed SDK's version and 2024-04-10, the version
of Stripe's OpenAPI reference beside the project; other real versions are refused with a clear error rather than
rendered wrongly.
"""

from __future__ import annotations

import typing
from typing import Any

import stripe.params as sp

from stripe_sandbox.core import API_VERSION
from stripe_sandbox.errors import StripeError

OLD_VERSION = "2024-04-10"
RENDERED = (OLD_VERSION, API_VERSION)
# Every version Stripe has published, as the SDK lists them for webhook endpoints.
STRIPE_VERSIONS = frozenset(typing.get_args(typing.get_args(sp.WebhookEndpointCreateParams.__annotations__["api_version"])[0]))

# Fields that did not exist in 2024-04-10, per object type.
ADDED_SINCE_OLD: dict[str, tuple[str, ...]] = {
    "checkout.session": (
        "adaptive_pricing", "collected_information", "customer_account", "discounts", "integration_identifier",
        "managed_payments", "origin_context", "permissions", "wallet_options",
    ),
    "refund": ("customer", "customer_account", "payment_method"),
    "payment_intent": ("customer_account", "excluded_payment_method_types", "managed_payments", "source"),
    "charge": ("source",),
    "balance_transaction": ("balance_type",),
    "item": ("adjustable_quantity", "metadata"),
    "payment_method": ("customer_account",),
    "setup_intent": ("excluded_payment_method_types",),
}  # fmt: skip
OLD_UI_MODES = {"hosted_page": "hosted", "embedded_page": "embedded"}


def check_version(version: str, param: str | None = None) -> str:
    """A version the sandbox renders, or Stripe's error for an unknown one (or the sandbox's for one it cannot render)."""
    if version not in STRIPE_VERSIONS:
        raise StripeError.invalid(f"Invalid Stripe API version: {version}", param=param)
    if version not in RENDERED:
        raise StripeError.invalid(
            f"The sandbox renders API versions {' and '.join(RENDERED)} only, not {version}: pin one of those.", param=param
        )
    return version


def render_version(obj: Any, version: str) -> Any:
    """The object (with nested and expanded objects, lists, events) as the given API version shows it."""
    if version == API_VERSION:
        return obj
    if isinstance(obj, list):
        return [render_version(item, version) for item in obj]
    if not isinstance(obj, dict):
        return obj
    # An event's data hash has an "object" key too, holding the object itself.
    kind = obj.get("object") if isinstance(obj.get("object"), str) else None
    dropped = ADDED_SINCE_OLD.get(kind or "", ())
    # metadata is the user's own hash: never read as an object.
    out = {k: v if k == "metadata" else render_version(v, version) for k, v in obj.items() if k not in dropped}
    if kind == "event":
        out["api_version"] = version
    if kind == "checkout.session":
        out["ui_mode"] = OLD_UI_MODES.get(out.get("ui_mode") or "", out.get("ui_mode"))
        out["shipping_details"] = ((obj.get("collected_information") or {}).get("shipping_details")) or None
    return out
