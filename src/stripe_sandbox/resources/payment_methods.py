"""Card payment methods: Stripe's test ids (pm_card_visa, ...), attach, detach, retrieve, list."""

from __future__ import annotations

from typing import Any

import stripe.params as sp
from litestar import Request, Response, get, post
from litestar.params import FromPath

from stripe_sandbox.api import api_call, find, list_objects
from stripe_sandbox.cards import Card
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.resources.payment_intents import payment_method

# Stripe's test PaymentMethod ids (docs.stripe.com/testing): each stands for a test card number.
TEST_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_refundFail": "4000000000005126",
}


def save_method(sandbox: Sandbox, account: str, card: Card, email: str | None = None) -> dict[str, Any]:
    """Store a new card payment method (what Stripe.js or Checkout creates from the card form)."""
    method = payment_method(card, email or "")
    method["billing_details"]["email"] = email or None
    sandbox.store.put(method, account=account, meta={"card": card.number})
    return method


def resolve_method(sandbox: Sandbox, ctx: Context, method_id: str, param: str = "payment_method") -> dict[str, Any]:
    """A stored payment method, or a fresh one for a test id such as pm_card_visa."""
    if method_id in TEST_METHODS:
        return save_method(sandbox, ctx.account, Card(TEST_METHODS[method_id], 12, 2034, "123"))
    return find(sandbox, ctx, method_id, "payment_method", "PaymentMethod", param=param)


def card_number(sandbox: Sandbox, method_id: str) -> str:
    """The test card number behind a payment method."""
    return sandbox.store.meta(method_id).get("card", "")


def attach_payment_method(sandbox: Sandbox, ctx: Context, method_id: str, customer_id: str) -> dict[str, Any]:
    """POST /v1/payment_methods/{id}/attach: emits payment_method.attached."""
    find(sandbox, ctx, customer_id, "customer", "customer", param="customer")
    method = resolve_method(sandbox, ctx, method_id, "payment_method")
    if method["customer"] == customer_id:
        return method
    if method["customer"]:
        raise StripeError.invalid(
            "The payment method you provided has already been attached to a customer.", param="payment_method"
        )
    method["customer"] = customer_id
    sandbox.store.put(method, account=ctx.account)
    sandbox.emit(ctx.account, "payment_method.attached", method, previous={"customer": None}, ctx=ctx)
    return method


def detach_payment_method(sandbox: Sandbox, ctx: Context, method_id: str) -> dict[str, Any]:
    """POST /v1/payment_methods/{id}/detach: emits payment_method.detached; the customer's default is cleared."""
    method = find(sandbox, ctx, method_id, "payment_method", "PaymentMethod", param="payment_method")
    customer_id = method["customer"]
    if not customer_id:
        raise StripeError.invalid(f"The payment method {method_id} is not attached to a customer.", param="payment_method")
    method["customer"] = None
    sandbox.store.put(method, account=ctx.account)
    customer = sandbox.store.get(customer_id, type="customer")
    if customer and customer["invoice_settings"]["default_payment_method"] == method_id:
        customer["invoice_settings"]["default_payment_method"] = None
        sandbox.store.put(customer, account=ctx.account)
    sandbox.emit(ctx.account, "payment_method.detached", method, previous={"customer": customer_id}, ctx=ctx)
    return method


def list_methods(sandbox: Sandbox, ctx: Context, customer_id: str | None, params: dict[str, Any], url: str) -> dict[str, Any]:
    """A customer's card payment methods, newest first."""
    if customer_id:
        find(sandbox, ctx, customer_id, "customer", "customer", param="customer")
    where, args = ("json_extract(data, '$.customer') = ?", (customer_id,)) if customer_id else ("json_extract(data, '$.customer') IS NOT NULL", ())
    if params.get("type") not in (None, "card"):
        return {"object": "list", "data": [], "has_more": False, "url": url}
    return list_objects(sandbox, ctx.account, "payment_method", params, url, where, args)


@get("/v1/payment_methods/{method_id:str}")
async def retrieve_method_route(request: Request, method_id: FromPath[str]) -> Response:
    """GET /v1/payment_methods/{id}."""
    return await api_call(
        request, sp.PaymentMethodRetrieveParams, lambda s, c, p: find(s, c, method_id, "payment_method", "PaymentMethod", param="payment_method")
    )


@post("/v1/payment_methods/{method_id:str}/attach")
async def attach_method_route(request: Request, method_id: FromPath[str]) -> Response:
    """POST /v1/payment_methods/{id}/attach."""
    handler = lambda s, c, p: attach_payment_method(s, c, method_id, p["customer"])  # noqa: E731
    return await api_call(request, sp.PaymentMethodAttachParams, handler, required=("customer",))


@post("/v1/payment_methods/{method_id:str}/detach")
async def detach_method_route(request: Request, method_id: FromPath[str]) -> Response:
    """POST /v1/payment_methods/{id}/detach."""
    return await api_call(request, sp.PaymentMethodDetachParams, lambda s, c, p: detach_payment_method(s, c, method_id))


@get("/v1/payment_methods")
async def list_methods_route(request: Request) -> Response:
    """GET /v1/payment_methods?customer=..."""
    handler = lambda s, c, p: list_methods(s, c, p.get("customer"), p, "/v1/payment_methods")  # noqa: E731
    return await api_call(request, sp.PaymentMethodListParams, handler)


@get("/v1/customers/{customer_id:str}/payment_methods")
async def list_customer_methods_route(request: Request, customer_id: FromPath[str]) -> Response:
    """GET /v1/customers/{id}/payment_methods."""
    handler = lambda s, c, p: list_methods(s, c, customer_id, p, f"/v1/customers/{customer_id}/payment_methods")  # noqa: E731
    return await api_call(request, sp.CustomerListPaymentMethodsParams, handler)


ROUTES = [retrieve_method_route, attach_method_route, detach_method_route, list_methods_route, list_customer_methods_route]
