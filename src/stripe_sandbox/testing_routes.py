"""Test-only routes under /_sandbox: no key needed, because the sandbox only ever listens on a local address.

They drive what a person would do in a browser (pay, decline, onboard), move time (expire now), change webhook
delivery behaviour (switches) and inspect deliveries.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request, Response, get, post
from litestar.params import FromPath

from stripe_sandbox import jobs
from stripe_sandbox.api import render, sandbox_of
from stripe_sandbox.cards import CardInvalid, parse_card
from stripe_sandbox.core import DEFAULT_SWITCHES, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.payments import SessionClosed, SessionMissing, load_open_session, pay_session
from stripe_sandbox.resources.accounts import build_account, ensure_platform
from stripe_sandbox.resources.onboarding import complete_onboarding, deauthorize, start_onboarding
from stripe_sandbox.resources.checkout import expire_session
from stripe_sandbox.resources.confirmations import authenticate_intent
from stripe_sandbox.resources.payment_methods import save_method
from stripe_sandbox.store import random_id
from stripe_sandbox.webhooks import delivery_rows

DECLINE_CARDS = {"generic_decline": "4000000000000002", "insufficient_funds": "4000000000009995"}


async def read_body(request: Request) -> dict[str, Any]:
    """A JSON or form body as a flat dict (empty when there is none)."""
    raw = (await request.body()).decode()
    if not raw.strip():
        return {}
    if request.headers.get("content-type", "").startswith("application/json"):
        return json.loads(raw)
    return dict(parse_qsl(raw, keep_blank_values=True))


def _json(body: Any, status: int = 200) -> Response:
    return Response(content=json.dumps(body).encode(), status_code=status, media_type="application/json")


@post("/_sandbox/reset", status_code=200)
async def reset_state(request: Request) -> Response:
    """Forget everything; the platform account and key come back."""
    sandbox = sandbox_of(request)
    sandbox.store.reset()
    return _json({"reset": True, "platform_account": ensure_platform(sandbox)})


def create_standalone_key(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """A standalone account with its own secret (or restricted) key, as when a vendor brings their own Stripe key."""
    prefix = "rk_test_" if body.get("restricted") in (True, "true", "1") else "sk_test_"
    params = {"type": "standard", "country": body.get("country", "US"), "email": body.get("email")}
    account = build_account(random_id("acct_", 16), params, onboarded=True)
    name = body.get("business_name") or "Sandbox vendor"
    account["business_profile"]["name"] = name
    account["settings"]["dashboard"]["display_name"] = name
    key = prefix + secrets.token_urlsafe(24)
    with sandbox.store.transaction():
        sandbox.store.put(account, account=account["id"], meta={"kind": "standalone"})
        sandbox.add_key(key, account["id"])
    return {"object": "sandbox_key", "account": account["id"], "secret_key": key, "business_name": name}


@post("/_sandbox/keys", status_code=201)
async def create_key(request: Request) -> Response:
    """POST business_name, email, country, restricted -> {"account", "secret_key"}."""
    return _json(create_standalone_key(sandbox_of(request), await read_body(request)), 201)


def attempt_payment(sandbox: Sandbox, session_id: str, body: dict[str, Any], base: str) -> Response:
    """Pay a session as the hosted form would; 402 with the card error on a decline."""
    try:
        session, _, _ = load_open_session(sandbox, session_id)
        card = parse_card(str(body.get("card", "4242424242424242")), str(body.get("exp", "12/34")), str(body.get("cvc", "123")))
        email = session.get("customer_email") or body.get("email") or "customer@example.com"
        outcome = pay_session(sandbox, session_id, card, email, base=base)
    except SessionMissing:
        return _json(StripeError.not_found("checkout.session", session_id).body(), 404)
    except SessionClosed as closed:
        return _json({"error": {"type": "invalid_request_error", "code": "checkout_session_closed", "message": str(closed)}}, 409)
    except CardInvalid as invalid:
        return _json({"error": {"type": "card_error", "code": invalid.code, "message": invalid.message}}, 402)
    if outcome.session["mode"] == "setup":
        body_out = {"session": outcome.session, "setup_intent": outcome.intent, "error": None}
    else:
        body_out = {"session": outcome.session, "payment_intent": outcome.intent, "charge": outcome.charge, "error": None}
    if outcome.decline:
        d = outcome.decline
        body_out["error"] = {"type": "card_error", "code": d.code, "decline_code": d.decline_code, "message": d.message}
        return _json(body_out, 402)
    return _json(body_out)


@post("/_sandbox/checkout/sessions/{session_id:str}/pay", status_code=200)
async def pay(request: Request, session_id: FromPath[str]) -> Response:
    """Body (all optional): card, exp (MM/YY), cvc, email."""
    sandbox = sandbox_of(request)
    return attempt_payment(sandbox, session_id, await read_body(request), sandbox.base_url(str(request.base_url)))


@post("/_sandbox/checkout/sessions/{session_id:str}/decline", status_code=200)
async def decline(request: Request, session_id: FromPath[str]) -> Response:
    """Body (optional): decline_code generic_decline (default) or insufficient_funds."""
    sandbox = sandbox_of(request)
    body = await read_body(request)
    card = DECLINE_CARDS.get(body.get("decline_code", "generic_decline"))
    if card is None:
        return _json({"error": {"type": "invalid_request_error", "message": f"decline_code must be one of {sorted(DECLINE_CARDS)}"}}, 400)
    return attempt_payment(sandbox, session_id, {**body, "card": card}, sandbox.base_url(str(request.base_url)))


@post("/_sandbox/checkout/sessions/{session_id:str}/expire", status_code=200)
async def expire_now(request: Request, session_id: FromPath[str]) -> Response:
    """Expire an open session now, as if its expires_at had passed."""
    sandbox = sandbox_of(request)
    try:
        with sandbox.store.transaction():
            session, _, account = load_open_session(sandbox, session_id)
            return _json(expire_session(sandbox, session, account, None))
    except SessionMissing:
        return _json(StripeError.not_found("checkout.session", session_id).body(), 404)
    except SessionClosed as closed:
        return _json({"error": {"type": "invalid_request_error", "code": "checkout_session_closed", "message": str(closed)}}, 409)


@post("/_sandbox/accounts/{account_id:str}/onboard", status_code=200)
async def onboard(request: Request, account_id: FromPath[str]) -> Response:
    """Complete Express onboarding without the page; body {"pending": true} leaves activation to the delay, as the page does."""
    sandbox = sandbox_of(request)
    body = await read_body(request)
    step = start_onboarding if body.get("pending") in (True, "true", "1") else complete_onboarding
    try:
        with sandbox.store.transaction():
            return _json(step(sandbox, account_id))
    except StripeError as exc:
        return _json(exc.body(), exc.status)


@post("/_sandbox/accounts/{account_id:str}/deauthorize", status_code=200)
async def deauthorize_route(request: Request, account_id: FromPath[str]) -> Response:
    """The vendor disconnects the platform from Stripe's side: emits account.application.deauthorized."""
    sandbox = sandbox_of(request)
    try:
        with sandbox.store.transaction():
            return _json(render(sandbox, deauthorize(sandbox, account_id)))
    except StripeError as exc:
        return _json(exc.body(), exc.status)


