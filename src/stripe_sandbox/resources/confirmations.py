"""PaymentIntents created and confirmed through the API (saved cards, off-session autopay) and SetupIntents."""

from __future__ import annotations

from typing import Any

import stripe.params as sp
from litestar import Request, Response, get, post
from litestar.params import FromPath

from stripe_sandbox.api import api_call, find
from stripe_sandbox.cards import AUTH_DECLINE, AUTHENTICATION_REQUIRED, Card, Decline
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.payments import calculated_descriptor, record_success
from stripe_sandbox.resources.balances import application_id, settlement_currency
from stripe_sandbox.resources.charges import build_charge
from stripe_sandbox.resources.checkout import check_intent_data, check_minimum
from stripe_sandbox.resources.payment_intents import build_payment_intent, payment_error
from stripe_sandbox.resources.payment_methods import attach_payment_method, card_number, resolve_method
from stripe_sandbox.resources.setup_intents import build_setup_intent
from stripe_sandbox.store import now, random_id
from stripe_sandbox.validation import check_amount, check_currency, check_metadata, check_minor_unit

CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")


def card_error(decline: Decline, *, intent_key: str, intent: dict[str, Any], method: dict[str, Any], charge: str | None) -> StripeError:
    """Stripe's 402 card_error for a confirmation that failed; the failed attempt itself stays recorded."""
    extra: dict[str, Any] = {"decline_code": decline.decline_code, intent_key: intent, "payment_method": method}
    if charge:
        extra["charge"] = charge
    error = StripeError(decline.message, status=402, type="card_error", code=decline.code, extra=extra)
    error.keep_changes = True
    return error


