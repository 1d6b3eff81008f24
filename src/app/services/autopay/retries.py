"""The retry task in each app process: due autopay retries are taken once (a conditional UPDATE) and charged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from app.services.autopay.charge import ChargeResult, Status, charge_invoice
from app.services.background import background_task
from app.services.balance import COLLECTING
from app.services.clock import utcnow
from app.settings import get_settings
from app.tables.autopay import AutopayAttempt
from app.tables.invoices import Invoice

log = logging.getLogger("app.autopay")


async def _take(attempt_id: int) -> bool:
    """Claim one due retry: True only for the one process whose UPDATE cleared its time."""
    rows = await AutopayAttempt.raw(
        "UPDATE autopay_attempt SET next_retry_at = NULL WHERE id = {} AND next_retry_at IS NOT NULL RETURNING id",
        attempt_id,
    )
    return bool(rows)


async def run_due_retries(vendor_id: int | None = None) -> list[ChargeResult]:
    """Charge every invoice whose next try is due and that still has money to collect; returns what happened."""
    where = (AutopayAttempt.next_retry_at.is_not_null() & (AutopayAttempt.next_retry_at <= utcnow())
             & AutopayAttempt.status.is_in([Status.failed, Status.requires_action]))
    if vendor_id is not None:
        where &= AutopayAttempt.vendor == vendor_id
    due = await AutopayAttempt.select(AutopayAttempt.id, AutopayAttempt.vendor, AutopayAttempt.invoice).where(
        where).order_by(AutopayAttempt.next_retry_at)
    results = []
    for row in due:
        if not await _take(row["id"]):
            continue
        open_ = await Invoice.exists().where(
            (Invoice.id == row["invoice"]) & Invoice.status.is_in(list(COLLECTING)) & (Invoice.amount_due > 0))
        if not open_:  # paid some other way (or voided): no more tries
            continue
        try:
            results.append(await charge_invoice(row["vendor"], row["invoice"]))
        except Exception:  # no card any more, Stripe down, ...: logged, the invoice stays under attention
            log.exception("autopay retry of invoice %s failed", row["invoice"])
    return results


async def _run(stop: asyncio.Event, every: int) -> None:
    while not stop.is_set():
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
        if stop.is_set():
            return
        try:
            await run_due_retries()
        except Exception:  # a database hiccup must not end the task
            log.exception("autopay retry pass failed")


@asynccontextmanager
async def autopay_retries(app: object) -> AsyncIterator[None]:
    """App lifespan: look for due retries every PAYPORT_AUTOPAY_RETRY_SECONDS (0: not in this process)."""
    every = get_settings().autopay_retry_seconds
    async with background_task("autopay-retries", lambda stop: _run(stop, every), enabled=every > 0):
        yield
