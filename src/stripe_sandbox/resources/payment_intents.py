"""Payment intents created by Checkout: the object, retrieve and list."""

from __future__ import annotations

import secrets
from typing import Any

import stripe.params as sp
from litestar import Request, Response, get
from litestar.params import FromPath

from stripe_sandbox.api import api_call, find, list_objects
from stripe_sandbox.cards import Card, Decline
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.store import now, random_id


def build_payment_intent(session: dict[str, Any], intent_data: dict[str, Any]) -> dict[str, Any]:
    """The payment intent Checkout creates when the customer first submits the form."""
    intent_id = random_id("pi_")
    transfer = intent_data.get("transfer_data")
    return {
        "amount": session["amount_total"],
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": intent_data.get("application_fee_amount"),
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": intent_data.get("capture_method", "automatic_async"),
        "client_secret": f"{intent_id}_secret_{secrets.token_urlsafe(18)}",
        "confirmation_method": "automatic",
        "created": now(),
        "currency": session["currency"],
        "customer": None,
        "customer_account": None,
        "description": intent_data.get("description"),
        "excluded_payment_method_types": None,
        "id": intent_id,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": {k: v for k, v in (intent_data.get("metadata") or {}).items() if v != ""},
        "next_action": None,
        "object": "payment_intent",
        "on_behalf_of": intent_data.get("on_behalf_of"),
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {"installments": None, "mandate_options": None, "network": None, "request_three_d_secure": "automatic"}
        },
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": intent_data.get("receipt_email"),
        "review": None,
        "setup_future_usage": intent_data.get("setup_future_usage"),
        "shipping": None,
        "source": None,
        "statement_descriptor": intent_data.get("statement_descriptor"),
        "statement_descriptor_suffix": intent_data.get("statement_descriptor_suffix"),
        "status": "requires_payment_method",
        "transfer_data": {"destination": transfer["destination"], **({"amount": transfer["amount"]} if "amount" in transfer else {})}
        if transfer
        else None,
        "transfer_group": f"group_{intent_id}" if transfer else None,
    }


def payment_method(card: Card, email: str) -> dict[str, Any]:
    """A card payment method as embedded in last_payment_error."""
    return {
        "allow_redisplay": "unspecified",
        "billing_details": {"address": _empty_address(), "email": email, "name": None, "phone": None, "tax_id": None},
        "card": {
            "brand": card.brand,
            "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
            "country": "US",
            "display_brand": card.brand,
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
            "fingerprint": card.fingerprint,
            "funding": card.funding,
            "generated_from": None,
            "last4": card.last4,
            "networks": {"available": [card.brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": now(),
        "customer": None,
        "customer_account": None,
        "id": random_id("pm_"),
        "livemode": False,
        "metadata": {},
        "object": "payment_method",
        "type": "card",
    }


def _empty_address() -> dict[str, None]:
    return {k: None for k in ("city", "country", "line1", "line2", "postal_code", "state")}


def payment_error(decline: Decline, charge_id: str, method: dict[str, Any]) -> dict[str, Any]:
    """A payment intent's last_payment_error for a declined card; Stripe omits `param` (and empty network codes) here."""
    return {
        # The same advice the charge's outcome gives.
        "advice_code": "do_not_try_again" if decline.decline_code in ("lost_card", "stolen_card") else "try_again_later",
        "charge": charge_id,
        "code": decline.code,
        "decline_code": decline.decline_code,
        "doc_url": f"https://stripe.com/docs/error-codes/{decline.code.replace('_', '-')}",
        "message": decline.message,
        "payment_method": method,
        "type": "card_error",
    }


@get("/v1/payment_intents/{intent_id:str}")
async def retrieve_intent_route(request: Request, intent_id: FromPath[str]) -> Response:
    """GET /v1/payment_intents/{id}."""

    def handler(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        intent = find(sandbox, ctx, intent_id, "payment_intent", "payment_intent", param="intent")
        if "client_secret" in params and params["client_secret"] != intent["client_secret"]:
            raise StripeError.invalid("The client_secret provided does not match the client_secret associated with the PaymentIntent.", param="client_secret")
        return intent

    return await api_call(request, sp.PaymentIntentRetrieveParams, handler)


@get("/v1/payment_intents")
async def list_intents_route(request: Request) -> Response:
    """GET /v1/payment_intents."""

    def handler(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        if "customer" in params or "customer_account" in params:
            return {"object": "list", "data": [], "has_more": False, "url": "/v1/payment_intents"}
        return list_objects(sandbox, ctx.account, "payment_intent", params, "/v1/payment_intents")

    return await api_call(request, sp.PaymentIntentListParams, handler)


ROUTES = [retrieve_intent_route, list_intents_route]