def create_intent(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/payment_intents (confirm=true with off_session=true is autopay with a saved card)."""
    currency = check_currency(params["currency"], "currency")
    amount = params["amount"]
    check_amount(amount, "amount", minimum=1)
    check_minor_unit(amount, currency, "amount")
    check_metadata(params.get("metadata"))
    if params.get("customer"):
        find(sandbox, ctx, params["customer"], "customer", "customer", param="customer")
    data = check_intent_data(sandbox, ctx, params, amount, prefix="")
    check_minimum(amount, currency, settlement_currency(sandbox, data.get("on_behalf_of") or ctx.account), subject="Amount must be", param="amount")
    intent = build_payment_intent({"amount_total": amount, "currency": currency}, data)
    intent.update(customer=params.get("customer"), capture_method="automatic", setup_future_usage=params.get("setup_future_usage"))
    platform = sandbox.platform_of(ctx.account)
    if platform and intent["application_fee_amount"]:
        intent["application"] = application_id(platform)
    if params.get("payment_method"):
        intent["payment_method"] = resolve_method(sandbox, ctx, params["payment_method"])["id"]
        intent["status"] = "requires_confirmation"
    sandbox.store.put(intent, account=ctx.account, meta={"api": True})
    sandbox.emit(ctx.account, "payment_intent.created", intent, ctx=ctx)
    if params.get("confirm"):
        return confirm_intent(sandbox, ctx, intent, params)
    return intent


def confirm_intent(sandbox: Sandbox, ctx: Context, intent: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Charge the intent's card: success, a decline (402), or authentication (off-session: 402; else requires_action)."""
    if intent["status"] not in CONFIRMABLE:
        raise StripeError.invalid(
            f"You cannot confirm this PaymentIntent because it has a status of {intent['status']}.", code="payment_intent_unexpected_state"
        )
    method_id = params.get("payment_method") or intent["payment_method"]
    if not method_id:
        raise StripeError.invalid(
            "You cannot confirm this PaymentIntent because it's missing a payment method.", param="payment_method", code="payment_intent_unexpected_state"
        )
    method = resolve_method(sandbox, ctx, method_id)
    if method["customer"] and intent["customer"] and method["customer"] != intent["customer"]:
        raise StripeError.invalid("The provided PaymentMethod belongs to another customer.", param="payment_method")
    number = card_number(sandbox, method["id"])
    card = Card(number, method["card"]["exp_month"], method["card"]["exp_year"], "123")
    intent["payment_method"] = method["id"]
    if number in AUTHENTICATION_REQUIRED:
        return _needs_authentication(sandbox, ctx, intent, method, off_session=bool(params.get("off_session")))
    return charge_card(sandbox, ctx, intent, method, card)


def charge_card(sandbox: Sandbox, ctx: Context, intent: dict[str, Any], method: dict[str, Any], card: Card) -> dict[str, Any]:
    """One charge attempt on the card; a decline raises Stripe's card_error after recording the failure."""
    email = method["billing_details"]["email"] or ""
    descriptor = calculated_descriptor(sandbox, intent["on_behalf_of"] or ctx.account, intent)
    charge = build_charge(intent, card, method["id"], email, card.decline, descriptor=descriptor, base=sandbox.base_url(ctx.base_url))
    charge["customer"] = intent["customer"]
    intent["latest_charge"] = charge["id"]
    if card.decline is not None:
        intent.update(status="requires_payment_method", last_payment_error=payment_error(card.decline, charge["id"], method), next_action=None)
        sandbox.store.put(charge, account=ctx.account, meta={"card": card.number})
        sandbox.store.put(intent, account=ctx.account)
        sandbox.emit(ctx.account, "charge.failed", charge, ctx=ctx)
        sandbox.emit(ctx.account, "payment_intent.payment_failed", intent, ctx=ctx)
        raise card_error(card.decline, intent_key="payment_intent", intent=intent, method=method, charge=charge["id"])
    for owner, type_, obj in record_success(sandbox, intent, charge, ctx.account, card.number, meta={}):
        sandbox.emit(owner, type_, obj, ctx=ctx)
    if intent["setup_future_usage"] and intent["customer"] and not method["customer"]:
        attach_payment_method(sandbox, ctx, method["id"], intent["customer"])
    return intent


def _needs_authentication(sandbox: Sandbox, ctx: Context, intent: dict[str, Any], method: dict[str, Any], *, off_session: bool) -> dict[str, Any]:
    if off_session:
        # Nobody is there to authenticate: Stripe fails the attempt and the customer must come back on-session.
        error = payment_error(AUTH_DECLINE, "", method)
        del error["charge"]
        intent.update(status="requires_payment_method", last_payment_error=error, next_action=None)
        sandbox.store.put(intent, account=ctx.account)
        sandbox.emit(ctx.account, "payment_intent.payment_failed", intent, ctx=ctx)
        raise card_error(AUTH_DECLINE, intent_key="payment_intent", intent=intent, method=method, charge=None)
    url = f"{sandbox.base_url(ctx.base_url)}/_sandbox/payment_intents/{intent['id']}/authenticate"
    intent.update(status="requires_action", next_action={"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": url}})
    sandbox.store.put(intent, account=ctx.account)
    sandbox.emit(ctx.account, "payment_intent.requires_action", intent, ctx=ctx)
    return intent


def authenticate_intent(sandbox: Sandbox, intent_id: str, succeed: bool) -> dict[str, Any]:
    """The customer's 3-D Secure answer for an intent in requires_action (test route)."""
    found = sandbox.store.get_with_meta(intent_id)
    if found is None or found[0].get("object") != "payment_intent" or found[0]["status"] != "requires_action":
        raise StripeError.invalid(f"PaymentIntent {intent_id} is not waiting for authentication.")
    intent, _, account = found
    platform = sandbox.platform_of(account) or account
    ctx = Context("sandbox", platform, account, random_id("req_", 14))
    method = sandbox.store.get(intent["payment_method"]) or {}
    if not succeed:
        failure = Decline("payment_intent_authentication_failure", None, "The provided PaymentMethod has failed authentication.")
        error = {k: v for k, v in payment_error(failure, "", method).items() if k not in ("charge", "decline_code")}
        intent.update(status="requires_payment_method", last_payment_error=error, next_action=None)
        sandbox.store.put(intent, account=account)
        sandbox.emit(account, "payment_intent.payment_failed", intent)
        return intent
    card = Card(card_number(sandbox, method["id"]), method["card"]["exp_month"], method["card"]["exp_year"], "123")
    return charge_card(sandbox, ctx, intent, method, card)


# SetupIntents


