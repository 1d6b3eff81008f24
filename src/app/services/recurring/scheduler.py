"""The recurring scheduler: a task in each app process that makes due periods every tick (no cron to install).

Every process may run it at once: the (profile, period) key makes each period's invoice once whoever gets there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from app.services.background import background_task
from app.services.recurring.generate import run_due
from app.settings import get_settings

log = logging.getLogger(__name__)


async def run_scheduler(stop: asyncio.Event, tick: float) -> None:
    """Make due periods, then sleep a tick; a failing pass is logged and the next one tries again."""
    while not stop.is_set():
        try:
            made = await run_due()
            if made:
                log.info("recurring: made %d invoices", made)
        except Exception:
            log.exception("recurring scheduler pass failed")
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=tick)


@asynccontextmanager
async def recurring_scheduler(app: object) -> AsyncIterator[None]:
    """App lifespan: run the scheduler beside the server (PAYPORT_RECURRING_TICK_SECONDS=0 turns it off)."""
    tick = get_settings().recurring_tick_seconds
    async with background_task("recurring-scheduler", lambda stop: run_scheduler(stop, tick), enabled=bool(tick)):
        yield
