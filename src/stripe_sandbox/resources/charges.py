"""Charges: the object Checkout's card attempts produce, retrieve and list."""

from __future__ import annotations

from typing import Any

import stripe.params as sp
from litestar import Request, Response, get
from litestar.params import FromPath

from stripe_sandbox.api import api_call, find, list_objects
from stripe_sandbox.cards import Card, Decline
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.store import now, random_id


def build_charge(
    intent: dict[str, Any], card: Card, method_id: str, email: str, decline: Decline | None, *, descriptor: str, base: str
) -> dict[str, Any]:
    """A succeeded or failed card charge for a payment intent."""
    charge_id = random_id("ch_")
    paid = decline is None
    return {
        "amount": intent["amount"],
        "amount_captured": intent["amount"] if paid else 0,
        "amount_refunded": 0,
        "application": intent["application"],
        "application_fee": None,
        "application_fee_amount": intent["application_fee_amount"] if paid else None,
        "balance_transaction": None,
        "billing_details": {
            "address": {k: None for k in ("city", "country", "line1", "line2", "postal_code", "state")},
            "email": email,
            "name": None,
            "phone": None,
            "tax_id": None,
        },
        "calculated_statement_descriptor": descriptor,
        "captured": paid,
        "created": now(),
        "currency": intent["currency"],
        "customer": None,
        "description": intent["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": decline.code if decline else None,
        "failure_message": decline.message if decline else None,
        "fraud_details": {},
        "id": charge_id,
        "livemode": False,
        "metadata": dict(intent["metadata"]),
        "object": "charge",
        "on_behalf_of": intent["on_behalf_of"],
        "outcome": _outcome(decline),
        "paid": paid,
        "payment_intent": intent["id"],
        "payment_method": method_id,
        "payment_method_details": {"card": _card_details(card, intent["amount"]), "type": "card"},
        "receipt_email": intent["receipt_email"],
        "receipt_number": None,
        "receipt_url": f"{base}/receipts/{charge_id}" if paid else None,
        "refunded": False,
        "refunds": {"data": [], "has_more": False, "object": "list", "url": f"/v1/charges/{charge_id}/refunds"},
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": intent["statement_descriptor"],
        "statement_descriptor_suffix": intent["statement_descriptor_suffix"],
        "status": "succeeded" if paid else "failed",
        "transfer_data": {"amount": None, **intent["transfer_data"]} if intent["transfer_data"] else None,
        "transfer_group": intent["transfer_group"],
    }


def _outcome(decline: Decline | None) -> dict[str, Any]:
    if decline is None:
        return {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    return {
        "advice_code": "do_not_try_again" if decline.decline_code in ("lost_card", "stolen_card") else "try_again_later",
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": decline.network_status,
        "reason": decline.decline_code,
        "risk_level": "normal",
        "risk_score": 40,
        "seller_message": "The bank did not return any further details with this decline.",
        "type": decline.outcome_type,
    }


def _card_details(card: Card, amount: int) -> dict[str, Any]:
    return {
        "amount_authorized": amount,
        "authorization_code": None,
        "brand": card.brand,
        "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
        "country": "US",
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "extended_authorization": {"status": "disabled"},
        "fingerprint": card.fingerprint,
        "funding": card.funding,
        "incremental_authorization": {"status": "unavailable"},
        "installments": None,
        "last4": card.last4,
        "mandate": None,
        "multicapture": {"status": "unavailable"},
        "network": card.brand,
        "network_token": {"used": False},
        "network_transaction_id": random_id("", 15),
        "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
        "regulated_status": "unregulated",
        "three_d_secure": None,
        "transaction_link_id": None,
        "wallet": None,
    }


@get("/v1/charges/{charge_id:str}")
async def retrieve_charge_route(request: Request, charge_id: FromPath[str]) -> Response:
    """GET /v1/charges/{id}."""
    return await api_call(request, sp.ChargeRetrieveParams, lambda s, c, p: find(s, c, charge_id, "charge", "charge"))


@get("/v1/charges")
async def list_charges_route(request: Request) -> Response:
    """GET /v1/charges, optionally for one payment intent."""

    def handler(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        where, args = ("json_extract(data, '$.payment_intent') = ?", (params["payment_intent"],)) if "payment_intent" in params else ("", ())
        return list_objects(sandbox, ctx.account, "charge", params, "/v1/charges", where, args)

    return await api_call(request, sp.ChargeListParams, handler)


ROUTES = [retrieve_charge_route, list_charges_route]