def create_setup_intent(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/setup_intents."""
    if params.get("customer"):
        find(sandbox, ctx, params["customer"], "customer", "customer", param="customer")
    check_metadata(params.get("metadata"))
    setup = build_setup_intent(params)
    if params.get("payment_method"):
        setup["payment_method"] = resolve_method(sandbox, ctx, params["payment_method"])["id"]
        setup["status"] = "requires_confirmation"
    sandbox.store.put(setup, account=ctx.account)
    sandbox.emit(ctx.account, "setup_intent.created", setup, ctx=ctx)
    return confirm_setup(sandbox, ctx, setup, params) if params.get("confirm") else setup


def confirm_setup(sandbox: Sandbox, ctx: Context, setup: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Check the card and save it for later: succeeded (attached to the customer), declined, or requires_action."""
    if setup["status"] not in CONFIRMABLE:
        raise StripeError.invalid(
            f"You cannot confirm this SetupIntent because it has a status of {setup['status']}.", code="setup_intent_unexpected_state"
        )
    method_id = params.get("payment_method") or setup["payment_method"]
    if not method_id:
        raise StripeError.invalid("You cannot confirm this SetupIntent because it's missing a payment method.", param="payment_method")
    method = resolve_method(sandbox, ctx, method_id)
    setup["payment_method"] = method["id"]
    number = card_number(sandbox, method["id"])
    decline = Card(number, 12, 2034, "123").setup_decline
    if number in AUTHENTICATION_REQUIRED:
        setup.update(status="requires_action", next_action={"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect"}})
        sandbox.store.put(setup, account=ctx.account)
        sandbox.emit(ctx.account, "setup_intent.requires_action", setup, ctx=ctx)
        return setup
    if decline is not None:
        error = {k: v for k, v in payment_error(decline, "", method).items() if k != "charge"}
        setup.update(status="requires_payment_method", last_setup_error=error)
        sandbox.store.put(setup, account=ctx.account)
        sandbox.emit(ctx.account, "setup_intent.setup_failed", setup, ctx=ctx)
        raise card_error(decline, intent_key="setup_intent", intent=setup, method=method, charge=None)
    setup.update(status="succeeded", last_setup_error=None, next_action=None)
    if setup["customer"] and not method["customer"]:
        attach_payment_method(sandbox, ctx, method["id"], setup["customer"])
    sandbox.store.put(setup, account=ctx.account)
    sandbox.emit(ctx.account, "setup_intent.succeeded", setup, ctx=ctx)
    return setup


def _find_intent(sandbox: Sandbox, ctx: Context, intent_id: str) -> dict[str, Any]:
    return find(sandbox, ctx, intent_id, "payment_intent", "payment_intent", param="intent")


@post("/v1/payment_intents")
async def create_intent_route(request: Request) -> Response:
    """POST /v1/payment_intents."""
    return await api_call(request, sp.PaymentIntentCreateParams, create_intent, required=("amount", "currency"))


@post("/v1/payment_intents/{intent_id:str}/confirm")
async def confirm_intent_route(request: Request, intent_id: FromPath[str]) -> Response:
    """POST /v1/payment_intents/{id}/confirm."""
    handler = lambda s, c, p: confirm_intent(s, c, _find_intent(s, c, intent_id), p)  # noqa: E731
    return await api_call(request, sp.PaymentIntentConfirmParams, handler)


@post("/v1/setup_intents")
async def create_setup_route(request: Request) -> Response:
    """POST /v1/setup_intents."""
    return await api_call(request, sp.SetupIntentCreateParams, create_setup_intent)


@get("/v1/setup_intents/{setup_id:str}")
async def retrieve_setup_route(request: Request, setup_id: FromPath[str]) -> Response:
    """GET /v1/setup_intents/{id}."""
    return await api_call(request, sp.SetupIntentRetrieveParams, lambda s, c, p: find(s, c, setup_id, "setup_intent", "setupintent", param="intent"))


@post("/v1/setup_intents/{setup_id:str}/confirm")
async def confirm_setup_route(request: Request, setup_id: FromPath[str]) -> Response:
    """POST /v1/setup_intents/{id}/confirm."""
    handler = lambda s, c, p: confirm_setup(s, c, find(s, c, setup_id, "setup_intent", "setupintent", param="intent"), p)  # noqa: E731
    return await api_call(request, sp.SetupIntentConfirmParams, handler)


ROUTES = [create_intent_route, confirm_intent_route, create_setup_route, retrieve_setup_route, confirm_setup_route]
