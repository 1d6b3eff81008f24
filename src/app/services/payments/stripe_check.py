"""`payport stripe check`: the platform's Stripe configuration read through the API, each problem with its fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from app.services.payments.endpoints import is_public_https, platform_webhook_url
from app.settings import Settings, get_settings
from app.stripe_gateway import (
    API_VERSION,
    PROBES,
    WEBHOOK_EVENTS,
    StripeRejected,
    StripeUnavailable,
    WebhookEndpointInfo,
    get_gateway,
)

# A fee above these is far more likely a slip (cents typed as dollars, basis points as percent) than a plan.
FEE_PERCENT_LIMIT = Decimal(20)
FEE_FIXED_LIMIT = 50  # Stripe's smallest charge in USD/EUR minor units: a fee this size takes a whole payment
PERMISSION_NAMES = {
    "accounts": "Connect: Accounts (read and write)",
    "checkout_sessions": "Checkout Sessions (write)",
    "webhook_endpoints": "Webhook Endpoints (write)",
    "events": "Events (read)",
    "refunds": "Refunds (write)",
    "balance_transactions": "Balance transaction sources (read)",
}


@dataclass(frozen=True)
class Problem:
    """One thing that will not work, and what to do about it."""

    what: str
    fix: str


@dataclass
class Report:
    """What the check found: problems, and the facts it confirmed."""

    problems: list[Problem] = field(default_factory=list)
    fine: list[str] = field(default_factory=list)

    def add(self, what: str, fix: str) -> None:
        """Record a problem."""
        self.problems.append(Problem(what, fix))

    def lines(self) -> list[str]:
        """The report as printed by the CLI."""
        out = [f"ok: {line}" for line in self.fine]
        for problem in self.problems:
            out += [f"PROBLEM: {problem.what}", f"  fix: {problem.fix}"]
        out.append(f"{len(self.problems)} problem(s) found." if self.problems else "No problems found.")
        return out


def is_platform_admin(email: str) -> bool:
    """True for the operator's logins (PLATFORM_ADMIN_EMAILS): vendors never see the platform's configuration."""
    return email.strip().lower() in get_settings().platform_admins


async def check_stripe() -> Report:
    """Check key, Connect, webhook endpoints, fees and base URL; read-only."""
    settings = get_settings()
    report = Report()
    if not _check_key(settings.stripe_secret_key, report):
        return report
    _check_base_url(settings.app_base_url, report)
    _check_fees(settings, report)
    try:
        probes = {name: await get_gateway().probe(name) for name in PROBES}
    except StripeUnavailable as exc:
        report.add(f"Stripe could not be reached: {exc.message}",
                   "Check the network and STRIPE_API_BASE, then run again.")
        return report
    unreachable = next((p for p in probes.values() if p.outcome == "unavailable"), None)
    if unreachable is not None:
        report.add(f"Stripe could not be reached ({unreachable.message}).",
                   "Check the network, and STRIPE_API_BASE (unset for real Stripe), then run again.")
        return report
    if any(p.outcome == "auth" for p in probes.values()):
        report.add("Stripe rejected STRIPE_SECRET_KEY.", "Copy the secret key again from Developers > API keys.")
        return report
    for name, probe in probes.items():
        if probe.outcome == "permission":
            report.add(f"The restricted key may not use {PERMISSION_NAMES[name]} ({probe.message}).",
                       f"Edit the key in Developers > API keys and grant {PERMISSION_NAMES[name]}.")
    _check_connect(probes["accounts"].outcome, probes["accounts"].message, report)
    if probes["webhook_endpoints"].outcome == "ok":
        await _check_endpoints(settings, report)
    return report


def _check_key(key: str, report: Report) -> bool:
    if not key:
        report.add("STRIPE_SECRET_KEY is not set.", "Set it to the platform's secret key (sk_live_... or sk_test_...).")
        return False
    if key.startswith("pk_"):
        report.add("STRIPE_SECRET_KEY holds a publishable key (pk_...).", "Use the secret key (sk_...) instead.")
        return False
    kinds = {"sk_test_": "secret key, test mode", "sk_live_": "secret key, live mode",
             "rk_test_": "restricted key, test mode", "rk_live_": "restricted key, live mode"}
    kind = next((v for k, v in kinds.items() if key.startswith(k)), "")
    if not kind:
        report.add("STRIPE_SECRET_KEY is not a Stripe secret key.",
                   "It starts with sk_live_, sk_test_, rk_live_ or rk_test_.")
        return False
    report.fine.append(f"STRIPE_SECRET_KEY is a {kind} (...{key[-4:]}).")
    if "test" in kind:
        report.fine.append("Test mode: no real money moves; use a live key to take payments.")
    return True


def _check_base_url(base: str, report: Report) -> None:
    if not base.startswith("https://"):
        report.add(f"APP_BASE_URL {base} is not https: Stripe sends webhooks only to https, and live Checkout "
                   "needs https return URLs.", "Serve PayPort behind TLS and set APP_BASE_URL=https://...")
    elif not is_public_https(base):
        report.add(f"APP_BASE_URL {base} is not a public address: Stripe cannot reach it.",
                   "Set APP_BASE_URL to the public https address, or forward events with `stripe listen`.")
    else:
        report.fine.append(f"APP_BASE_URL {base} is public https.")


def _check_fees(settings: Settings, report: Report) -> None:
    percent, fixed = settings.platform_fee_percent, settings.platform_fee_fixed
    if percent >= FEE_PERCENT_LIMIT:
        report.add(f"PLATFORM_FEE_PERCENT is {percent}%: vendors would give up a fifth or more of every payment.",
                   "Set the percent you mean, e.g. PLATFORM_FEE_PERCENT=2.5 for 2.5%.")
    if fixed >= FEE_FIXED_LIMIT:
        report.add(f"PLATFORM_FEE_FIXED is {fixed} minor units: a payment of Stripe's minimum (0.50) would be all fee.",
                   "PLATFORM_FEE_FIXED is in cents: 30 means 0.30.")
    if percent < FEE_PERCENT_LIMIT and fixed < FEE_FIXED_LIMIT:
        report.fine.append(f"Platform fee: {percent}% + {fixed} minor units on Connect payments.")


def _check_connect(outcome: str, message: str, report: Report) -> None:
    if outcome == "connect_disabled":
        report.add(f"Connect is not enabled on the platform account ({message}).",
                   "Sign up for Connect in the Stripe dashboard (Connect > Get started) and allow Express accounts.")
    elif outcome == "ok":
        report.fine.append("Connect is enabled (Express accounts can be listed; Express must be allowed in "
                           "Connect settings, which the API does not show).")


async def _check_endpoints(settings: Settings, report: Report) -> None:
    url = platform_webhook_url()
    try:
        endpoints = await get_gateway().list_webhook_endpoints()
    except StripeRejected as exc:
        report.add(f"Webhook endpoints could not be listed: {exc.message}", "Check the key's permissions.")
        return
    here = [e for e in endpoints if e.url == url]
    for e in endpoints:
        if e.metadata.get("payport") in ("platform", "connect") and e.url != url:
            report.add(f"Webhook endpoint {e.id} points to {e.url}, not {url}.",
                       "Delete it in Developers > Webhooks; PayPort registers the right one at start.")
    if len(here) < 2:
        report.add(f"{len(here)} webhook endpoint(s) at {url}; PayPort needs two (your account's events and "
                   "connected accounts' events).", "Start PayPort with a public https APP_BASE_URL (it registers "
                   "them itself), or create them in Developers > Webhooks.")
    for e in here:
        _check_one_endpoint(e, report)


def _check_one_endpoint(e: WebhookEndpointInfo, report: Report) -> None:
    label = f"Webhook endpoint {e.id} ({e.metadata.get('payport') or 'made by hand'})"
    missing = [] if "*" in e.enabled_events else [t for t in WEBHOOK_EVENTS if t not in e.enabled_events]
    if missing:
        report.add(f"{label} is missing events: {', '.join(missing)}.",
                   "Restart PayPort (it puts its endpoints' events right) or add them in Developers > Webhooks.")
    if e.api_version != API_VERSION:
        report.add(f"{label} sends events in API version {e.api_version or 'the account default'}, not {API_VERSION} "
                   "which PayPort reads.", "Delete it and restart PayPort, which creates it pinned to "
                   f"{API_VERSION} (Stripe cannot change an endpoint's version).")
    if e.status != "enabled":
        report.add(f"{label} is {e.status}: Stripe sends it nothing.", "Enable it in Developers > Webhooks.")
    if not (missing or e.api_version != API_VERSION or e.status != "enabled"):
        report.fine.append(f"{label}: enabled, events complete, API version {API_VERSION}.")
