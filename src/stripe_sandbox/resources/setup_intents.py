"""The SetupIntent object (the API routes live with PaymentIntent confirmation in confirmations.py)."""

from __future__ import annotations

import secrets
from typing import Any

from stripe_sandbox.store import now, random_id


def build_setup_intent(params: dict[str, Any]) -> dict[str, Any]:
    """A SetupIntent as Stripe returns it on create."""
    intent_id = random_id("seti_")
    return {
        "application": None,
        "automatic_payment_methods": None,
        "cancellation_reason": None,
        "client_secret": f"{intent_id}_secret_{secrets.token_urlsafe(24)}",
        "created": now(),
        "customer": params.get("customer"),
        "customer_account": None,
        "description": params.get("description"),
        "excluded_payment_method_types": None,
        "flow_directions": None,
        "id": intent_id,
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": {k: v for k, v in (params.get("metadata") or {}).items() if v != ""},
        "next_action": None,
        "object": "setup_intent",
        "on_behalf_of": params.get("on_behalf_of"),
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"mandate_options": None, "network": None, "request_three_d_secure": "automatic"}},
        "payment_method_types": params.get("payment_method_types") or ["card"],
        "single_use_mandate": None,
        "status": "requires_payment_method",
        "usage": params.get("usage", "off_session"),
    }
