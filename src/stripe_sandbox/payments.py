"""What happens when a customer submits Checkout's card form: intent, charge, fee, transfer, events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stripe_sandbox.cards import Card, Decline
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.currencies import convert
from stripe_sandbox.limits import full_descriptor
from stripe_sandbox.resources.balances import (
    application_id,
    build_application_fee,
    build_balance_transaction,
    build_transfer,
    processing_fee,
    settlement_currency,
)
from stripe_sandbox.resources.charges import build_charge
from stripe_sandbox.resources.checkout import expire_session
from stripe_sandbox.resources.customers import build_customer
from stripe_sandbox.resources.payment_methods import attach_payment_method, save_method
from stripe_sandbox.resources.setup_intents import build_setup_intent
from stripe_sandbox.resources.payment_intents import build_payment_intent, payment_error, payment_method
from stripe_sandbox.store import now, random_id


class SessionClosed(Exception):
    """The session is expired or already complete: it takes no payment."""

    def __init__(self, session: dict[str, Any]) -> None:
        super().__init__(f"Checkout Session {session['id']} is {session['status']}")
        self.session = session


class SessionMissing(Exception):
    """No such session."""


@dataclass
class Outcome:
    """The result of one attempt: the session, its intent and the decline if any."""

    session: dict[str, Any]
    intent: dict[str, Any]
    charge: dict[str, Any]
    decline: Decline | None


def load_open_session(sandbox: Sandbox, session_id: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A session with its private data and account; raises if missing, or closed (expiring it first if due)."""
    found = sandbox.store.get_with_meta(session_id)
    if found is None or found[0].get("object") != "checkout.session":
        raise SessionMissing(session_id)
    session, meta, account = found
    if session["status"] == "open" and session["expires_at"] <= now():
        session = expire_session(sandbox, session, account, None)
    if session["status"] != "open":
        raise SessionClosed(session)
    return session, meta, account


def pay_session(sandbox: Sandbox, session_id: str, card: Card, email: str, *, base: str) -> Outcome:
    """Charge a card for an open session: success completes it, a decline leaves it open with the error recorded."""
    with sandbox.store.transaction():
        session, meta, account = load_open_session(sandbox, session_id)
        if session["mode"] == "setup":
            return _save_card(sandbox, session, meta, account, card, email)
        intent = _intent_for(sandbox, session, meta, account)
        method = payment_method(card, email)
        decline = card.decline
        descriptor = calculated_descriptor(sandbox, intent["on_behalf_of"] or account, intent)
        charge = build_charge(intent, card, method["id"], email, decline, descriptor=descriptor, base=base)
        intent["latest_charge"] = charge["id"]
        intent["payment_method"] = method["id"]
        if decline is not None:
            return _declined(sandbox, session, intent, charge, method, decline, account)
        return _succeeded(sandbox, session, intent, charge, email, account, card.number)


def calculated_descriptor(sandbox: Sandbox, merchant: str, intent: dict[str, Any]) -> str:
    """The statement descriptor the card statement shows: the merchant of record's, with the intent's suffix."""
    settings = (sandbox.store.get(merchant) or {}).get("settings") or {}
    base = intent["statement_descriptor"] or (settings.get("payments") or {}).get("statement_descriptor") or sandbox.display_name(merchant)
    if not intent["statement_descriptor_suffix"]:
        return full_descriptor(base, None)
    prefix = (settings.get("card_payments") or {}).get("statement_descriptor_prefix") or base[:10]
    return full_descriptor(prefix, intent["statement_descriptor_suffix"])


def _intent_for(sandbox: Sandbox, session: dict[str, Any], meta: dict[str, Any], account: str) -> dict[str, Any]:
    # Checkout makes one payment intent per session and reuses it for every later attempt.
    if session["payment_intent"]:
        return sandbox.store.get(session["payment_intent"]) or {}
    intent = build_payment_intent(session, meta.get("payment_intent_data") or {})
    platform = sandbox.platform_of(account)
    if platform and intent["application_fee_amount"]:
        # A direct charge with a fee is made by the platform's Connect application.
        intent["application"] = application_id(platform)
    session["payment_intent"] = intent["id"]
    sandbox.store.put(intent, account=account, meta={"session": session["id"]})
    sandbox.store.put(session, account=account)
    sandbox.emit(account, "payment_intent.created", intent)
    return intent


