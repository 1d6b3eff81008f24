"""The outbox as a queue, below every feature that writes to it: who a message is from, and waking the worker."""

from __future__ import annotations

import asyncio
from email.utils import formataddr, parseaddr

from app.settings import get_settings

_wake: asyncio.Event | None = None  # set by the worker of this process (worker_wakeup)


def sender_for(vendor: dict) -> tuple[str, str]:
    """(From, Reply-To): the platform address in the vendor's name; replies go to the vendor."""
    address = parseaddr(get_settings().mail_from)[1] or "billing@payport.local"
    return formataddr((vendor["name"], address)), vendor.get("email", "")


def worker_wakeup() -> asyncio.Event:
    """A fresh event the delivery worker of this process sleeps on; wake_worker() sets it."""
    global _wake
    _wake = asyncio.Event()
    return _wake


def wake_worker() -> None:
    """Tell this process's delivery worker there is mail to send now rather than at its next poll."""
    if _wake is not None:
        _wake.set()
