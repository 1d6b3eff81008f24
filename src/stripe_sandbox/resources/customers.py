"""Customers: create, retrieve, update, list, and their saved payment methods."""

from __future__ import annotations

import copy
import secrets
from typing import Any

import stripe.params as sp
from litestar import Request, Response, get, post
from litestar.params import FromPath

from stripe_sandbox.api import api_call, find, list_objects
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.resources.accounts import check_email, merge_metadata
from stripe_sandbox.resources.payment_methods import attach_payment_method
from stripe_sandbox.store import now, random_id
from stripe_sandbox.validation import check_metadata

ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")


def build_customer(params: dict[str, Any]) -> dict[str, Any]:
    """A customer object as Stripe returns it on create."""
    address = params.get("address") or {}
    return {
        "address": {k: address.get(k) for k in ADDRESS_KEYS} if address else None,
        "balance": params.get("balance", 0),
        "created": now(),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": params.get("description") or None,
        "discount": None,
        "email": params.get("email") or None,
        "id": random_id("cus_", 14),
        "invoice_prefix": secrets.token_hex(4).upper()[:7],
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": (params.get("invoice_settings") or {}).get("default_payment_method") or None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {k: v for k, v in (params.get("metadata") or {}).items() if v != ""},
        "name": params.get("name") or None,
        "next_invoice_sequence": 1,
        "object": "customer",
        "phone": params.get("phone") or None,
        "preferred_locales": params.get("preferred_locales") or [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def find_customer(sandbox: Sandbox, ctx: Context, customer_id: str, param: str = "customer") -> dict[str, Any]:
    """A customer on the acting account, or Stripe's 404."""
    return find(sandbox, ctx, customer_id, "customer", "customer", param=param)


def create_customer(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/customers (a payment_method given here is attached)."""
    if params.get("email"):
        check_email(params["email"], "email")
    check_metadata(params.get("metadata"))
    customer = build_customer(params)
    sandbox.store.put(customer, account=ctx.account)
    sandbox.emit(ctx.account, "customer.created", customer, ctx=ctx)
    if params.get("payment_method"):
        from_pm = attach_payment_method(sandbox, ctx, params["payment_method"], customer["id"])
        if customer["invoice_settings"]["default_payment_method"] == params["payment_method"]:
            customer["invoice_settings"]["default_payment_method"] = from_pm["id"]
            sandbox.store.put(customer, account=ctx.account)
    return customer


def update_customer(sandbox: Sandbox, ctx: Context, customer_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/customers/{id}: email, name, description, phone, metadata, default payment method."""
    customer = find_customer(sandbox, ctx, customer_id, "id")
    before = copy.deepcopy(customer)
    if params.get("email"):
        check_email(params["email"], "email")
    for name in ("email", "name", "description", "phone"):
        if name in params:
            customer[name] = params[name] or None
    check_metadata(params.get("metadata"))
    customer["metadata"] = merge_metadata(customer["metadata"], params.get("metadata"))
    default = (params.get("invoice_settings") or {}).get("default_payment_method")
    if default:
        method = sandbox.store.get(default, type="payment_method")
        if method is None or method.get("customer") != customer_id:
            raise StripeError.invalid(
                f"No such PaymentMethod: '{default}'; it must be attached to this customer first.",
                param="invoice_settings[default_payment_method]",
                code="resource_missing",
            )
        customer["invoice_settings"]["default_payment_method"] = default
    previous = {k: before[k] for k in customer if before[k] != customer[k]}
    sandbox.store.put(customer, account=ctx.account)
    if previous:
        sandbox.emit(ctx.account, "customer.updated", customer, previous=previous, ctx=ctx)
    return customer


@post("/v1/customers")
async def create_customer_route(request: Request) -> Response:
    """POST /v1/customers."""
    return await api_call(request, sp.CustomerCreateParams, create_customer)


@get("/v1/customers/{customer_id:str}")
async def retrieve_customer_route(request: Request, customer_id: FromPath[str]) -> Response:
    """GET /v1/customers/{id}."""
    return await api_call(request, sp.CustomerRetrieveParams, lambda s, c, p: find_customer(s, c, customer_id, "id"))


@post("/v1/customers/{customer_id:str}")
async def update_customer_route(request: Request, customer_id: FromPath[str]) -> Response:
    """POST /v1/customers/{id}."""
    return await api_call(request, sp.CustomerUpdateParams, lambda s, c, p: update_customer(s, c, customer_id, p))


@get("/v1/customers")
async def list_customers_route(request: Request) -> Response:
    """GET /v1/customers, optionally by email."""

    def handler(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        where, args = ("json_extract(data, '$.email') = ?", (params["email"],)) if "email" in params else ("", ())
        return list_objects(sandbox, ctx.account, "customer", params, "/v1/customers", where, args)

    return await api_call(request, sp.CustomerListParams, handler)


ROUTES = [create_customer_route, retrieve_customer_route, update_customer_route, list_customers_route]