def _declined(
    sandbox: Sandbox,
    session: dict[str, Any],
    intent: dict[str, Any],
    charge: dict[str, Any],
    method: dict[str, Any],
    decline: Decline,
    account: str,
) -> Outcome:
    intent["last_payment_error"] = payment_error(decline, charge["id"], method)
    intent["status"] = "requires_payment_method"
    sandbox.store.put(charge, account=account, meta={"session": session["id"]})
    sandbox.store.put(intent, account=account)
    sandbox.emit(account, "charge.failed", charge)
    sandbox.emit(account, "payment_intent.payment_failed", intent)
    return Outcome(session, intent, charge, decline)


def _succeeded(
    sandbox: Sandbox, session: dict[str, Any], intent: dict[str, Any], charge: dict[str, Any], email: str, account: str, card_number: str
) -> Outcome:
    events = record_success(sandbox, intent, charge, account, card_number, meta={"session": session["id"]})
    if intent["setup_future_usage"]:
        # setup_future_usage: the card is saved on the session's customer for later off-session charges.
        customer = _session_customer(sandbox, session, email, account)
        if customer:
            method = save_method(sandbox, account, Card(card_number, charge["payment_method_details"]["card"]["exp_month"], charge["payment_method_details"]["card"]["exp_year"], "000"), email)
            intent.update(customer=customer, payment_method=method["id"])
            charge.update(customer=customer, payment_method=method["id"])
            sandbox.store.put(intent, account=account)
            sandbox.store.put(charge, account=account)
            _attach(sandbox, account, method, customer)
    # Stripe drops the URL once a session can no longer be paid.
    session.update(status="complete", payment_status="paid", customer_details=_customer_details(email), url=None)
    sandbox.store.put(session, account=account)
    for owner, type_, obj in events:
        sandbox.emit(owner, type_, obj)
    sandbox.emit(account, "checkout.session.completed", session)
    return Outcome(session, intent, charge, None)


def _context(sandbox: Sandbox, account: str) -> Context:
    return Context("checkout", sandbox.platform_of(account) or account, account, random_id("req_", 14))


def _session_customer(sandbox: Sandbox, session: dict[str, Any], email: str, account: str) -> str | None:
    """The session's customer, created now when the session asked for one (customer_creation=always)."""
    if session.get("customer"):
        return session["customer"]
    if session.get("customer_creation") != "always":
        return None
    customer = build_customer({"email": email})
    sandbox.store.put(customer, account=account)
    sandbox.emit(account, "customer.created", customer)
    session["customer"] = customer["id"]
    return customer["id"]


def _attach(sandbox: Sandbox, account: str, method: dict[str, Any], customer: str) -> None:
    attach_payment_method(sandbox, _context(sandbox, account), method["id"], customer)


def _save_card(sandbox: Sandbox, session: dict[str, Any], meta: dict[str, Any], account: str, card: Card, email: str) -> Outcome:
    """A setup-mode session: the card becomes a saved payment method through a SetupIntent, nothing is charged."""
    method = save_method(sandbox, account, card, email)
    data = meta.get("setup_intent_data") or {}
    setup = build_setup_intent({"customer": session.get("customer"), "usage": "off_session", "metadata": data.get("metadata"), "description": data.get("description")})
    setup["payment_method"] = method["id"]
    session["setup_intent"] = setup["id"]
    sandbox.emit(account, "setup_intent.created", setup)
    # On the hosted page the customer answers 3-D Secure (4000 0027 6000 3184) in place: only declines fail here.
    if card.setup_decline is not None:
        error = {k: v for k, v in payment_error(card.setup_decline, "", method).items() if k != "charge"}
        setup.update(status="requires_payment_method", last_setup_error=error)
        sandbox.store.put(setup, account=account)
        sandbox.store.put(session, account=account)
        sandbox.emit(account, "setup_intent.setup_failed", setup)
        return Outcome(session, setup, {}, card.setup_decline)
    customer = _session_customer(sandbox, session, email, account)
    setup.update(status="succeeded", customer=customer)
    sandbox.store.put(setup, account=account)
    if customer:
        _attach(sandbox, account, method, customer)
    session.update(status="complete", customer_details=_customer_details(email), url=None)
    sandbox.store.put(session, account=account)
    sandbox.emit(account, "setup_intent.succeeded", setup)
    sandbox.emit(account, "checkout.session.completed", session)
    return Outcome(session, setup, {}, None)


