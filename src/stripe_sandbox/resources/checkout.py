"""Checkout Sessions: create, retrieve, list, expire, line items."""

from __future__ import annotations

from typing import Any

import stripe.params.checkout as spc
from litestar import Request, Response, get, post
from litestar.params import FromPath

from stripe_sandbox.api import VIRTUAL_EXPANSIONS, api_call, find, list_objects
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.resources.accounts import check_email
from stripe_sandbox.store import now, random_id
from stripe_sandbox.resources.line_items import build_line_items, line_items_list
from stripe_sandbox.currencies import convert, minimum_charge
from stripe_sandbox.resources.balances import settlement_currency
from stripe_sandbox.validation import check_amount, check_currency, check_metadata, check_minor_unit, check_url, format_amount

MIN_LIFETIME = 30 * 60
MAX_LIFETIME = 24 * 3600


def create_session(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/checkout/sessions (payment or setup mode, hosted page)."""
    _check_mode(params)
    if params.get("customer"):
        find(sandbox, ctx, params["customer"], "customer", "customer", param="customer")
    if params["mode"] == "setup":
        return _create_setup_session(sandbox, ctx, params)
    items = build_line_items(params.get("line_items"))
    currency = items[0]["currency"]
    total = sum(item["amount_total"] for item in items)
    check_amount(total, "line_items")
    _check_urls_and_contact(params)
    created = now()
    expires_at = _expires_at(params.get("expires_at"), created)
    intent_data = check_intent_data(sandbox, ctx, params.get("payment_intent_data") or {}, total)
    if intent_data.get("application_fee_amount"):
        check_minor_unit(intent_data["application_fee_amount"], currency, "payment_intent_data[application_fee_amount]")
    check_minimum(total, currency, settlement_currency(sandbox, intent_data.get("on_behalf_of") or ctx.account))
    session = build_session(params, items, created=created, expires_at=expires_at, base=sandbox.base_url(ctx.base_url))
    sandbox.store.put(session, account=ctx.account, meta={"line_items": items, "payment_intent_data": intent_data})
    return session


def _create_setup_session(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """A setup-mode session: no line items, the card is saved (SetupIntent) instead of charged."""
    if params.get("line_items"):
        raise StripeError.invalid("You cannot pass `line_items` in `setup` mode.", param="line_items")
    if params.get("currency"):
        params["currency"] = check_currency(params["currency"], "currency")
    _check_urls_and_contact(params)
    created = now()
    session = build_session(params, [], created=created, expires_at=_expires_at(params.get("expires_at"), created), base=sandbox.base_url(ctx.base_url))
    sandbox.store.put(session, account=ctx.account, meta={"line_items": [], "setup_intent_data": params.get("setup_intent_data") or {}})
    return session


def check_minimum(
    total: int, currency: str, settlement: str, *, subject: str = "The Checkout Session's total amount due must add up to", param: str = "line_items"
) -> None:
    """Stripe's minimum charge, applied after conversion into the currency the merchant of record settles in."""
    minimum = minimum_charge(settlement)
    converted = convert(total, currency, settlement)
    if converted >= minimum:
        return
    message = f"{subject} at least {format_amount(minimum, settlement)}"
    if settlement != currency:
        message += f" ({format_amount(total, currency)} converts to approximately {format_amount(converted, settlement)})"
    raise StripeError.invalid(message + ".", param=param, code="amount_too_small")


def _check_mode(params: dict[str, Any]) -> None:
    if "mode" not in params:
        raise StripeError.missing("mode")
    if params["mode"] not in ("payment", "setup"):
        raise StripeError.invalid(
            f"The sandbox supports `mode=payment` and `mode=setup` only; `{params['mode']}` needs prices it does not model.", param="mode"
        )
    if params.get("ui_mode", "hosted_page") != "hosted_page":
        raise StripeError.invalid("The sandbox supports `ui_mode=hosted_page` only.", param="ui_mode")


def _check_urls_and_contact(params: dict[str, Any]) -> None:
    for name in ("success_url", "cancel_url"):
        if name in params:
            check_url(params[name], name)
    if "customer_email" in params:
        check_email(params["customer_email"], "customer_email")
    if len(params.get("client_reference_id", "")) > 200:
        raise StripeError.invalid("client_reference_id must be at most 200 characters.", param="client_reference_id")
    check_metadata(params.get("metadata"))


def _expires_at(value: int | None, created: int) -> int:
    if value is None:
        return created + MAX_LIFETIME
    if value < created + MIN_LIFETIME:
        raise StripeError.invalid(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", param="expires_at"
        )
    if value > created + MAX_LIFETIME:
        raise StripeError.invalid(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", param="expires_at"
        )
    return value


def check_intent_data(sandbox: Sandbox, ctx: Context, data: dict[str, Any], total: int, prefix: str = "payment_intent_data") -> dict[str, Any]:
    """Connect rules for payment_intent_data: fees need a direct or destination charge; destinations must be ready."""
    destination = (data.get("transfer_data") or {}).get("destination")
    param = prefix
    if destination is not None:
        _check_destination(sandbox, ctx, destination, _name(param, "transfer_data", "destination"))
        amount = data["transfer_data"].get("amount")
        if amount is not None and amount > total:
            raise StripeError.invalid("The transfer amount cannot exceed the amount of the payment.", param=_name(param, "transfer_data", "amount"))
    if "on_behalf_of" in data:
        _check_destination(sandbox, ctx, data["on_behalf_of"], _name(param, "on_behalf_of"))
        # Stripe: with a destination, the merchant of record is that same connected account.
        if destination is not None and data["on_behalf_of"] != destination:
            raise StripeError.invalid(
                "`on_behalf_of` must be the same account as `transfer_data[destination]`.", param=_name(param, "on_behalf_of")
            )
    fee = data.get("application_fee_amount")
    if fee is not None:
        if destination is None and not ctx.connected:
            raise StripeError.invalid(
                "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment "
                "(using an OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).",
                param=_name(param, "application_fee_amount"),
            )
        check_amount(fee, _name(param, "application_fee_amount"))
        if fee > total:
            raise StripeError.invalid(
                "The application fee amount cannot exceed the amount of the payment.", param=_name(param, "application_fee_amount")
            )
    check_metadata(data.get("metadata"), _name(param, "metadata"))
    return data


def _name(prefix: str, *parts: str) -> str:
    """A parameter name under a prefix: payment_intent_data[transfer_data][destination], or transfer_data[destination]."""
    head, rest = (prefix, parts) if prefix else (parts[0], parts[1:])
    return head + "".join(f"[{p}]" for p in rest)


def _check_destination(sandbox: Sandbox, ctx: Context, account_id: str, param: str) -> None:
    if ctx.connected or sandbox.platform_of(account_id) != ctx.key_account:
        raise StripeError.invalid(f"No such destination: '{account_id}'", param=param, code="resource_missing")
    account = sandbox.store.get(account_id) or {}
    if account.get("capabilities", {}).get("transfers") != "active":
        raise StripeError.invalid(
            "Your destination account needs to have at least one of the following capabilities enabled: "
            "transfers, crypto_transfers, legacy_payments",
            param=param,
            code="insufficient_capabilities_for_transfer",
        )


def build_session(params: dict[str, Any], items: list[dict[str, Any]], *, created: int, expires_at: int, base: str) -> dict[str, Any]:
    """A full checkout.session object as Stripe returns it on create."""
    session_id = random_id("cs_test_a1", 56)
    setup = params.get("mode") == "setup"
    total = None if setup else sum(item["amount_total"] for item in items)
    return {
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": total,
        "amount_total": total,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": params.get("billing_address_collection"),
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": created,
        "currency": items[0]["currency"] if items else params.get("currency"),
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None, "terms_of_service_acceptance": None},
        "customer": params.get("customer"),
        "customer_account": None,
        "customer_creation": None if params.get("customer") else params.get("customer_creation", "if_required"),
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "discounts": [],
        "expires_at": expires_at,
        "id": session_id,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": {
            "enabled": False,
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": None,
                "metadata": {},
                "rendering_options": None,
            },
        },
        "livemode": False,
        "locale": params.get("locale"),
        "managed_payments": {"enabled": False},
        "metadata": {k: v for k, v in (params.get("metadata") or {}).items() if v != ""},
        "mode": params.get("mode", "payment"),
        "object": "checkout.session",
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": params.get("allowed_payment_method_types") or ["card"],
        "payment_status": "no_payment_required" if setup else "unpaid",
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": params.get("submit_type"),
        "subscription": None,
        "success_url": params.get("success_url"),
        "total_details": None if setup else {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted_page",
        "url": f"{base}/checkout/{session_id}",
        "wallet_options": None,
    }


