"""Announcements: a feature tells every browser and process of a vendor's change, once its commit is done."""

from __future__ import annotations

import asyncio
import json
import logging
import re

from app.db import after_commit
from app.live import channels, listeners
from app.live.channels import vendor_channel
from app.live.postgres import SESSIONS_CHANNEL

log = logging.getLogger(__name__)

EVENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


def announce_session_ended(key: str) -> None:
    """Tell every process that session `key` is gone (logout, a new id at login); call after the delete."""
    listeners.session_ended(key)
    _send(key, SESSIONS_CHANNEL)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _publish(vendor_id: int, message: dict[str, object]) -> None:
    # Browsers re-fetch at once: before the commit they would read the old state and stay stale, so inside
    # a write transaction the announcement waits for its commit (once per message) and a rollback drops it.
    data = json.dumps(message)
    after_commit(("live", vendor_id, data), lambda: _publish_now(vendor_id, data))


def _publish_now(vendor_id: int, data: str) -> None:
    listeners.changed(vendor_id)
    _send(data, vendor_channel(vendor_id))


def _send(data: str, channel: str) -> None:
    plugin = channels.current()
    if plugin is None:
        return  # no app running (CLI tools, some unit tests): nobody can be listening
    try:
        if _running_loop() is plugin.loop:
            plugin.publish(data, channels=[channel])
        else:  # another thread (a worker, a test client's loop): hand it to the app's loop
            plugin.loop.call_soon_threadsafe(plugin.publish, data, [channel])
    except Exception:  # an announcement must never undo a committed change
        log.exception("could not announce %s on %s", data, channel)


def announce_invoice_changed(vendor_id: int, invoice_id: int) -> None:
    """Tell the vendor's browsers that invoice `invoice_id` changed; call after commit."""
    _publish(vendor_id, {"invoice": int(invoice_id)})


def announce_vendor_changed(vendor_id: int, what: str) -> None:
    """Tell the vendor's browsers that vendor-wide state changed (e.g. 'stripe', 'customers'); call after commit."""
    if not EVENT_NAME.match(what):
        log.error("not announced: %r is not a valid event name (lowercase letters, digits, dashes)", what)
        return
    _publish(vendor_id, {"what": what})
