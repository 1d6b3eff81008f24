"""Listeners in this process that hear of every change and every ended session, from any process."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

_change_listeners: list[Callable[[int | None], None]] = []
_session_listeners: list[Callable[[str | None], None]] = []


def on_vendor_change(listener: Callable[[int | None], None]) -> None:
    """Call listener(vendor_id) on every announcement, made here or (PostgreSQL) by another process.

    It runs before the announcement reaches any browser, so a cache dropped here is gone by the time
    the browser re-fetches. None means any vendor may have changed (announcements may have been lost).
    """
    _change_listeners.append(listener)


def _notify(listeners: list[Callable], value: object) -> None:
    # A cache listener failing must neither undo a committed change nor stop the other listeners.
    for listener in listeners:
        try:
            listener(value)
        except Exception:
            log.exception("listener %r failed for %r", listener, value)


def changed(vendor_id: int | None) -> None:
    _notify(_change_listeners, vendor_id)


def on_session_end(listener: Callable[[str | None], None]) -> None:
    """Call listener(key) when a session ends in this process or (PostgreSQL) another; None: maybe any."""
    _session_listeners.append(listener)


def session_ended(key: str | None) -> None:
    _notify(_session_listeners, key)


def changed_channel(channel: str | None) -> None:
    """A change announced on `channel` by some process (None: the listener reconnected, messages may be lost)."""
    if channel is None:
        changed(None)
    elif channel.startswith("vendor-") and channel[7:].isdigit():
        changed(int(channel[7:]))
