"""Hosted pages a customer or vendor sees: Checkout, Express onboarding, receipts."""

from __future__ import annotations

import datetime
import json
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from stripe_sandbox.api import sandbox_of
from stripe_sandbox.cards import CardInvalid, parse_card
from stripe_sandbox.core import Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.payments import SessionClosed, SessionMissing, load_open_session, pay_session
from stripe_sandbox.resources.accounts import check_email
from stripe_sandbox.resources.onboarding import start_onboarding, use_login_link
from stripe_sandbox.resources.line_items import public_line_items
from stripe_sandbox.store import now
from stripe_sandbox.validation import format_amount

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def session_view(sandbox: Sandbox, session: dict[str, Any], meta: dict[str, Any], account: str) -> dict[str, Any]:
    """What the Checkout template needs: vendor, items with formatted amounts, total."""
    items = [
        {**item, "unit": format_amount(item["price"]["unit_amount"], item["currency"]), "total": format_amount(item["amount_total"], item["currency"])}
        for item in public_line_items(meta.get("line_items", []))
    ]
    # Stripe names the settlement merchant: the on_behalf_of account when set, else the account the session is on.
    merchant = (meta.get("payment_intent_data") or {}).get("on_behalf_of") or account
    return {
        "session": session,
        "vendor": sandbox.display_name(merchant),
        "items": items,
        "total": format_amount(session["amount_total"], session["currency"]) if session["amount_total"] is not None else None,
        "setup": session["mode"] == "setup",
        "email_known": bool(known_email(sandbox, session)),
    }


def known_email(sandbox: Sandbox, session: dict[str, Any]) -> str:
    """The email Checkout already knows: customer_email, else the email of the session's Customer (read-only)."""
    if session.get("customer_email"):
        return session["customer_email"]
    customer = sandbox.store.get(session["customer"], type="customer") if session.get("customer") else None
    return (customer or {}).get("email") or ""


def redirect_url(template: str, session_id: str) -> str:
    """Stripe's success and cancel URL template: {CHECKOUT_SESSION_ID} becomes the session id."""
    return template.replace("{CHECKOUT_SESSION_ID}", session_id)


@get("/checkout/{session_id:str}")
async def checkout_page(request: Request, session_id: FromPath[str]) -> Template:
    """The Checkout page for one session."""
    sandbox = sandbox_of(request)
    try:
        session, meta, account = load_open_session(sandbox, session_id)
    except SessionMissing:
        return Template("checkout_closed.html", context={"reason": "missing"}, status_code=404)
    except SessionClosed as closed:
        return _closed_page(sandbox, closed.session)
    context = session_view(sandbox, session, meta, account)
    return Template("checkout.html", context={**context, "form": {"email": known_email(sandbox, session)}})


@post("/checkout/{session_id:str}", status_code=200)
async def checkout_submit(request: Request, session_id: FromPath[str], data: Form) -> Template | Redirect:
    """Pay the session with the card typed in; a decline re-renders the page with the issuer's message."""
    sandbox = sandbox_of(request)
    try:
        session, meta, account = load_open_session(sandbox, session_id)
        email = known_email(sandbox, session) or data.get("email", "").strip()
        error = _form_error(data, email)
        if error is None:
            card = parse_card(data.get("number", ""), data.get("expiry", ""), data.get("cvc", ""))
            outcome = pay_session(sandbox, session_id, card, email, base=sandbox.base_url(str(request.base_url)))
            if outcome.decline is None:
                return _after_payment(outcome.session)
            error = outcome.decline.message
    except SessionMissing:
        return Template("checkout_closed.html", context={"reason": "missing"}, status_code=404)
    except SessionClosed as closed:
        return _closed_page(sandbox, closed.session)
    except CardInvalid as invalid:
        error = invalid.message
    context = session_view(sandbox, session, meta, account)
    form = {"email": email, "number": data.get("number", ""), "expiry": data.get("expiry", "")}
    return Template("checkout.html", context={**context, "error": error, "form": form}, status_code=402)


def _form_error(data: dict[str, str], email: str) -> str | None:
    if not email:
        return "Enter your email address."
    try:
        check_email(email, "email")
    except StripeError:
        return "Your email address is invalid."
    return None