def expire_session(sandbox: Sandbox, session: dict[str, Any], account: str, ctx: Context | None) -> dict[str, Any]:
    """Mark an open session expired and emit checkout.session.expired."""
    if session["status"] != "open":
        raise StripeError.invalid(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of '
            f'"{session["status"]}".',
            param="session",
        )
    session.update(status="expired", url=None)
    sandbox.store.put(session, account=account)
    sandbox.emit(account, "checkout.session.expired", session, ctx=ctx)
    return session


def sweep_expired(sandbox: Sandbox) -> int:
    """Expire every open session past its expires_at; returns how many."""
    where, args = "json_extract(data, '$.status') = 'open' AND json_extract(data, '$.expires_at') <= ?", (now(),)
    rows = list(sandbox.store.rows("checkout.session", where=where, args=args))
    for row in rows:
        with sandbox.store.transaction():
            found = sandbox.store.get_with_meta(row["id"])
            if found and found[0]["status"] == "open":
                expire_session(sandbox, found[0], found[2], None)
    return len(rows)


VIRTUAL_EXPANSIONS[("checkout.session", "line_items")] = line_items_list


def _find_session(sandbox: Sandbox, ctx: Context, session_id: str) -> dict[str, Any]:
    session = find(sandbox, ctx, session_id, "checkout.session", "checkout.session", param="session")
    if session["status"] == "open" and session["expires_at"] <= now():
        session = expire_session(sandbox, session, ctx.account, None)
    return session


@post("/v1/checkout/sessions")
async def create_session_route(request: Request) -> Response:
    """POST /v1/checkout/sessions."""
    return await api_call(request, spc.SessionCreateParams, create_session)


@get("/v1/checkout/sessions/{session_id:str}")
async def retrieve_session_route(request: Request, session_id: FromPath[str]) -> Response:
    """GET /v1/checkout/sessions/{id}."""
    return await api_call(request, spc.SessionRetrieveParams, lambda s, c, p: _find_session(s, c, session_id))


@get("/v1/checkout/sessions/{session_id:str}/line_items")
async def list_line_items_route(request: Request, session_id: FromPath[str]) -> Response:
    """GET /v1/checkout/sessions/{id}/line_items."""

    def handler(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        return line_items_list(sandbox, _find_session(sandbox, ctx, session_id))

    return await api_call(request, spc.SessionListLineItemsParams, handler)


@post("/v1/checkout/sessions/{session_id:str}/expire")
async def expire_session_route(request: Request, session_id: FromPath[str]) -> Response:
    """POST /v1/checkout/sessions/{id}/expire."""

    def handler(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        return expire_session(sandbox, _find_session(sandbox, ctx, session_id), ctx.account, ctx)

    return await api_call(request, spc.SessionExpireParams, handler)


@get("/v1/checkout/sessions")
async def list_sessions_route(request: Request) -> Response:
    """GET /v1/checkout/sessions, filtered by status, payment_intent and payment_link."""

    def handler(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        sweep_expired(sandbox)
        clauses, args = [], []
        for name in ("status", "payment_intent", "payment_link", "customer"):
            if name in params:
                clauses.append(f"json_extract(data, '$.{name}') = ?")
                args.append(params[name])
        where = " AND ".join(clauses)
        return list_objects(sandbox, ctx.account, "checkout.session", params, "/v1/checkout/sessions", where, tuple(args))

    return await api_call(request, spc.SessionListParams, handler)


ROUTES = [create_session_route, retrieve_session_route, list_line_items_route, expire_session_route, list_sessions_route]
