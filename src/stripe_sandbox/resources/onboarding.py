"""Express onboarding as Stripe runs it: details submitted, capabilities pending while Stripe verifies, then active
a moment later, each step an account.updated; the platform disconnected from Stripe's side; Express dashboard links."""

from __future__ import annotations

import copy
import secrets
from typing import Any

import stripe.params as sp
from litestar import Request, Response, post
from litestar.params import FromPath

from stripe_sandbox import jobs
from stripe_sandbox.api import api_call
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.resources.accounts import requirements_hash, save_account_change, visible_account
from stripe_sandbox.resources.balances import application_id
from stripe_sandbox.store import now

ACTIVATE_JOB = "account.activate"
VERIFYING = ["representative.verification.document"]
LOGIN_LINK_TTL = 300


def _account(sandbox: Sandbox, account_id: str) -> dict[str, Any]:
    account = sandbox.store.get(account_id, type="account")
    if account is None:
        raise StripeError.not_found("account", account_id)
    return account


def submit_details(sandbox: Sandbox, account_id: str) -> dict[str, Any]:
    """The vendor finished the form: details submitted, capabilities pending while Stripe verifies them."""
    account = _account(sandbox, account_id)
    before = copy.deepcopy(account)
    account.update(details_submitted=True, charges_enabled=False, payouts_enabled=False)
    account["capabilities"] = {name: "pending" for name in account["capabilities"]}
    account["requirements"] = requirements_hash([], eventually=VERIFYING, pending=VERIFYING, disabled="requirements.pending_verification")
    account["tos_acceptance"] = {"date": now(), "ip": "127.0.0.1", "user_agent": None}
    account["business_profile"]["url"] = account["business_profile"]["url"] or "https://example.com"
    account["business_profile"]["mcc"] = account["business_profile"]["mcc"] or "5734"
    return save_account_change(sandbox, before, account, None)


def activate(sandbox: Sandbox, account_id: str) -> dict[str, Any]:
    """Stripe's checks passed: capabilities active, charges and payouts enabled, nothing due."""
    account = _account(sandbox, account_id)
    if not account["details_submitted"]:
        return account
    before = copy.deepcopy(account)
    account.update(charges_enabled=True, payouts_enabled=True)
    account["capabilities"] = {name: "active" for name in account["capabilities"]}
    account["requirements"] = requirements_hash([])
    return save_account_change(sandbox, before, account, None)


@jobs.register(ACTIVATE_JOB)
def _activate_job(sandbox: Sandbox, payload: dict[str, Any]) -> None:
    activate(sandbox, payload["account"])


def start_onboarding(sandbox: Sandbox, account_id: str) -> dict[str, Any]:
    """What submitting the hosted form does: details now, activation after the sandbox's async delay."""
    account = submit_details(sandbox, account_id)
    delay = sandbox.async_delay if sandbox.onboarding_delay is None else sandbox.onboarding_delay
    if delay <= 0:
        return activate(sandbox, account_id)
    jobs.schedule(sandbox, ACTIVATE_JOB, {"account": account_id}, delay)
    return account


def complete_onboarding(sandbox: Sandbox, account_id: str) -> dict[str, Any]:
    """Both steps at once (two account.updated events), for tests that need a ready account."""
    submit_details(sandbox, account_id)
    return activate(sandbox, account_id)


def deauthorize(sandbox: Sandbox, account_id: str) -> dict[str, Any]:
    """The vendor disconnected the platform in their Stripe dashboard: account.application.deauthorized, then no access."""
    meta = sandbox.store.meta(account_id)
    platform = meta.get("platform")
    if not platform:
        raise StripeError.invalid(f"Account {account_id} is not connected to a platform.", param="account")
    application = {"id": application_id(platform), "name": sandbox.display_name(platform), "object": "application"}
    event = sandbox.emit(account_id, "account.application.deauthorized", application)
    account = _account(sandbox, account_id)
    sandbox.store.put(account, account=account_id, meta={"platform": None, "deauthorized_from": platform})
    return event


def create_login_link(sandbox: Sandbox, ctx: Context, account_id: str) -> dict[str, Any]:
    """POST /v1/accounts/{id}/login_links: a single-use link into the Express dashboard."""
    account = visible_account(sandbox, ctx, account_id)
    if account["type"] != "express":
        raise StripeError.invalid("Login links can only be created for Express accounts.", param="account")
    if not account["details_submitted"]:
        raise StripeError.invalid("Cannot create a login link for an account that has not completed onboarding.", param="account")
    token = secrets.token_urlsafe(18)
    links = sandbox.store.setting("login_links", {})
    links[token] = {"account": account_id, "expires_at": now() + LOGIN_LINK_TTL, "used": False}
    sandbox.store.set_setting("login_links", links)
    return {"created": now(), "object": "login_link", "url": f"{sandbox.base_url(ctx.base_url)}/express/{token}"}


def use_login_link(sandbox: Sandbox, token: str) -> str | None:
    """The account a login link opens (once, within five minutes), or None."""
    links = sandbox.store.setting("login_links", {})
    link = links.get(token)
    if link is None or link["used"] or link["expires_at"] < now():
        return None
    link["used"] = True
    sandbox.store.set_setting("login_links", links)
    return link["account"]


@post("/v1/accounts/{account_id:str}/login_links")
async def create_login_link_route(request: Request, account_id: FromPath[str]) -> Response:
    """POST /v1/accounts/{id}/login_links."""
    return await api_call(request, sp.AccountLoginLinkCreateParams, lambda s, c, p: create_login_link(s, c, account_id))


ROUTES = [create_login_link_route]