def record_success(
    sandbox: Sandbox, intent: dict[str, Any], charge: dict[str, Any], account: str, card_number: str, *, meta: dict[str, Any]
) -> list[tuple[str, str, dict[str, Any]]]:
    """Book a succeeded charge (balance transaction, fee, transfer) and mark the intent succeeded; return its events."""
    # The merchant of record (on_behalf_of, else the charge's account) settles the money in its own currency.
    settle = settlement_currency(sandbox, intent["on_behalf_of"] or account)
    converted = convert(charge["amount"], charge["currency"], settle)
    fee = processing_fee(converted, settle, converted=settle != charge["currency"])
    txn = build_balance_transaction(
        charge["id"], charge["amount"], charge["currency"], type="charge", description=charge["description"], fee=fee, settlement=settle
    )
    charge["balance_transaction"] = txn["id"]
    sandbox.store.put(txn, account=account)
    connect_events = _move_connect_money(sandbox, charge, intent, account)
    intent.update(status="succeeded", amount_received=intent["amount"], last_payment_error=None, next_action=None)
    # The card number stays private beside the charge: it decides how later refunds behave (4000000000005126 fails).
    sandbox.store.put(charge, account=account, meta={**meta, "card": card_number})
    sandbox.store.put(intent, account=account)
    return [(account, "charge.succeeded", charge), (account, "payment_intent.succeeded", intent), *connect_events]


def _move_connect_money(sandbox: Sandbox, charge: dict[str, Any], intent: dict[str, Any], account: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Record the application fee and, for destination charges, the transfer; return the events to emit."""
    events: list[tuple[str, str, dict[str, Any]]] = []
    platform = sandbox.platform_of(account) or account
    destination = (intent["transfer_data"] or {}).get("destination")
    fee_amount = intent["application_fee_amount"]
    if fee_amount:
        payer = destination or account
        txn = build_balance_transaction(
            "", fee_amount, charge["currency"], type="application_fee", description=None, settlement=settlement_currency(sandbox, platform)
        )
        fee = build_application_fee(charge, fee_amount, payer, platform, txn["id"])
        txn["source"] = fee["id"]
        sandbox.store.put(txn, account=platform)
        sandbox.store.put(fee, account=platform)
        charge["application_fee"] = fee["id"]
        events.append((platform, "application_fee.created", fee))
    if destination:
        amount = intent["transfer_data"].get("amount") or charge["amount"] - (fee_amount or 0)
        txn = build_balance_transaction(
            "", -amount, charge["currency"], type="transfer", description=None, settlement=settlement_currency(sandbox, account)
        )
        transfer = build_transfer(charge, amount, destination, txn["id"])
        txn["source"] = transfer["id"]
        sandbox.store.put(txn, account=account)
        sandbox.store.put(transfer, account=account)
        charge["transfer"] = transfer["id"]
        events.append((account, "transfer.created", transfer))
    return events


def _customer_details(email: str) -> dict[str, Any]:
    return {
        "address": {"city": None, "country": "US", "line1": None, "line2": None, "postal_code": None, "state": None},
        "business_name": None,
        "email": email,
        "individual_name": None,
        "name": None,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }

