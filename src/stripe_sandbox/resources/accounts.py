"""Connect accounts and account links: create, retrieve, list, update, and Express onboarding."""

from __future__ import annotations

import copy
import secrets
from typing import Any

import stripe.params as sp
from litestar import Request, Response, get, post
from litestar.params import FromPath

from stripe_sandbox.api import api_call, list_objects
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.store import now, random_id
from stripe_sandbox.validation import check_metadata, check_url

CURRENCY_BY_COUNTRY = {"US": "usd", "GB": "gbp", "CA": "cad", "AU": "aud", "JP": "jpy", "CH": "chf", "SE": "sek"}
EURO_COUNTRIES = {"AT", "BE", "DE", "ES", "FI", "FR", "IE", "IT", "LU", "NL", "PT", "GR", "SK", "SI", "EE", "LV", "LT"}
ONBOARDING_DUE = [
    "business_profile.mcc",
    "business_profile.url",
    "external_account",
    "representative.first_name",
    "representative.last_name",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]
LINK_TTL = 300


def build_account(account_id: str, params: dict[str, Any], *, onboarded: bool = False) -> dict[str, Any]:
    """A full Stripe account object from create params."""
    country = params.get("country", "US")
    kind = params.get("type") or _type_from_controller(params.get("controller") or {})
    profile = params.get("business_profile") or {}
    settings = params.get("settings") or {}
    requested = [name for name, cap in (params.get("capabilities") or {}).items() if cap.get("requested")]
    if not requested:
        requested = ["card_payments", "transfers"]
    account = {
        "business_profile": _business_profile(profile),
        "business_type": params.get("business_type"),
        "capabilities": {name: "active" if onboarded else "inactive" for name in sorted(requested)},
        "charges_enabled": onboarded,
        "controller": _controller(kind),
        "country": country,
        "created": now(),
        "default_currency": params.get("default_currency") or default_currency(country),
        "details_submitted": onboarded,
        "email": params.get("email"),
        "external_accounts": {
            "data": [],
            "has_more": False,
            "object": "list",
            "url": f"/v1/accounts/{account_id}/external_accounts",
        },
        "future_requirements": requirements_hash([]),
        "id": account_id,
        "metadata": {k: v for k, v in (params.get("metadata") or {}).items() if v != ""},
        "object": "account",
        "payouts_enabled": onboarded,
        "requirements": requirements_hash([] if onboarded else ONBOARDING_DUE),
        "settings": _settings(settings, country),
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
        "type": kind,
    }
    return account


def ensure_platform(sandbox: Sandbox) -> str:
    """Create the platform account and its key on first start; return its id."""
    rows = sandbox.store.query("SELECT account FROM api_keys WHERE key = ?", (sandbox.platform_key,))
    if rows:
        return rows[0]["account"]
    account = build_account(random_id("acct_", 16), {"type": "standard"}, onboarded=True)
    account["business_profile"]["name"] = "PayPort Platform"
    account["settings"]["dashboard"]["display_name"] = "PayPort Platform"
    with sandbox.store.transaction():
        sandbox.store.put(account, account=account["id"], meta={"kind": "platform"})
        sandbox.add_key(sandbox.platform_key, account["id"])
    return account["id"]


def default_currency(country: str) -> str:
    """The settlement currency Stripe picks for a country."""
    return "eur" if country in EURO_COUNTRIES else CURRENCY_BY_COUNTRY.get(country, "usd")


def _type_from_controller(controller: dict[str, Any]) -> str:
    dashboard = (controller.get("stripe_dashboard") or {}).get("type")
    return {"express": "express", "none": "custom"}.get(dashboard or "", "standard" if not controller else "express")


def _controller(kind: str) -> dict[str, Any]:
    if kind == "standard":
        return {"type": "account"}
    return {
        "fees": {"payer": "application_express" if kind == "express" else "application"},
        "is_controller": True,
        "losses": {"payments": "application"},
        "requirement_collection": "stripe" if kind == "express" else "application",
        "stripe_dashboard": {"type": "express" if kind == "express" else "none"},
        "type": "application",
    }


def _business_profile(profile: dict[str, Any]) -> dict[str, Any]:
    address = profile.get("support_address") or {}
    revenue = profile.get("annual_revenue") or {}
    return {
        "annual_revenue": {
            "amount": revenue.get("amount"),
            "currency": revenue.get("currency"),
            "fiscal_year_end": revenue.get("fiscal_year_end"),
        },
        "estimated_worker_count": profile.get("estimated_worker_count"),
        "mcc": profile.get("mcc"),
        "name": profile.get("name"),
        "product_description": profile.get("product_description"),
        "support_address": {k: address.get(k) for k in ("city", "country", "line1", "line2", "postal_code", "state")},
        "support_email": profile.get("support_email"),
        "support_phone": profile.get("support_phone"),
        "support_url": profile.get("support_url"),
        "url": profile.get("url"),
        "minority_owned_business_designation": profile.get("minority_owned_business_designation"),
    }


def requirements_hash(
    due: list[str], *, eventually: list[str] | None = None, pending: list[str] | None = None, disabled: str | None = None
) -> dict[str, Any]:
    """An account's requirements: what is due now, eventually, being verified, and why charges are off."""
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": disabled or ("requirements.past_due" if due else None),
        "errors": [],
        "eventually_due": list(due if eventually is None else eventually),
        "past_due": list(due),
        "pending_verification": list(pending or []),
    }


def _settings(settings: dict[str, Any], country: str) -> dict[str, Any]:
    dashboard = settings.get("dashboard") or {}
    branding = settings.get("branding") or {}
    payments = settings.get("payments") or {}
    return {
        "bacs_debit_payments": {"display_name": None, "service_user_number": None},
        "branding": {k: branding.get(k) for k in ("icon", "logo", "primary_color", "secondary_color")},
        "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
        "card_payments": {
            "decline_on": {"avs_failure": False, "cvc_failure": False},
            "statement_descriptor_prefix": (settings.get("card_payments") or {}).get("statement_descriptor_prefix"),
            "statement_descriptor_prefix_kana": None,
            "statement_descriptor_prefix_kanji": None,
        },
        "dashboard": {"display_name": dashboard.get("display_name"), "timezone": dashboard.get("timezone", "Etc/UTC")},
        "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": "offer"},
        "payments": {
            "statement_descriptor": payments.get("statement_descriptor"),
            "statement_descriptor_kana": None,
            "statement_descriptor_kanji": None,
            "statement_descriptor_prefix_kana": None,
            "statement_descriptor_prefix_kanji": None,
        },
        "payouts": {
            "debit_negative_balances": True,
            "schedule": {"delay_days": 2 if country == "US" else 7, "interval": "daily"},
            "statement_descriptor": None,
        },
        "sepa_debit_payments": {},
    }


# Services


def create_account(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/accounts: a connected account owned by the calling platform."""
    if ctx.connected or sandbox.platform_of(ctx.key_account):
        raise StripeError.invalid("Only a platform account can create connected accounts.")
    if "type" in params and "controller" in params:
        raise StripeError.invalid(
            "You cannot specify `type` and `controller` at the same time.", param="type", code="parameters_exclusive"
        )
    if params.get("country", "US") not in CURRENCY_BY_COUNTRY and params.get("country") not in EURO_COUNTRIES:
        raise StripeError.invalid(f"Country '{params['country']}' is unknown. Try using a 2-character alphanumeric country code instead, such as 'US', 'EG', or 'GB'.", param="country")
    if params.get("email"):
        check_email(params["email"], "email")
    check_metadata(params.get("metadata"))
    account = build_account(random_id("acct_", 16), params)
    sandbox.store.put(account, account=account["id"], meta={"platform": ctx.key_account, "kind": account["type"]})
    return account


def check_email(value: str, param: str) -> None:
    """Stripe's email_invalid check."""
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value:
        raise StripeError.invalid(f"Invalid email address: {value}", param=param, code="email_invalid")


def visible_account(sandbox: Sandbox, ctx: Context, account_id: str) -> dict[str, Any]:
    """An account the key may see: its own, the acted-on one, or one of the platform's connected accounts."""
    allowed = account_id in (ctx.account, ctx.key_account) or sandbox.platform_of(account_id) == ctx.key_account
    account = sandbox.store.get(account_id, type="account") if allowed else None
    if account is None:
        raise StripeError.account_invalid(ctx.key, account_id)
    return account


def update_account(sandbox: Sandbox, ctx: Context, account_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/accounts/{id}: business profile, email, metadata and dashboard settings; emits account.updated."""
    account = visible_account(sandbox, ctx, account_id)
    before = copy.deepcopy(account)
    for name, value in (params.get("business_profile") or {}).items():
        if not isinstance(value, dict):
            account["business_profile"][name] = value or None
    if "email" in params:
        check_email(params["email"], "email")
        account["email"] = params["email"]
    check_metadata(params.get("metadata"))
    account["metadata"] = merge_metadata(account["metadata"], params.get("metadata"))
    settings = params.get("settings") or {}
    account["settings"]["dashboard"].update({k: v or None for k, v in (settings.get("dashboard") or {}).items()})
    if "statement_descriptor" in (settings.get("payments") or {}):
        account["settings"]["payments"]["statement_descriptor"] = settings["payments"]["statement_descriptor"] or None
    if "statement_descriptor_prefix" in (settings.get("card_payments") or {}):
        prefix = settings["card_payments"]["statement_descriptor_prefix"] or None
        account["settings"]["card_payments"]["statement_descriptor_prefix"] = prefix
    return save_account_change(sandbox, before, account, ctx)


def merge_metadata(current: dict[str, str], update: dict[str, str] | None) -> dict[str, str]:
    """Stripe's metadata update: keys merge, an empty value removes a key, an empty hash clears all."""
    if update is None:
        return current
    if update == {}:
        return {}
    merged = {**current, **update}
    return {k: v for k, v in merged.items() if v != ""}


def save_account_change(sandbox: Sandbox, before: dict[str, Any], after: dict[str, Any], ctx: Context | None) -> dict[str, Any]:
    """Store an account and emit account.updated with the changed top-level attributes."""
    previous = {k: before[k] for k in after if before.get(k) != after[k]}
    sandbox.store.put(after, account=after["id"])
    if previous:
        sandbox.emit(after["id"], "account.updated", after, previous=previous, ctx=ctx)
    return after


def create_account_link(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/account_links: a one-time onboarding URL valid for five minutes."""
    account_id = params["account"]
    if sandbox.platform_of(account_id) != ctx.key_account:
        raise StripeError.account_invalid(ctx.key, account_id)
    for name in ("refresh_url", "return_url"):
        if name not in params:
            raise StripeError.missing(name)
        check_url(params[name], name)
    token = secrets.token_urlsafe(18)
    created = now()
    sandbox.store.execute(
        "INSERT INTO account_links (token, account, refresh_url, return_url, created, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        (token, account_id, params["refresh_url"], params["return_url"], created, created + LINK_TTL),
    )
    base = sandbox.base_url(ctx.base_url)
    return {"created": created, "expires_at": created + LINK_TTL, "object": "account_link", "url": f"{base}/connect/onboarding/{token}"}


# Routes


@post("/v1/accounts")
async def create_account_route(request: Request) -> Response:
    """POST /v1/accounts."""
    return await api_call(request, sp.AccountCreateParams, create_account)


@get("/v1/accounts/{account_id:str}")
async def retrieve_account_route(request: Request, account_id: FromPath[str]) -> Response:
    """GET /v1/accounts/{id}."""
    return await api_call(request, sp.AccountRetrieveParams, lambda s, c, p: visible_account(s, c, account_id))


@get("/v1/account")
async def retrieve_own_account_route(request: Request) -> Response:
    """GET /v1/account: the account the request acts on."""
    return await api_call(request, sp.AccountRetrieveCurrentParams, lambda s, c, p: visible_account(s, c, c.account))


@post("/v1/accounts/{account_id:str}")
async def update_account_route(request: Request, account_id: FromPath[str]) -> Response:
    """POST /v1/accounts/{id}."""
    return await api_call(request, sp.AccountUpdateParams, lambda s, c, p: update_account(s, c, account_id, p))


@get("/v1/accounts")
async def list_accounts_route(request: Request) -> Response:
    """GET /v1/accounts: the platform's connected accounts."""

    def handler(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        where, args = "json_extract(meta, '$.platform') = ?", (ctx.key_account,)  # deauthorized accounts drop out
        return list_objects(sandbox, None, "account", params, "/v1/accounts", where, args)

    return await api_call(request, sp.AccountListParams, handler)


@post("/v1/account_links")
async def create_account_link_route(request: Request) -> Response:
    """POST /v1/account_links."""
    return await api_call(request, sp.AccountLinkCreateParams, create_account_link)


ROUTES = [
    create_account_route,
    retrieve_account_route,
    retrieve_own_account_route,
    update_account_route,
    list_accounts_route,
    create_account_link_route,
]