def _after_payment(session: dict[str, Any]) -> Template | Redirect:
    if session.get("success_url"):
        return Redirect(redirect_url(session["success_url"], session["id"]), status_code=303)
    return Template("checkout_closed.html", context={"reason": "complete", "session": session})


def _closed_page(sandbox: Sandbox, session: dict[str, Any]) -> Template:
    return Template("checkout_closed.html", context={"reason": session["status"], "session": session}, status_code=410)


def _link(sandbox: Sandbox, token: str) -> dict[str, Any] | None:
    rows = sandbox.store.query("SELECT * FROM account_links WHERE token = ?", (token,))
    return dict(rows[0]) if rows else None


@get("/connect/onboarding/{token:str}")
async def onboarding_page(request: Request, token: FromPath[str]) -> Template | Redirect:
    """Express onboarding; a link works once and for five minutes, else the vendor goes to the refresh URL."""
    sandbox = sandbox_of(request)
    link = _link(sandbox, token)
    if link is None:
        return Template("checkout_closed.html", context={"reason": "missing"}, status_code=404)
    if link["used_at"] is not None or link["expires_at"] < now():
        return Redirect(link["refresh_url"], status_code=303)
    sandbox.store.execute("UPDATE account_links SET used_at = ? WHERE token = ?", (now(), token))
    account = sandbox.store.get(link["account"]) or {}
    context = {"account": account, "name": sandbox.display_name(link["account"]), "token": token}
    return Template("onboarding.html", context=context)


@post("/connect/onboarding/{token:str}", status_code=303)
async def onboarding_submit(request: Request, token: FromPath[str]) -> Redirect | Template:
    """Complete onboarding and return to the platform; a link already completed goes to the refresh URL."""
    sandbox = sandbox_of(request)
    link = _link(sandbox, token)
    if link is None:
        return Template("checkout_closed.html", context={"reason": "missing"}, status_code=404)
    # The page was opened within the link's lifetime; allow the form a generous hour to be filled in.
    if link["completed_at"] is not None or link["used_at"] is None or now() > link["expires_at"] + 3600:
        return Redirect(link["refresh_url"], status_code=303)
    with sandbox.store.transaction():
        sandbox.store.execute("UPDATE account_links SET completed_at = ? WHERE token = ?", (now(), token))
        start_onboarding(sandbox, link["account"])
    return Redirect(link["return_url"], status_code=303)


@get("/express/{token:str}")
async def express_dashboard(request: Request, token: FromPath[str]) -> Template:
    """The Express dashboard a login link opens: the vendor's status, balance and recent activity."""
    sandbox = sandbox_of(request)
    account_id = use_login_link(sandbox, token)
    if account_id is None:
        return Template("checkout_closed.html", context={"reason": "login_link"}, status_code=410)
    account = sandbox.store.get(account_id) or {}
    txns = [json.loads(r["data"]) for r in sandbox.store.rows("balance_transaction", account=account_id)]
    balances: dict[str, int] = {}
    for txn in txns:
        balances[txn["currency"]] = balances.get(txn["currency"], 0) + txn["net"]
    context = {
        "account": account,
        "name": sandbox.display_name(account_id),
        "balances": [format_amount(amount, currency) for currency, amount in sorted(balances.items())],
        "activity": [{**t, "_net": format_amount(t["net"], t["currency"]), "_date": _day(t["created"])} for t in txns[:20]],
    }
    return Template("express.html", context=context)


def _day(timestamp: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@get("/receipts/{charge_id:str}")
async def receipt_page(request: Request, charge_id: FromPath[str]) -> Template:
    """A plain receipt for a paid charge."""
    sandbox = sandbox_of(request)
    found = sandbox.store.get_with_meta(charge_id)
    if found is None or found[0].get("object") != "charge":
        return Template("checkout_closed.html", context={"reason": "missing"}, status_code=404)
    charge, _, account = found
    context = {"charge": charge, "vendor": sandbox.display_name(account), "amount": format_amount(charge["amount"], charge["currency"])}
    return Template("receipt.html", context=context)


ROUTES = [checkout_page, checkout_submit, onboarding_page, onboarding_submit, express_dashboard, receipt_page]
