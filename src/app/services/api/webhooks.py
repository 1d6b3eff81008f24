"""Outgoing webhooks: endpoints (a secret each, shown once), signed deliveries with retries and backoff, the
delivery log and replay, and endpoints disabled after a day of failures (the owner is told by email).

Deliveries are rows (services/webhook_queue.py queues them with the change that caused them). A worker in each
app process claims due rows with a conditional UPDATE, so two processes never send one delivery, and a row left
`sending` by a process that died is taken up again after CLAIM_TIMEOUT: a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import secrets
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import date, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.db import write_transaction
from app.encryption import decrypt, encrypt
from app.errors import NotFound
from app.parsing import is_one_line
from app.services import outbox_queue as mail
from app.services.background import background_task
from app.services import webhook_queue as queue
from app.services.clock import today_for, utcnow
from app.settings import get_settings
from app.tables.api import WebhookDelivery, WebhookEndpoint
from app.tables.invoices import Invoice
from app.tables.mail import OutboxMessage
from app.tables.members import Membership
from app.tables.vendors import User, Vendor

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "PayPort-Signature"
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1),
           timedelta(hours=3), timedelta(hours=6), timedelta(hours=12), timedelta(hours=24))
CLAIM_TIMEOUT = timedelta(minutes=5)
DISABLE_AFTER = 10  # consecutive failed attempts...
DISABLE_SPAN = timedelta(days=1)  # ...spread over at least a day
TIMEOUT = 10.0
MAX_ENDPOINTS = 16
OVERDUE_EVERY = 60.0  # seconds between looks for invoices that became overdue


class EndpointErrors(ValueError):
    """Field errors of the endpoint form."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def sign(secret: str, body: str, timestamp: int) -> str:
    """The header value: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>"> (Stripe's scheme)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: str, header: str, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver checks: a v1 signature that matches, on a timestamp within `tolerance` seconds."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k == "t"]
    if not stamps or not stamps[0].isdigit():
        return False
    if abs((now or time.time()) - int(stamps[0])) > tolerance:
        return False
    expected = sign(secret, body, int(stamps[0])).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, v) for k, v in parts if k == "v1")


def _private_host(host: str) -> bool:
    """localhost or a loopback, private or link-local address literal (PayPort must not call into its own network)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved


def _check(url: str, events: list[str]) -> tuple[str, list[str]]:
    url, errors = (url or "").strip(), {}
    parts = urlsplit(url)
    production = get_settings().production
    if not url or parts.scheme not in ("https", "http") or not parts.hostname or not is_one_line(url):
        errors["url"] = "Enter the full URL of your endpoint, e.g. https://example.com/payport/webhooks."
    elif production and parts.scheme != "https":
        errors["url"] = "Use an https:// URL: deliveries carry your customers' data."
    elif production and _private_host(parts.hostname):
        errors["url"] = "Use your endpoint's public address; local and private addresses are not reachable."
    elif len(url) > 2000:
        errors["url"] = "Keep the URL under 2,000 characters."
    chosen = [e for e in dict.fromkeys(events) if e]
    if not chosen:
        errors["events"] = "Choose at least one event."
    elif any(e not in queue.EVENT_TYPES for e in chosen):
        errors["events"] = "Choose events from the list."
    if errors:
        raise EndpointErrors(errors)
    return url, chosen


async def create_endpoint(vendor_id: int, url: str, events: list[str]) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret, which is shown only now."""
    url, chosen = _check(url, events)
    if await WebhookEndpoint.count().where(WebhookEndpoint.vendor == vendor_id) >= MAX_ENDPOINTS:
        raise EndpointErrors({"url": f"A business can have at most {MAX_ENDPOINTS} endpoints."})
    secret = "whsec_" + secrets.token_urlsafe(32)
    row = WebhookEndpoint(vendor=vendor_id, url=url, events=",".join(chosen), secret_enc=encrypt(secret),
                          created_at=utcnow())
    await row.save()
    return row, secret


async def get_endpoint(vendor_id: int, endpoint_id: int) -> WebhookEndpoint:
    """The vendor's endpoint, or NotFound."""
    row = await WebhookEndpoint.objects().where(
        (WebhookEndpoint.id == endpoint_id) & (WebhookEndpoint.vendor == vendor_id)).first()
    if row is None:
        raise NotFound("That webhook endpoint does not exist.")
    return row


