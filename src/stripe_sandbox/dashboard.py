"""A small dashboard: accounts, sessions, payments, events and deliveries at a glance."""

from __future__ import annotations

import decimal
import json
from typing import Any

import stripe.params as sp

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from stripe_sandbox.api import sandbox_of
from stripe_sandbox.core import DEFAULT_SWITCHES, Context, Sandbox
from stripe_sandbox.currencies import decimals
from stripe_sandbox.errors import StripeError
from stripe_sandbox.params import schema_for, validate
from stripe_sandbox.resources.onboarding import deauthorize
from stripe_sandbox.resources.refunds import create_refund
from stripe_sandbox.sample_events import SAMPLES, send_test_webhook
from stripe_sandbox.store import random_id
from stripe_sandbox.testing_routes import create_standalone_key, read_body
from stripe_sandbox.validation import format_amount

LIMIT = 50


def _objects(sandbox: Sandbox, type: str) -> list[dict[str, Any]]:  # noqa: A002
    rows = list(sandbox.store.rows(type))[:LIMIT]
    return [{**json.loads(r["data"]), "_account": r["account"], "_meta": json.loads(r["meta"])} for r in rows]


def _deliveries(sandbox: Sandbox) -> list[dict[str, Any]]:
    rows = sandbox.store.query(
        "SELECT d.*, json_extract(e.data, '$.type') AS event_type, json_extract(w.data, '$.url') AS url "
        "FROM deliveries d LEFT JOIN objects e ON e.id = d.event_id LEFT JOIN objects w ON w.id = d.endpoint_id "
        "ORDER BY d.id DESC LIMIT ?",
        (LIMIT,),
    )
    return [dict(r) for r in rows]


def dashboard_context(sandbox: Sandbox) -> dict[str, Any]:
    """Everything the dashboard lists, newest first."""
    keys = {r["account"]: r["key"] for r in sandbox.store.query("SELECT * FROM api_keys ORDER BY created")}
    sessions = _objects(sandbox, "checkout.session")
    for session in sessions:
        session["_total"] = "card setup" if session["mode"] == "setup" else format_amount(session["amount_total"] or 0, session["currency"] or "usd")
    intents = _objects(sandbox, "payment_intent")
    for intent in intents:
        intent["_amount"] = format_amount(intent["amount"], intent["currency"])
        charge = sandbox.store.get(intent["latest_charge"] or "") or {}
        intent["_charge"] = charge
        if charge.get("amount_refunded"):
            intent["_refunded"] = format_amount(charge["amount_refunded"], charge["currency"])
        intent["_refunds"] = [{**r, "_amount": format_amount(r["amount"], r["currency"])} for r in (charge.get("refunds") or {}).get("data", [])]
    events = _objects(sandbox, "event")
    for event in events:
        event["_pending"] = sandbox.pending_webhooks(event["id"])
    return {
        "accounts": _objects(sandbox, "account"),
        "keys": keys,
        "sessions": sessions,
        "intents": intents,
        "events": events,
        "deliveries": _deliveries(sandbox),
        "endpoints": _objects(sandbox, "webhook_endpoint"),
        "sample_types": list(SAMPLES),
        "switches": {**DEFAULT_SWITCHES, **sandbox.store.setting("switches", {})},
        "platform_key": sandbox.platform_key,
    }


@get(["/", "/dashboard"])
async def dashboard_page(request: Request) -> Template:
    """The dashboard page."""
    return Template("dashboard.html", context=dashboard_context(sandbox_of(request)))


@post("/dashboard/keys", status_code=200)
async def dashboard_create_key(request: Request) -> Template | Redirect:
    """The dashboard's "Create API key" button: shows the new key once."""
    sandbox = sandbox_of(request)
    created = create_standalone_key(sandbox, await read_body(request))
    return Template("dashboard.html", context={**dashboard_context(sandbox), "created": created}, status_code=201)


@post("/dashboard/webhooks/test", status_code=200)
async def dashboard_test_webhook(request: Request) -> Template:
    """The dashboard's "Send test webhook" button: a sample event of the chosen type to one endpoint."""
    sandbox = sandbox_of(request)
    body = await read_body(request)
    try:
        event = send_test_webhook(sandbox, str(body.get("endpoint", "")), str(body.get("type", "")))
    except StripeError as exc:
        return Template("dashboard.html", context={**dashboard_context(sandbox), "failure": exc.message}, status_code=400)
    notice = f"Test webhook {event['type']} queued for {body['endpoint']}."
    return Template("dashboard.html", context={**dashboard_context(sandbox), "notice": notice})


def refund_from_dashboard(sandbox: Sandbox, intent_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A refund as the dashboard's Refund button makes it: amount in major units (blank: all), same checks as the API."""
    found = sandbox.store.get_with_meta(intent_id)
    if found is None or found[0].get("object") != "payment_intent":
        raise StripeError.not_found("payment_intent", intent_id, param="payment_intent")
    intent, _, account = found
    raw: dict[str, Any] = {"payment_intent": intent_id}
    if str(body.get("amount", "")).strip():
        raw["amount"] = str(_minor_units(str(body["amount"]), intent["currency"]))
    if body.get("reason"):
        raw["reason"] = body["reason"]
    for flag in ("reverse_transfer", "refund_application_fee"):
        if body.get(flag):
            raw[flag] = "true"
    params = validate(raw, schema_for(sp.RefundCreateParams))
    platform = sandbox.platform_of(account) or account
    ctx = Context("dashboard", platform, account, random_id("req_", 14))
    with sandbox.store.transaction():
        return create_refund(sandbox, ctx, params)


def _minor_units(value: str, currency: str) -> int:
    try:
        amount = decimal.Decimal(value.strip().replace(",", "")) * 10 ** decimals(currency)
    except decimal.InvalidOperation:
        raise StripeError.invalid(f"Enter the amount as a number, e.g. 12.50 (got '{value}').", param="amount") from None
    if amount != amount.to_integral_value():
        raise StripeError.invalid(f"{currency.upper()} amounts have {decimals(currency)} decimals at most.", param="amount")
    return int(amount)


@post("/dashboard/payments/{intent_id:str}/refund", status_code=200)
async def dashboard_refund(request: Request, intent_id: FromPath[str]) -> Template:
    """The dashboard's Refund button on a payment."""
    sandbox = sandbox_of(request)
    try:
        refund = refund_from_dashboard(sandbox, intent_id, await read_body(request))
    except StripeError as exc:
        return Template("dashboard.html", context={**dashboard_context(sandbox), "failure": exc.message}, status_code=400)
    notice = f"Refund {refund['id']} of {format_amount(refund['amount'], refund['currency'])}: {refund['status']}."
    return Template("dashboard.html", context={**dashboard_context(sandbox), "notice": notice})


@post("/dashboard/accounts/{account_id:str}/deauthorize", status_code=200)
async def dashboard_deauthorize(request: Request, account_id: FromPath[str]) -> Template:
    """"Disconnect platform", as a vendor would in their Stripe dashboard: account.application.deauthorized."""
    sandbox = sandbox_of(request)
    try:
        with sandbox.store.transaction():
            deauthorize(sandbox, account_id)
    except StripeError as exc:
        return Template("dashboard.html", context={**dashboard_context(sandbox), "failure": exc.message}, status_code=400)
    notice = f"{account_id} disconnected its platform: account.application.deauthorized sent."
    return Template("dashboard.html", context={**dashboard_context(sandbox), "notice": notice})


ROUTES = [dashboard_page, dashboard_create_key, dashboard_test_webhook, dashboard_refund, dashboard_deauthorize]
