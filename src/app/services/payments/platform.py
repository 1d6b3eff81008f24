"""Platform-level Stripe plumbing: webhook signing secrets, registering endpoints with the sandbox, background tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from app import encryption
from app.db import is_sqlite, write_transaction
from app.metrics import RECONCILIATION_RUNS, record_lag
from app.services.payments.reconciliation import reconcile
from app.settings import get_settings
from app.stripe_gateway import StripeUnavailable, get_gateway, is_sandbox_base
from app.tables.payments import PlatformWebhookEndpoint

log = logging.getLogger("app.stripe")
KINDS = ("platform", "connect")
_tasks: list[asyncio.Task] = []


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


def _wants_registration() -> bool:
    settings = get_settings()
    missing = not (settings.stripe_webhook_secret and settings.stripe_connect_webhook_secret)
    return bool(settings.stripe_secret_key) and is_sandbox_base(settings.stripe_api_base) and missing


# Any fixed number: app processes take this PostgreSQL lock to register endpoints one at a time.
REGISTRATION_LOCK = 0x5041_5950  # "PAYP"


async def register_sandbox_endpoints() -> list[str]:
    """Make sure the sandbox sends platform and Connect events to this app, like `stripe listen`; returns ids.

    Workers starting together take turns (SQLite's immediate transaction, PostgreSQL's advisory lock), so
    each kind gets one endpoint whose secret is stored, not one per worker with all but one secret lost.
    """
    async with write_transaction():
        if not is_sqlite():
            await PlatformWebhookEndpoint.raw("SELECT pg_advisory_xact_lock({})", REGISTRATION_LOCK)
        return await _register_endpoints()


async def _register_endpoints() -> list[str]:
    settings = get_settings()
    url = f"{settings.app_base_url}/webhooks/stripe"
    gateway = get_gateway()
    remote = [e for e in await gateway.list_webhook_endpoints() if e.url == url]
    stored = {row.kind: row for row in await PlatformWebhookEndpoint.objects()}
    ids = []
    for kind in KINDS:
        row = stored.get(kind)
        matching = [e for e in remote if e.metadata.get("payport") == kind]
        if row is not None and row.url == url and any(e.id == row.endpoint_id for e in matching):
            ids.append(row.endpoint_id)
            continue
        # Stripe shows a secret only at creation: without ours stored, replace the endpoint.
        for endpoint in matching:
            await gateway.delete_webhook_endpoint(endpoint.id)
        created = await gateway.create_webhook_endpoint(url, kind == "connect", {"payport": kind})
        async with write_transaction():
            await PlatformWebhookEndpoint.delete().where(PlatformWebhookEndpoint.kind == kind)
            await PlatformWebhookEndpoint(
                kind=kind, endpoint_id=created.id, url=url, secret_enc=encryption.encrypt(created.secret)
            ).save()
        ids.append(created.id)
    return ids


async def _register_with_retries(attempts: int = 40) -> None:
    # `make run` starts the sandbox next to the app: give it a few seconds to listen.
    for _ in range(attempts):
        try:
            ids = await register_sandbox_endpoints()
            log.info("Stripe sandbox webhook endpoints ready: %s", ", ".join(ids))
            return
        except StripeUnavailable:
            await asyncio.sleep(0.5)
    log.warning("Could not register webhook endpoints with the Stripe sandbox; events will arrive by reconciliation.")


async def _reconcile_forever(interval: int) -> None:

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


async def start_background(app: object = None) -> None:
    """Start-up hook: register sandbox webhooks and start periodic reconciliation."""
    settings = get_settings()
    if _wants_registration():
        _tasks.append(asyncio.create_task(_register_with_retries()))
    if settings.stripe_reconcile_seconds > 0:
        _tasks.append(asyncio.create_task(_reconcile_forever(settings.stripe_reconcile_seconds)))


async def stop_background(app: object = None) -> None:
    """Shutdown hook: stop the tasks started above."""
    for task in _tasks:
        task.cancel()
    for task in _tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    _tasks.clear()
