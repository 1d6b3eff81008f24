"""The in-process mail worker: deliver due mail, queue receipts and reminders, sleep until woken."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from app.services.actors import AUTOMATIC, set_actor
from app.metrics import record_lag
from app.services.background import background_task
from app.services.mail import compose as mail
from app.services.mail import delivery, receipts, reminders
from app.settings import get_settings

log = logging.getLogger(__name__)
# This process's worker task, for the readiness probe (None: not started here, or turned off).
_task: asyncio.Task | None = None


def worker_state() -> str:
    """'running', 'stopped' (it ended or crashed) or 'off' (PAYPORT_MAIL_WORKER=0 or no app started here)."""
    if _task is None:
        return "off" if not get_settings().mail_worker else "stopped"
    return "stopped" if _task.done() else "running"


async def run_worker(stop: asyncio.Event) -> None:
    """Deliver, queue receipts and reminders, then sleep until woken or the poll interval passes."""
    set_actor(AUTOMATIC)  # this task's own context: what it records happened "automatically"
    wakeup = mail.worker_wakeup()
    poll = get_settings().mail_poll_seconds
    reminder_every = get_settings().reminder_interval_seconds
    next_reminders = 0.0
    loop = asyncio.get_running_loop()
    due = loop.time()
    while not stop.is_set():
        wakeup.clear()
        record_lag("mail", loop.time() - due)  # a busy event loop or a slow previous pass shows here
        try:
            await receipts.queue_due_receipts()
            if loop.time() >= next_reminders:
                if next_reminders:
                    record_lag("reminders", loop.time() - next_reminders)
                await reminders.queue_due_reminders()
                next_reminders = loop.time() + reminder_every
            await delivery.deliver_due()
        except Exception:  # a bad row or a database hiccup must not stop mail for everyone
            log.exception("mail worker pass failed")
        due = loop.time() + poll
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(wakeup.wait(), timeout=poll)
        due = min(due, loop.time())  # woken early: due now


@asynccontextmanager
async def mail_worker(app: object) -> AsyncIterator[None]:
    """App lifespan: run the worker beside the server (PAYPORT_MAIL_WORKER=0 turns it off)."""
    if get_settings().smtp_url:
        delivery.smtp_target(get_settings().smtp_url)  # a bad SMTP_URL stops the start, not every send
    global _task
    async with background_task("mail-worker", run_worker, enabled=get_settings().mail_worker,
                               wake=mail.wake_worker) as task:
        _task = task
        try:
            yield
        finally:
            if _task is task:
                _task = None