@get("/_sandbox/webhooks/switches")
async def get_switches(request: Request) -> Response:
    """Current delivery switches."""
    return _json({**DEFAULT_SWITCHES, **sandbox_of(request).store.setting("switches", {})})


@post("/_sandbox/webhooks/switches", status_code=200)
async def set_switches(request: Request) -> Response:
    """Body: any of duplicate (bool), shuffle_window (s), delay (s), drop_first (bool); others keep their value."""
    sandbox = sandbox_of(request)
    body = await read_body(request)
    unknown = set(body) - set(DEFAULT_SWITCHES)
    if unknown:
        return _json({"error": {"type": "invalid_request_error", "message": f"Unknown switches: {sorted(unknown)}"}}, 400)
    current = {**DEFAULT_SWITCHES, **sandbox.store.setting("switches", {})}
    for name, value in body.items():
        current[name] = value in (True, "true", "1", 1) if isinstance(DEFAULT_SWITCHES[name], bool) else float(value)
    sandbox.store.set_setting("switches", current)
    return _json(current)


@get("/_sandbox/deliveries")
async def list_deliveries(request: Request) -> Response:
    """Query: event, endpoint, status (pending, succeeded, failed, abandoned)."""
    q = request.query_params
    rows = delivery_rows(sandbox_of(request), event=q.get("event"), endpoint=q.get("endpoint"), status=q.get("status"))
    return _json({"object": "list", "data": rows})


@post("/_sandbox/deliveries/wait", status_code=200)
async def wait_for_deliveries(request: Request) -> Response:
    """Wait (up to `timeout` seconds, default 5) until no delivery is pending; returns how many still are."""
    sandbox = sandbox_of(request)
    deadline = time.monotonic() + float(request.query_params.get("timeout", 5))
    while True:
        pending = sandbox.store.query("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'")[0]["n"]
        if pending == 0 or time.monotonic() >= deadline:
            return _json({"pending": pending})
        await asyncio.sleep(0.02)


@post("/_sandbox/payment_intents/{intent_id:str}/authenticate", status_code=200)
async def authenticate_route(request: Request, intent_id: FromPath[str]) -> Response:
    """The customer answers 3-D Secure: body {"outcome": "succeed"} (default) or "fail"."""
    sandbox = sandbox_of(request)
    body = await read_body(request)
    try:
        with sandbox.store.transaction():
            return _json(authenticate_intent(sandbox, intent_id, body.get("outcome", "succeed") != "fail"))
    except StripeError as exc:
        return _json(exc.body(), exc.status)


@post("/_sandbox/payment_methods", status_code=201)
async def create_method_route(request: Request) -> Response:
    """A card payment method from a card number, as Stripe.js creates one: body card, exp, email, account."""
    sandbox = sandbox_of(request)
    body = await read_body(request)
    try:
        card = parse_card(str(body.get("card", "4242424242424242")), str(body.get("exp", "12/34")), str(body.get("cvc", "123")))
    except CardInvalid as invalid:
        return _json({"error": {"type": "card_error", "code": invalid.code, "message": invalid.message}}, 402)
    account = str(body.get("account") or ensure_platform(sandbox))
    return _json(save_method(sandbox, account, card, body.get("email")), 201)


@post("/_sandbox/jobs/run", status_code=200)
async def run_jobs(request: Request) -> Response:
    """Run every pending delayed change now (refund outcomes, onboarding checks), as if their delay had passed."""
    sandbox = sandbox_of(request)
    return _json({"ran": jobs.run_due(sandbox, everything=True)})


@get("/_sandbox/events/{event_id:str}")
async def peek_event(request: Request, event_id: FromPath[str]) -> Response:
    """Any event by id, whatever account it lives on (for debugging deliveries)."""
    sandbox = sandbox_of(request)
    event = sandbox.store.get(event_id, type="event")
    if event is None:
        return _json(StripeError.not_found("event", event_id).body(), 404)
    return _json(render(sandbox, event))


ROUTES = [
    reset_state,
    create_key,
    pay,
    decline,
    expire_now,
    onboard,
    deauthorize_route,
    get_switches,
    set_switches,
    list_deliveries,
    wait_for_deliveries,
    run_jobs,
    authenticate_route,
    create_method_route,
    peek_event,
]
