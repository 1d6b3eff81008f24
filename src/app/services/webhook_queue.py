"""Outgoing webhooks as a queue, below every feature that causes an event: the event types, and queue_event(),
which writes one delivery row per subscribed endpoint inside the caller's transaction (so the change and its
event commit together, or neither does). Sending, retries and the log live in services/api/webhooks.py."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.db import after_commit
from app.services.clock import utcnow
from app.tables.api import WebhookDelivery, WebhookEndpoint

# Event type -> what it means, in Settings' words. Features that come later add theirs with register_event_type.
EVENT_TYPES: dict[str, str] = {
    "invoice.created": "An invoice was created (a draft)",
    "invoice.sent": "An invoice was sent for the first time (it has its number)",
    "invoice.paid": "An invoice was paid in full",
    "invoice.overdue": "An invoice became overdue",
    "payment.succeeded": "A payment was received (card or recorded by hand)",
    "payment.refunded": "A refund of a payment was counted",
    "credit_note.created": "A credit note was issued",
    "quote.accepted": "A customer accepted a quote on its page",
}
OBJECT_FIELDS = {
    "invoice": ("id", "number", "customer", "status", "currency", "issue_date", "due_date", "total", "amount_paid",
                "amount_refunded", "amount_credited", "amount_due"),
    "payment": ("id", "invoice", "amount", "currency", "method", "reference", "paid_at"),
    "refund": ("id", "payment", "invoice", "amount", "currency", "status", "reason"),
    "credit_note": ("id", "number", "invoice", "customer", "currency", "total", "tax_total", "reason"),
    "quote": ("id", "number", "customer", "status", "currency", "issue_date", "expiry_date", "total", "accepted_at",
              "accepted_name"),
}
_wake: asyncio.Event | None = None


def register_event_type(name: str, meaning: str) -> None:
    """Offer a new event type (e.g. quote.accepted) to webhook endpoints."""
    EVENT_TYPES[name] = meaning


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def snapshot(kind: str, row: Any) -> dict[str, Any]:
    """The object an event carries: the row's public fields as they are at the time of the event."""
    values = row if isinstance(row, dict) else row.to_dict()
    return {"object": kind, **{name: _plain(values.get(name)) for name in OBJECT_FIELDS[kind]}}


def subscribed(endpoint_events: str, event_type: str) -> bool:
    """Whether an endpoint's comma-separated event list takes this type."""
    return event_type in {e.strip() for e in endpoint_events.split(",")}


async def queue_event(vendor_id: int, event_type: str, kind: str, row: Any, event_id: str | None = None) -> int:
    """Queue the event for each enabled endpoint of the vendor that takes it; call inside the change's
    transaction. Returns how many deliveries were queued."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    endpoints = await WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.events).where(
        (WebhookEndpoint.vendor == vendor_id) & (WebhookEndpoint.enabled == True))  # noqa: E712
    targets = [e["id"] for e in endpoints if subscribed(e["events"], event_type)]
    if not targets:
        return 0
    now = utcnow()
    event_id = event_id or f"evt_{secrets.token_hex(12)}"
    payload = json.dumps({"id": event_id, "object": "event", "type": event_type, "created": int(now.timestamp()),
                          "data": {"object": snapshot(kind, row)}}, separators=(",", ":"))
    await WebhookDelivery.insert(*[WebhookDelivery(
        vendor=vendor_id, endpoint=endpoint_id, event_id=event_id, event_type=event_type, payload=payload,
        status="pending", next_attempt_at=now, created_at=now) for endpoint_id in targets])
    after_commit(("webhooks", "wake"), wake_worker)
    return len(targets)


def worker_wakeup() -> asyncio.Event:
    """A fresh event this process's webhook worker sleeps on."""
    global _wake
    _wake = asyncio.Event()
    return _wake


def wake_worker() -> None:
    """Deliver now rather than at the worker's next poll."""
    if _wake is not None:
        _wake.set()
