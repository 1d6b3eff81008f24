"""Platform-level Stripe plumbing: webhook signing secrets, registering the platform endpoints, background tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from app import encryption
from app.services.actors import STRIPE_RECONCILIATION, set_actor
from app.db import is_sqlite, write_transaction
from app.metrics import RECONCILIATION_RUNS, record_lag
from app.services.payments.ledger_check import run_check as run_ledger_check
from app.services.payments.reconciliation import reconcile
from app.settings import get_settings
from app.services.payments.endpoints import can_register, ensure_endpoint, listen_instructions, platform_webhook_url
from app.stripe_gateway import StripeRejected, StripeUnavailable
from app.tables.payments import PlatformWebhookEndpoint

log = logging.getLogger("app.stripe")
KINDS = ("platform", "connect")
_tasks: list[asyncio.Task] = []
LEDGER_CHECK_SECONDS = 24 * 3600


async def platform_secrets() -> list[tuple[str, str]]:
    """(kind, secret) pairs the platform webhook URL accepts: from the environment, else registered ones."""
    settings = get_settings()
    configured = [("platform", settings.stripe_webhook_secret), ("connect", settings.stripe_connect_webhook_secret)]
    found = [(kind, secret) for kind, secret in configured if secret]
    if len(found) == len(KINDS):
        return found
    have = {kind for kind, _ in found}
    for row in await PlatformWebhookEndpoint.objects():
        if row.kind not in have:
            found.append((row.kind, encryption.decrypt(row.secret_enc)))
    return found


def _kinds_to_register() -> list[str]:
    """Kinds whose secret the environment does not give (those endpoints are the operator's own)."""
    settings = get_settings()
    if not settings.stripe_secret_key:
        return []
    configured = {"platform": settings.stripe_webhook_secret, "connect": settings.stripe_connect_webhook_secret}
    return [kind for kind in KINDS if not configured[kind]]


# Any fixed number: app processes take this PostgreSQL lock to register endpoints one at a time.
REGISTRATION_LOCK = 0x5041_5950  # "PAYP"


async def register_platform_endpoints() -> list[str]:
    """Make sure Stripe (or the sandbox) sends platform and Connect events to this app; returns endpoint ids.

    Workers starting together take turns (SQLite's immediate transaction, PostgreSQL's advisory lock), so
    each kind gets one endpoint whose secret is stored, not one per worker with all but one secret lost.
    """
    async with write_transaction():
        if not is_sqlite():
            await PlatformWebhookEndpoint.raw("SELECT pg_advisory_xact_lock({})", REGISTRATION_LOCK)
        return await _register_endpoints()


async def _register_endpoints() -> list[str]:
    url = platform_webhook_url()
    stored = {row.kind: row for row in await PlatformWebhookEndpoint.objects()}
    ids = []
    for kind in _kinds_to_register():
        row = stored.get(kind)
        known = row.endpoint_id if row is not None and row.url == url else None
        ensured = await ensure_endpoint(
            url, kind == "connect", {"payport": kind},
            lambda e, kind=kind: e.url == url and e.metadata.get("payport") == kind, known,
        )
        for action in ensured.actions:
            log.info("Stripe %s webhook endpoint: %s", kind, action)
        if ensured.secret:
            async with write_transaction():
                await PlatformWebhookEndpoint.delete().where(PlatformWebhookEndpoint.kind == kind)
                await PlatformWebhookEndpoint(
                    kind=kind, endpoint_id=ensured.endpoint.id, url=url, secret_enc=encryption.encrypt(ensured.secret)
                ).save()
        ids.append(ensured.endpoint.id)
    return ids


async def _register_with_retries(attempts: int = 40) -> None:
    # `make run` starts the sandbox next to the app: give it a few seconds to listen.
    if not can_register():
        log.warning("\n".join(listen_instructions()))
        return
    for _ in range(attempts):
        try:
            ids = await register_platform_endpoints()
            log.info("Stripe webhook endpoints ready: %s", ", ".join(ids))
            return
        except StripeUnavailable:
            await asyncio.sleep(0.5)
        except StripeRejected as exc:  # e.g. a sandbox that, like Stripe, refuses a local URL
            told = "\n".join(listen_instructions())
            log.warning("Stripe refused PayPort's webhook endpoint: %s\n%s", exc.message, told)
            return
    log.warning("Could not register webhook endpoints with Stripe; events will arrive by reconciliation.")


async def _reconcile_forever(interval: int) -> None:
    set_actor(STRIPE_RECONCILIATION)  # events found by reconciliation name it as their actor
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + interval
        await asyncio.sleep(interval)
        record_lag("reconciliation", loop.time() - due)
        try:
            report = await reconcile()
            RECONCILIATION_RUNS.labels("errors" if report.errors else "ok").inc()
            if report.changed:
                log.info("reconciliation: %s", report.summary())
        except Exception:  # the next round tries again
            RECONCILIATION_RUNS.labels("failed").inc()
            log.exception("reconciliation round failed")


async def _ledger_check_daily() -> None:
    # Once shortly after start, then every day: yesterday and the six days before, plus today so far.
    await asyncio.sleep(60)
    while True:
        try:
            checks = await run_ledger_check()
            apart = sum(len(c.differences) for c in checks)
            (log.warning if apart else log.info)("ledger check: %d accounts, %d differences", len(checks), apart)
        except Exception:  # tomorrow's round tries again
            log.exception("ledger check failed")
        await asyncio.sleep(LEDGER_CHECK_SECONDS)


async def start_background(app: object = None) -> None:
    """Start-up hook: register the webhook endpoints and start periodic reconciliation."""
    settings = get_settings()
    if _kinds_to_register():
        _tasks.append(asyncio.create_task(_register_with_retries()))
    if settings.stripe_reconcile_seconds > 0:
        _tasks.append(asyncio.create_task(_reconcile_forever(settings.stripe_reconcile_seconds)))
        _tasks.append(asyncio.create_task(_ledger_check_daily()))  # off with reconciliation (tests run it by hand)


async def stop_background(app: object = None) -> None:
    """Shutdown hook: stop the tasks started above."""
    for task in _tasks:
        task.cancel()
    for task in _tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    _tasks.clear()
