"""Refunds: create (full or partial, by charge or payment intent), retrieve, list."""

from __future__ import annotations

import copy
from typing import Any

import stripe.params as sp
from litestar import Request, Response, get, post
from litestar.params import FromPath

from stripe_sandbox.api import api_call, find, list_objects
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox import jobs
from stripe_sandbox.cards import REFUND_OUTCOMES
from stripe_sandbox.resources.refund_effects import SETTLE_JOB, refund_fee, refund_transaction, reverse_transfer
from stripe_sandbox.store import now, random_id
from stripe_sandbox.validation import check_metadata, check_minor_unit, format_amount


def create_refund(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/refunds."""
    charge = _charge_to_refund(sandbox, ctx, params)
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if charge["refunded"] or remaining <= 0:
        raise StripeError.invalid(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    amount = params.get("amount", remaining)
    if amount < 1:
        raise StripeError.invalid("Refund amount must be at least 1.", param="amount")
    check_minor_unit(amount, charge["currency"], "amount")
    if amount > remaining:
        raise StripeError.invalid(
            f"Refund amount ({format_amount(amount, charge['currency'])}) is greater than unrefunded amount on charge "
            f"({format_amount(remaining, charge['currency'])})",
            param="amount",
        )
    if params.get("currency") and params["currency"].lower() != charge["currency"]:
        raise StripeError.invalid("The currency of the refund must match the charge's currency.", param="currency")
    check_metadata(params.get("metadata"))
    if params.get("reverse_transfer") and not charge.get("transfer"):
        raise StripeError.invalid("This charge has no associated transfer to reverse.", param="reverse_transfer")
    refund = build_refund(charge, amount, params)
    first, final = REFUND_OUTCOMES.get(sandbox.store.meta(charge["id"]).get("card", ""), ("succeeded", "succeeded"))
    refund["status"] = first
    txn = refund_transaction(sandbox, charge, refund["id"], -amount, "refund")
    refund["balance_transaction"] = txn["id"]
    sandbox.store.put(txn, account=ctx.account)
    if params.get("reverse_transfer"):
        refund["transfer_reversal"] = reverse_transfer(sandbox, ctx, charge, refund)
    if params.get("refund_application_fee") and charge.get("application_fee"):
        refund_fee(sandbox, ctx, charge, amount)
    sandbox.store.put(refund, account=ctx.account)
    _apply_to_charge(sandbox, ctx, charge, refund)
    sandbox.emit(ctx.account, "refund.created", refund, ctx=ctx)
    if final != first:
        jobs.schedule(sandbox, SETTLE_JOB, {"refund": refund["id"], "status": final})
    return refund


def _charge_to_refund(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    if "charge" in params and "payment_intent" in params:
        raise StripeError.invalid(
            "You cannot specify both `charge` and `payment_intent`.", param="charge", code="parameters_exclusive"
        )
    if "payment_intent" in params:
        intent = find(sandbox, ctx, params["payment_intent"], "payment_intent", "payment_intent", param="payment_intent")
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise StripeError.invalid(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                param="payment_intent",
                code="charge_not_refundable",
            )
        return find(sandbox, ctx, intent["latest_charge"], "charge", "charge")
    if "charge" not in params:
        raise StripeError.invalid("One of the following params should be provided for this request: payment_intent or charge.")
    charge = find(sandbox, ctx, params["charge"], "charge", "charge", param="charge")
    if not charge["paid"]:
        raise StripeError.invalid(f"Charge {charge['id']} has not been captured and cannot be refunded.", code="charge_not_refundable")
    return charge


def build_refund(charge: dict[str, Any], amount: int, params: dict[str, Any]) -> dict[str, Any]:
    """A card refund of `amount` on a charge, succeeded until the card network says otherwise."""
    return {
        "amount": amount,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": now(),
        "currency": charge["currency"],
        "customer": None,
        "customer_account": None,
        "destination_details": {
            "card": {"reference": random_id("", 12), "reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"},
            "type": "card",
        },
        "id": random_id("re_"),
        "metadata": {k: v for k, v in (params.get("metadata") or {}).items() if v != ""},
        "object": "refund",
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": params.get("reason"),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }


def _apply_to_charge(sandbox: Sandbox, ctx: Context, charge: dict[str, Any], refund: dict[str, Any]) -> None:
    before = copy.deepcopy(charge)
    charge["amount_refunded"] += refund["amount"]
    charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
    charge["refunds"]["data"].insert(0, refund)
    sandbox.store.put(charge, account=ctx.account)
    previous = {k: before[k] for k in ("amount_refunded", "refunded", "refunds") if before[k] != charge[k]}
    sandbox.emit(ctx.account, "charge.refunded", charge, previous=previous, ctx=ctx)


@post("/v1/refunds")
async def create_refund_route(request: Request) -> Response:
    """POST /v1/refunds."""
    return await api_call(request, sp.RefundCreateParams, create_refund)


@get("/v1/refunds/{refund_id:str}")
async def retrieve_refund_route(request: Request, refund_id: FromPath[str]) -> Response:
    """GET /v1/refunds/{id}."""
    return await api_call(request, sp.RefundRetrieveParams, lambda s, c, p: find(s, c, refund_id, "refund", "refund"))


@get("/v1/refunds")
async def list_refunds_route(request: Request) -> Response:
    """GET /v1/refunds, optionally for one charge or payment intent."""

    def handler(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        clauses, args = [], []
        for name in ("charge", "payment_intent"):
            if name in params:
                clauses.append(f"json_extract(data, '$.{name}') = ?")
                args.append(params[name])
        return list_objects(sandbox, ctx.account, "refund", params, "/v1/refunds", " AND ".join(clauses), tuple(args))

    return await api_call(request, sp.RefundListParams, handler)


ROUTES = [create_refund_route, retrieve_refund_route, list_refunds_route]
