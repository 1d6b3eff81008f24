"""A small dashboard: accounts, sessions, payments, events and deliveries at a glance."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from stripe_sandbox.api import sandbox_of
from stripe_sandbox.core import DEFAULT_SWITCHES, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.sample_events import SAMPLES, send_test_webhook
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
        session["_total"] = format_amount(session["amount_total"] or 0, session["currency"] or "usd")
    intents = _objects(sandbox, "payment_intent")
    for intent in intents:
        intent["_amount"] = format_amount(intent["amount"], intent["currency"])
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


ROUTES = [dashboard_page, dashboard_create_key, dashboard_test_webhook]