async def list_endpoints(vendor_id: int) -> list[dict[str, Any]]:
    """The vendor's endpoints with their latest deliveries (newest first, 20 each)."""
    rows = await WebhookEndpoint.select(
        WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.events, WebhookEndpoint.enabled,
        WebhookEndpoint.disabled_reason, WebhookEndpoint.failures, WebhookEndpoint.created_at,
    ).where(WebhookEndpoint.vendor == vendor_id).order_by(WebhookEndpoint.id)
    for row in rows:
        row["event_list"] = [e for e in row["events"].split(",") if e]
        row["deliveries"] = await WebhookDelivery.select(
            WebhookDelivery.id, WebhookDelivery.event_id, WebhookDelivery.event_type, WebhookDelivery.status,
            WebhookDelivery.attempts, WebhookDelivery.response_status, WebhookDelivery.last_error,
            WebhookDelivery.created_at, WebhookDelivery.delivered_at, WebhookDelivery.next_attempt_at,
        ).where(WebhookDelivery.endpoint == row["id"]).order_by(WebhookDelivery.id, ascending=False).limit(20)
    return rows


async def set_enabled(vendor_id: int, endpoint_id: int, enabled: bool) -> None:
    """Turn an endpoint off, or on again (its failure count starts afresh)."""
    endpoint = await get_endpoint(vendor_id, endpoint_id)
    await WebhookEndpoint.update({WebhookEndpoint.enabled: enabled, WebhookEndpoint.disabled_reason: "",
                                  WebhookEndpoint.failures: 0, WebhookEndpoint.failing_since: None}).where(
        WebhookEndpoint.id == endpoint.id)


async def delete_endpoint(vendor_id: int, endpoint_id: int) -> None:
    """Remove an endpoint and its delivery log."""
    endpoint = await get_endpoint(vendor_id, endpoint_id)
    await WebhookEndpoint.delete().where(WebhookEndpoint.id == endpoint.id)


async def replay(vendor_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a logged event again, now, as a new delivery with the same event id and body."""
    row = await WebhookDelivery.objects().where(
        (WebhookDelivery.id == delivery_id) & (WebhookDelivery.vendor == vendor_id)).first()
    if row is None:
        raise NotFound("That delivery does not exist.")
    now = utcnow()
    copy = WebhookDelivery(vendor=vendor_id, endpoint=row.endpoint, event_id=row.event_id, event_type=row.event_type,
                           payload=row.payload, status="pending", next_attempt_at=now, created_at=now)
    await copy.save()
    queue.wake_worker()
    return copy


async def _claim(now: datetime, limit: int) -> list[dict[str, Any]]:
    """Take due rows for this process: pending and due, or `sending` for longer than a live sender needs."""
    due = await WebhookDelivery.select(WebhookDelivery.id).where(
        ((WebhookDelivery.status == "pending") & (WebhookDelivery.next_attempt_at <= now))
        | ((WebhookDelivery.status == "sending") & (WebhookDelivery.claimed_at < now - CLAIM_TIMEOUT))
    ).order_by(WebhookDelivery.id).limit(limit)
    claimed = []
    for row in due:
        async with write_transaction():
            taken = await WebhookDelivery.update({WebhookDelivery.status: "sending", WebhookDelivery.claimed_at: now}).where(
                (WebhookDelivery.id == row["id"]) & (
                    (WebhookDelivery.status == "pending")
                    | ((WebhookDelivery.status == "sending") & (WebhookDelivery.claimed_at < now - CLAIM_TIMEOUT)))
            ).returning(WebhookDelivery.id)
        if taken:
            claimed.append(row["id"])
    if not claimed:
        return []
    return await WebhookDelivery.select(
        *WebhookDelivery.all_columns(), WebhookDelivery.endpoint.url.as_alias("url"),
        WebhookDelivery.endpoint.secret_enc.as_alias("secret_enc"),
        WebhookDelivery.endpoint.enabled.as_alias("enabled"),
    ).where(WebhookDelivery.id.is_in(claimed)).order_by(WebhookDelivery.id)


async def _post(client: httpx.AsyncClient, row: dict[str, Any]) -> tuple[int | None, str]:
    """POST the signed body; (HTTP status, error text)."""
    try:
        secret = decrypt(row["secret_enc"])
        headers = {"Content-Type": "application/json", "User-Agent": "PayPort-Webhooks/1",
                   SIGNATURE_HEADER: sign(secret, row["payload"], int(time.time()))}
        response = await client.post(row["url"], content=row["payload"].encode(), headers=headers, timeout=TIMEOUT)
    except Exception as exc:  # DNS, refused, timeout, TLS, an unreadable secret: all a failed attempt
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return response.status_code, "" if response.is_success else f"HTTP {response.status_code}"


async def _record(row: dict[str, Any], status: int | None, error: str, now: datetime) -> None:
    attempts = row["attempts"] + 1
    ok = status is not None and 200 <= status < 300
    values: dict = {WebhookDelivery.attempts: attempts, WebhookDelivery.response_status: status,
                    WebhookDelivery.last_error: error, WebhookDelivery.claimed_at: None}
    if ok:
        values.update({WebhookDelivery.status: "succeeded", WebhookDelivery.delivered_at: now})
    elif attempts > len(BACKOFF):
        values[WebhookDelivery.status] = "failed"
    else:
        values.update({WebhookDelivery.status: "pending", WebhookDelivery.next_attempt_at: now + BACKOFF[attempts - 1]})
    async with write_transaction():
        await WebhookDelivery.update(values).where(WebhookDelivery.id == row["id"])
        if ok:
            await WebhookEndpoint.update({WebhookEndpoint.failures: 0, WebhookEndpoint.failing_since: None}).where(
                WebhookEndpoint.id == row["endpoint"])
        else:
            await _count_failure(row["endpoint"], now)


async def _count_failure(endpoint_id: int, now: datetime) -> None:
    endpoint = await WebhookEndpoint.objects().where(WebhookEndpoint.id == endpoint_id).first()
    if endpoint is None or not endpoint.enabled:
        return
    endpoint.failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    if endpoint.failures >= DISABLE_AFTER and now - endpoint.failing_since >= DISABLE_SPAN:
        endpoint.enabled = False
        endpoint.disabled_reason = (f"Disabled on {now:%b %-d, %Y %H:%M} UTC after {endpoint.failures} failed "
                                    "deliveries in a row over a day.")
        await WebhookDelivery.update({WebhookDelivery.status: "failed",
                                      WebhookDelivery.last_error: "Endpoint disabled"}).where(
            (WebhookDelivery.endpoint == endpoint.id) & (WebhookDelivery.status == "pending"))
        await _queue_disabled_notice(endpoint, now)
    await endpoint.save()


async def _queue_disabled_notice(endpoint: WebhookEndpoint, now: datetime) -> None:
    """Tell the owner by email, through the outbox, once per disabling."""
    owner = await User.select(User.email).where(User.id.is_in(Membership.owners(endpoint.vendor))).first()
    vendor = await Vendor.select(Vendor.name, Vendor.email).where(Vendor.id == endpoint.vendor).first()
    to = (owner or {}).get("email") or (vendor or {}).get("email")
    if not to:
        return
    sender, _ = mail.sender_for({"name": "PayPort", "email": ""})
    text = (f"PayPort could not deliver webhooks to {endpoint.url} ({endpoint.failures} attempts in a row over more "
            "than a day), so the endpoint is now disabled and no more events are sent to it.\n\nFix the endpoint, "
            "then enable it again in Settings > Webhooks; replay from its delivery log what it missed.\n")
    html = "".join(f"<p>{escape(part)}</p>" for part in text.strip().split("\n\n"))
    await OutboxMessage.insert(OutboxMessage(
        vendor=endpoint.vendor, invoice=None, kind=OutboxMessage.Kind.security_notice,
        dedupe_key=f"webhook-disabled:{endpoint.id}:{int(now.timestamp())}", sender=sender, reply_to="", to=to,
        cc="", subject=f"Webhook endpoint disabled for {(vendor or {}).get('name', 'your business')}"[:300],
        text=text, html=html, status=OutboxMessage.Status.queued, next_attempt_at=now, created_at=now,
    )).on_conflict(action="DO NOTHING")
    mail.wake_worker()


def _overdue_event_id(invoice_id: int, due: date) -> str:
    return f"evt_overdue_{invoice_id}_{due:%Y%m%d}"


def _overdue_key(endpoint_id: int, invoice_id: int, due: date) -> str:
    """The fact a delivery stands for: this endpoint, told this invoice is overdue on this due date."""
    return f"overdue:{endpoint_id}:{invoice_id}:{due:%Y%m%d}"


async def _already_queued(keys: list[str]) -> set[str]:
    """The dedupe keys among `keys` that have a delivery (a cheap look first; the unique index decides)."""
    if not keys:
        return set()
    rows = await WebhookDelivery.select(WebhookDelivery.dedupe_key).where(WebhookDelivery.dedupe_key.is_in(keys))
    return {row["dedupe_key"] for row in rows}


async def _overdue_invoices(vendor_id: int, timezone: str) -> list[dict[str, Any]]:
    today = today_for(timezone or "UTC")
    return await Invoice.select().where(
        (Invoice.vendor == vendor_id) & Invoice.status.is_in(["sent", "partially_paid"])
        & (((Invoice.next_due_date.is_not_null()) & (Invoice.next_due_date < today))
           | ((Invoice.next_due_date.is_null()) & (Invoice.due_date < today))))


def _overdue_delivery(endpoint: dict[str, Any], key: str, invoice: dict[str, Any], now: datetime) -> WebhookDelivery:
    event_id = _overdue_event_id(invoice["id"], invoice["next_due_date"] or invoice["due_date"])
    payload = json.dumps({"id": event_id, "object": "event", "type": "invoice.overdue", "created": int(now.timestamp()),
                          "data": {"object": queue.snapshot("invoice", invoice)}}, separators=(",", ":"))
    return WebhookDelivery(vendor=endpoint["vendor"], endpoint=endpoint["id"], event_id=event_id,
                           event_type="invoice.overdue", payload=payload, status="pending", next_attempt_at=now,
                           created_at=now, dedupe_key=key)


async def queue_overdue_events() -> int:
    """invoice.overdue once per invoice and due date, for endpoints that take it (overdue is derived, not stored:
    sent or partly paid and due before today in the vendor's time zone). Returns how many were queued.

    Every worker runs this each minute: the unique dedupe key with ON CONFLICT DO NOTHING makes two workers that
    look at the same moment queue the event once."""
    endpoints = await WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.vendor, WebhookEndpoint.events,
                                             WebhookEndpoint.vendor.timezone.as_alias("timezone")).where(
        (WebhookEndpoint.enabled == True) & WebhookEndpoint.events.like("%invoice.overdue%"))  # noqa: E712
    queued = 0
    for endpoint in endpoints:
        if not queue.subscribed(endpoint["events"], "invoice.overdue"):
            continue
        due = {_overdue_key(endpoint["id"], row["id"], row["next_due_date"] or row["due_date"]): row
               for row in await _overdue_invoices(endpoint["vendor"], endpoint["timezone"])}
        seen = await _already_queued(list(due))
        fresh = [(key, row) for key, row in due.items() if key not in seen]
        if not fresh:
            continue
        now = utcnow()
        rows = [_overdue_delivery(endpoint, key, invoice, now) for key, invoice in fresh]
        async with write_transaction():
            inserted = await WebhookDelivery.insert(*rows).on_conflict(action="DO NOTHING").returning(
                WebhookDelivery.id)
        queued += len(inserted)
    if queued:
        queue.wake_worker()
    return queued


async def deliver_due(now: datetime | None = None, limit: int = 50) -> int:
    """Send every due delivery once; returns how many were attempted."""
    now = now or utcnow()
    rows = await _claim(now, limit)
    if not rows:
        return 0  # a client costs an SSL context (milliseconds); most wake-ups find nothing due
    async with httpx.AsyncClient(follow_redirects=False) as client:
        for row in rows:
            if not row["enabled"]:
                await WebhookDelivery.update({WebhookDelivery.status: "failed",
                                              WebhookDelivery.last_error: "Endpoint disabled"}).where(
                    WebhookDelivery.id == row["id"])
                continue
            status, error = await _post(client, row)
            await _record(row, status, error, now)
    return len(rows)


async def run_worker(stop: asyncio.Event, poll: float = 2.0) -> None:
    """Deliver what is due, then sleep until woken by a new event or the poll interval passes."""
    wakeup = queue.worker_wakeup()
    loop = asyncio.get_running_loop()
    next_overdue = 0.0
    while not stop.is_set():
        wakeup.clear()
        try:
            if loop.time() >= next_overdue:
                await queue_overdue_events()
                next_overdue = loop.time() + OVERDUE_EVERY
            while await deliver_due() and not stop.is_set():
                pass
        except Exception:  # a bad row or a database hiccup must not stop deliveries for everyone
            log.exception("webhook worker pass failed")
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(wakeup.wait(), timeout=poll)


@asynccontextmanager
async def webhook_worker(app: object) -> AsyncIterator[None]:
    """App lifespan: the delivery worker beside the server (PAYPORT_WEBHOOK_WORKER=0 turns it off)."""
    async with background_task("webhook-worker", run_worker, enabled=get_settings().webhook_worker,
                               wake=queue.wake_worker, timeout=TIMEOUT + 2):
        yield
