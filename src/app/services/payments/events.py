"""Stripe events: record once in the inbox and apply in the same transaction; announce after commit.

The vendor is found from where the event came from (the Connect account, or the vendor's own endpoint) and our
own Checkout records; metadata only ever confirms what those say.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from dataclasses import dataclass
from typing import Any

from app.db import engine, write_transaction
from app.services.actors import acting_as, current_actor
from app.live.announce import announce_invoice_changed, announce_vendor_changed
from app.services.payments import connection as stripe_connection
from app.services.payments.checkout import request_params
from app.services.clock import utcnow
from app.services.payments.ledger import (
    Collected,
    note_failed_attempt,
    record_payment,
    set_attempt_status,
    when,
)
from app.services.payments import cards, fees
from app.services.rows import lock_invoice
from app.services.payments.refunds import apply_refund
from app.settings import get_settings
from app.stripe_gateway import EventInfo, account_info
from app.stripe_types import card_info, refund_info
from app.tables.payments import CheckoutAttempt, Payment, StripeConnection, WebhookInbox

log = logging.getLogger("app.stripe")
Attempt = CheckoutAttempt.Status
DECLINE_WORDS = {
    "card_declined": "card declined",
    "generic_decline": "card declined",
    "insufficient_funds": "insufficient funds",
    "expired_card": "card expired",
    "incorrect_cvc": "incorrect security code",
    "processing_error": "the card could not be processed",
}


@dataclass(frozen=True)
class Origin:
    """Where an event came in: the platform endpoint, the Connect endpoint, or one vendor's own endpoint."""

    kind: str  # platform | connect | vendor
    vendor_id: int | None = None
    account: str = ""

    def account_of(self, event: EventInfo) -> str | None:
        """The Stripe account the event is about, as our attempts record it ("" = platform); None = not ours."""
        if self.kind == "connect":
            return event.account or None
        if event.account:  # account events never arrive on the platform's or a vendor's own endpoint
            return None
        return "" if self.kind == "platform" else self.account


@dataclass
class Applied:
    """What an event changed, to announce after commit."""

    vendor_id: int | None = None
    invoice_id: int | None = None
    vendor_wide: bool = False
    outcome: str = "applied"


def _source(origin: Origin) -> str:
    return origin.kind if origin.vendor_id is None else f"vendor-{origin.vendor_id}"


async def _insert_inbox(event: EventInfo, origin: Origin) -> bool:
    """True when this event is new from this source; a concurrent or earlier copy makes it False."""
    source = _source(origin)
    sql = (
        "INSERT INTO webhook_inbox (event_key, event_id, source, type, account, vendor, outcome, received_at) "
        "VALUES ({}, {}, {}, {}, {}, {}, '', {}) ON CONFLICT (event_key) DO NOTHING RETURNING id"
    )
    rows = await WebhookInbox.raw(
        sql, f"{source}:{event.id}", event.id, source, event.type, event.account, origin.vendor_id, utcnow()
    )
    return bool(rows)


# A verified event whose object has fields of the wrong type raises one of these while it is applied;
# retrying would fail the same way for days, so it is recorded as unusable and answered 2xx.
SHAPE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, ArithmeticError)


async def record_unusable(event_id: str, event_type: str, origin: Origin, reason: str) -> Applied:
    """Keep a verified event that cannot be applied in the inbox, with why; a redelivery changes nothing."""
    outcome = f"unusable: {reason}"[:500]
    async with write_transaction():
        source = _source(origin)
        sql = (
            "INSERT INTO webhook_inbox (event_key, event_id, source, type, account, vendor, outcome, received_at) "
            "VALUES ({}, {}, {}, {}, '', {}, {}, {}) ON CONFLICT (event_key) DO NOTHING RETURNING id"
        )
        rows = await WebhookInbox.raw(sql, f"{source}:{event_id}"[:320], event_id[:255], source,
                                      event_type[:100], origin.vendor_id, outcome, utcnow())
    return Applied(vendor_id=origin.vendor_id, outcome=outcome if rows else "duplicate")


async def handle_event(event: EventInfo, origin: Origin) -> Applied:
    """Record and apply one verified event exactly once; duplicates change nothing, unusable ones are kept.

    Returns once the event's transaction has committed. Outside a transaction, events arriving together share
    one (see _Drainer): each commit costs a disk flush, which one event at a time made the ceiling.
    """
    if get_settings().stripe_secret_key.startswith("sk_live_") and not event.livemode:
        return Applied(outcome="ignored: test-mode event on a live platform")
    if engine().current_transaction.get() is not None:
        applied = await _record_one(event, origin)  # the caller's transaction decides when this commits
    else:
        applied = await _Drainer.of_this_loop().submit(event, origin)
    # In the caller's own task, so a slow Stripe read for one event never holds up the queue.
    await _after_commit(applied)
    return applied


async def _record_one(event: EventInfo, origin: Origin) -> Applied:
    """Record and route one event in a transaction of its own (or the caller's)."""
    try:
        return await _record_event(event, origin)
    except SHAPE_ERRORS as exc:
        reason = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        return await record_unusable(event.id, event.type, origin, f"the event's data could not be read ({reason})")


async def _record_event(event: EventInfo, origin: Origin) -> Applied:
    account = origin.account_of(event)
    async with write_transaction():
        if not await _insert_inbox(event, origin):
            return Applied(outcome="duplicate")
        applied = await _route(event, account, origin)
        await WebhookInbox.update(
            {WebhookInbox.outcome: applied.outcome, WebhookInbox.vendor: applied.vendor_id}
        ).where(WebhookInbox.event_key == f"{_source(origin)}:{event.id}")
    return applied


async def _route(event: EventInfo, account: str | None, origin: Origin) -> Applied:
    if account is None:
        return Applied(outcome="ignored: wrong endpoint")
    return await _dispatch(event, account, origin)


async def _after_commit(applied: Applied) -> None:
    if applied.invoice_id and applied.vendor_id:
        await fees.refresh_invoice(applied.invoice_id)  # fees as Stripe booked them, after the commit
        announce_invoice_changed(applied.vendor_id, applied.invoice_id)  # after the caller's commit, if in one
    if applied.vendor_wide and applied.vendor_id:
        announce_vendor_changed(applied.vendor_id, "stripe")


@dataclass
class _Queued:
    event: EventInfo
    origin: Origin
    actor: str
    answer: asyncio.Future

    @property
    def key(self) -> str:
        return f"{_source(self.origin)}:{self.event.id}"


class _Drainer:
    """This event loop's queue of events waiting for a transaction, and the task that empties it.

    The task takes up to BATCH events at a time, records and routes them in order in one write transaction and
    answers each caller once it has committed; meanwhile the next events queue up. If that transaction fails,
    the same events are handled one by one, so one bad event never fails the others. The task ends with the queue.
    """

    _loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Drainer] = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self.queue: list[_Queued] = []
        self.task: asyncio.Task | None = None

    @classmethod
    def of_this_loop(cls) -> _Drainer:
        loop = asyncio.get_running_loop()
        drainer = cls._loops.get(loop)
        if drainer is None:
            drainer = cls._loops[loop] = cls()
        return drainer

    async def submit(self, event: EventInfo, origin: Origin) -> Applied:
        answer = asyncio.get_running_loop().create_future()
        self.queue.append(_Queued(event, origin, current_actor(), answer))
        if self.task is None or self.task.done():
            # A context of its own: the first caller's request must not lend its context to everyone's events.
            self.task = asyncio.get_running_loop().create_task(self._drain(), context=contextvars.Context())
        return await answer  # a caller that gives up (client gone) cancels only its own answer

    async def _drain(self) -> None:
        while self.queue:
            batch = self.queue[:BATCH]
            del self.queue[:BATCH]
            try:
                await _handle_batch(batch)
            except BaseException:  # cancelled at shutdown: nobody may wait forever
                for item in batch + self.queue:
                    if not item.answer.done():
                        item.answer.set_exception(RuntimeError("the event queue stopped"))
                self.queue.clear()
                raise


BATCH = 64


async def _handle_batch(batch: list[_Queued]) -> None:
    applied: list[Applied] | None = None
    if len(batch) > 1:
        try:
            applied = await _apply_together(batch)
        except Exception as exc:  # noqa: BLE001 - rolled back; each event is tried alone below, and raises alone
            log.warning("a batch of %d Stripe events failed together (%s); handling each alone", len(batch),
                        exc.__class__.__name__, exc_info=True)
            applied = None
    for index, item in enumerate(batch):
        try:
            if applied is None:
                with acting_as(item.actor):
                    result = await _record_one(item.event, item.origin)
            else:
                result = applied[index]
        except Exception as exc:  # noqa: BLE001 - this caller's error, handed to this caller only
            if not item.answer.done():
                item.answer.set_exception(exc)
        else:
            if not item.answer.done():
                item.answer.set_result(result)


async def _apply_together(batch: list[_Queued]) -> list[Applied]:
    """Record the batch in the inbox with one statement, route each new event in order, store the outcomes."""
    outcomes: dict[str, Applied] = {}
    applied = []
    async with write_transaction():
        new = await _insert_inbox_rows(batch)
        token = _prefetched.set(await _prefetch_attempts([item for item in batch if item.key in new]))
        try:
            for item in batch:
                if item.key not in new or item.key in outcomes:  # recorded before, or earlier in this batch
                    applied.append(Applied(outcome="duplicate"))
                    continue
                with acting_as(item.actor):
                    result = await _route(item.event, item.origin.account_of(item.event), item.origin)
                outcomes[item.key] = result
                applied.append(result)
        finally:
            _prefetched.reset(token)  # only this batch may use what it read
        await _store_outcomes(outcomes)
    return applied


@dataclass
class _Attempts:
    """Checkout attempts read for a whole batch in two queries, instead of one or two per event."""

    sessions_asked: set[str]
    by_session: dict[str, CheckoutAttempt]
    invoices_asked: set[tuple[int, int, str]]  # (invoice, vendor, account)
    by_invoice: dict[tuple[int, int, str], CheckoutAttempt]  # the newest attempt of each


# Set by the drainer for the batch it routes (its task's own context); None elsewhere: every lookup queries.
_prefetched: contextvars.ContextVar[_Attempts | None] = contextvars.ContextVar("prefetched_attempts", default=None)


async def _prefetch_attempts(items: list[_Queued]) -> _Attempts:
    sessions: dict[str, _Queued] = {}
    for item in items:
        obj = item.event.object
        if item.event.type.startswith("checkout.session.") and isinstance(obj, dict) and isinstance(obj.get("id"), str):
            sessions[obj["id"]] = item
    found = await CheckoutAttempt.objects().where(CheckoutAttempt.session_id.is_in(list(sessions))) if sessions else []
    by_session = {attempt.session_id: attempt for attempt in found}
    invoices: set[tuple[int, int, str]] = set()
    for session_id, item in sessions.items():
        account, metadata = item.origin.account_of(item.event), item.event.object.get("metadata") or {}
        ids = _ids(metadata) if session_id not in by_session and isinstance(metadata, dict) else None
        if ids is not None and account is not None:
            invoices.add((*ids, account))
    by_invoice: dict[tuple[int, int, str], CheckoutAttempt] = {}
    if invoices:
        rows = await CheckoutAttempt.objects().where(CheckoutAttempt.invoice.is_in(sorted({i for i, _, _ in invoices})))
        for attempt in sorted(rows, key=lambda row: row.id):  # the newest last, so it wins
            key = (attempt.invoice, attempt.vendor, attempt.stripe_account)
            if key in invoices:
                by_invoice[key] = attempt
    return _Attempts(set(sessions), by_session, invoices, by_invoice)


async def _insert_inbox_rows(batch: list[_Queued]) -> set[str]:
    """Insert each distinct event of the batch; returns the keys that were not in the inbox yet."""
    rows: dict[str, _Queued] = {}
    for item in batch:
        rows.setdefault(item.key, item)  # the first copy of each key, without repeats
    received = utcnow()
    values, args = [], []
    # In key order: two PostgreSQL workers inserting the same redelivered events then wait instead of deadlocking.
    for key, item in sorted(rows.items()):
        values.append("({}, {}, {}, {}, {}, {}, '', {})")
        args += [key, item.event.id, _source(item.origin), item.event.type, item.event.account,
                 item.origin.vendor_id, received]
    sql = (
        "INSERT INTO webhook_inbox (event_key, event_id, source, type, account, vendor, outcome, received_at) "
        f"VALUES {', '.join(values)} ON CONFLICT (event_key) DO NOTHING RETURNING event_key"
    )
    return {row["event_key"] for row in await WebhookInbox.raw(sql, *args)}


async def _store_outcomes(outcomes: dict[str, Applied]) -> None:
    """One UPDATE for the whole batch: each row's outcome and vendor by its key."""
    if not outcomes:
        return
    args: list[Any] = []
    outcome_cases, vendor_cases = [], []
    for key, result in outcomes.items():
        outcome_cases.append("WHEN {} THEN {}")
        args += [key, result.outcome]
    for key, result in outcomes.items():
        vendor_cases.append("WHEN {} THEN CAST({} AS INTEGER)")
        args += [key, result.vendor_id]
    args += list(outcomes)
    sql = (
        f"UPDATE webhook_inbox SET outcome = CASE event_key {' '.join(outcome_cases)} END, "
        f"vendor = CASE event_key {' '.join(vendor_cases)} END "
        f"WHERE event_key IN ({', '.join('{}' for _ in outcomes)})"
    )
    await WebhookInbox.raw(sql, *args)


async def _dispatch(event: EventInfo, account: str, origin: Origin) -> Applied:
    obj = event.object
    if event.type.startswith("checkout.session."):
        return await _session_event(event.type, obj, account, origin)
    if event.type == "payment_intent.payment_failed":
        return await _intent_failed(obj, account, origin)
    if event.type == "charge.refunded":
        return await _charge_refunded(obj, account, origin, event.created)
    if event.type in ("refund.created", "refund.updated", "refund.failed"):
        return await _refund_event(obj, account, origin)
    if event.type in ("payment_method.attached", "payment_method.detached"):
        return await _card_event(event.type, obj, account, origin)
    if event.type == "account.updated":
        return await _account_updated(obj, account, origin)
    if event.type == "account.application.deauthorized":
        return await _deauthorized(account, origin)
    return Applied(outcome="ignored: not handled")


def _ids(metadata: dict[str, Any]) -> tuple[int, int] | None:
    try:
        return int(metadata["payport_invoice_id"]), int(metadata["payport_vendor_id"])
    except (KeyError, TypeError, ValueError):
        return None


async def _attempt_for_invoice(metadata: dict[str, Any], account: str, origin: Origin) -> CheckoutAttempt | None:
    """The attempt our records hold for the invoice the metadata names, on this very account."""
    ids = _ids(metadata)
    if ids is None or (origin.vendor_id is not None and ids[1] != origin.vendor_id):
        return None
    known = _prefetched.get()
    if known is not None and (*ids, account) in known.invoices_asked:
        return known.by_invoice.get((*ids, account))
    return (
        await CheckoutAttempt.objects()
        .where(
            (CheckoutAttempt.invoice == ids[0])
            & (CheckoutAttempt.vendor == ids[1])
            & (CheckoutAttempt.stripe_account == account)
        )
        .order_by(CheckoutAttempt.id, ascending=False)
        .first()
    )


async def _session_attempt(session_id: Any) -> CheckoutAttempt | None:
    known = _prefetched.get()
    if known is not None and session_id in known.sessions_asked:
        return known.by_session.get(session_id)
    return await CheckoutAttempt.objects().where(CheckoutAttempt.session_id == session_id).first()


async def _find_session_attempt(obj: dict[str, Any], account: str, origin: Origin) -> CheckoutAttempt | None:
    attempt = await _session_attempt(obj.get("id"))
    if attempt is None:
        # Stripe can report a session before our request saved its id: bind it to the attempt still being created.
        candidate = await _attempt_for_invoice(obj.get("metadata") or {}, account, origin)
        if candidate is not None and candidate.status == Attempt.creating and candidate.session_id is None:
            _prefetched.set(None)  # what the batch read before this binding is stale now: read afresh
            candidate.session_id = obj.get("id")
            await candidate.save()
            attempt = candidate
    if attempt is None or attempt.stripe_account != account:
        return None
    if origin.vendor_id is not None and attempt.vendor != origin.vendor_id:
        return None
    return attempt


async def _session_event(kind: str, obj: dict[str, Any], account: str, origin: Origin) -> Applied:
    attempt = await _find_session_attempt(obj, account, origin)
    if attempt is None:
        return Applied(outcome="ignored: session not ours")
    done = Applied(vendor_id=attempt.vendor, invoice_id=attempt.invoice)
    if kind == "checkout.session.expired":
        await set_attempt_status(obj["id"], Attempt.expired)
        return done
    if kind == "checkout.session.async_payment_failed":
        await set_attempt_status(obj["id"], Attempt.complete)
        await note_failed_attempt(
            attempt.vendor, attempt.invoice, "the bank did not confirm the payment", obj.get("payment_intent") or ""
        )
        return done
    await set_attempt_status(obj["id"], Attempt.complete)
    paid = kind == "checkout.session.async_payment_succeeded" or obj.get("payment_status") == "paid"
    if not paid:
        done.outcome = "waiting: payment not yet confirmed"
        return done
    collected = Collected(
        obj.get("payment_intent") or f"session:{obj['id']}",
        int(obj.get("amount_total") or 0),
        (obj.get("currency") or "").upper(),
        application_fee=attempt.application_fee,
        account=attempt.stripe_account,
        expected=attempt.amount,
    )
    await record_payment(attempt.vendor, attempt.invoice, collected)
    return done


async def _verified_attempt(
    obj: dict[str, Any], account: str, origin: Origin, invoice_id: int | None = None
) -> CheckoutAttempt | None:
    """For payment intents and charges: our Payment row or the metadata names the invoice; our attempt on this
    very account must exist, and a destination charge must pay the account we sent it to."""
    if invoice_id is None:
        attempt = await _attempt_for_invoice(obj.get("metadata") or {}, account, origin)
    else:
        attempt = (
            await CheckoutAttempt.objects()
            .where((CheckoutAttempt.invoice == invoice_id) & (CheckoutAttempt.stripe_account == account))
            .order_by(CheckoutAttempt.id, ascending=False)
            .first()
        )
    if attempt is None or (origin.vendor_id is not None and attempt.vendor != origin.vendor_id):
        return None
    if account == "":
        destination = (obj.get("transfer_data") or {}).get("destination") or obj.get("destination")
        sent = ((request_params(attempt).get("payment_intent_data") or {}).get("transfer_data") or {}).get(
            "destination"
        )
        if not destination or destination != sent:
            return None
    return attempt


def _decline_reason(intent: dict[str, Any]) -> str:
    error = intent.get("last_payment_error") or {}
    code = error.get("decline_code") or error.get("code") or ""
    return DECLINE_WORDS.get(code) or (error.get("message") or "the card was not accepted").rstrip(".").lower()


async def _card_event(kind: str, obj: dict[str, Any], account: str, origin: Origin) -> Applied:
    """A card attached to one of our Stripe Customers is the card on file; a detached one no longer is."""
    if kind == "payment_method.attached":
        found = await cards.record_card(account, card_info(obj), origin.vendor_id)
    else:
        found = await cards.forget_card(account, obj.get("id") or "", origin.vendor_id)
    if found is None:
        return Applied(outcome="ignored: customer not ours")
    return Applied(vendor_id=found[0], vendor_wide=True)


async def _intent_failed(obj: dict[str, Any], account: str, origin: Origin) -> Applied:
    if (obj.get("metadata") or {}).get("payport_autopay"):
        return Applied(outcome="ignored: autopay records its own attempts")
    attempt = await _verified_attempt(obj, account, origin)
    if attempt is None:
        return Applied(outcome="ignored: payment not ours")
    await note_failed_attempt(attempt.vendor, attempt.invoice, _decline_reason(obj), obj.get("id") or "")
    return Applied(vendor_id=attempt.vendor, invoice_id=attempt.invoice)


async def _charge_refunded(obj: dict[str, Any], account: str, origin: Origin, created: int) -> Applied:
    intent = obj.get("payment_intent") or ""
    payment = await Payment.objects().where(Payment.payment_intent == intent).first() if intent else None
    attempt = await _verified_attempt(obj, account, origin, payment.invoice if payment else None)
    if attempt is None:
        return Applied(outcome="ignored: charge not ours")
    if payment is None:
        # The refund overtook checkout.session.completed: the charge itself proves the payment happened.
        paid = Collected(
            intent,
            int(obj.get("amount_captured") or obj.get("amount") or 0),
            (obj.get("currency") or "").upper(),
            charge=obj.get("id") or "",
            at=when(obj.get("created")),
            application_fee=attempt.application_fee,
            account=attempt.stripe_account,
        )
        await record_payment(attempt.vendor, attempt.invoice, paid)
        payment = await Payment.objects().where(Payment.payment_intent == intent).first()
    # The charge lists its refunds when Stripe includes them; each also comes as its own refund.* event.
    listed = ((obj.get("refunds") or {}).get("data") or []) if isinstance(obj.get("refunds"), dict) else []
    if payment is not None and listed:
        invoice = await lock_invoice(payment.vendor, payment.invoice)
        for refund in listed:
            await apply_refund(invoice, payment, refund_info(refund))
    return Applied(vendor_id=attempt.vendor, invoice_id=attempt.invoice)


async def _refund_event(obj: dict[str, Any], account: str, origin: Origin) -> Applied:
    """refund.created / updated / failed: only for a payment we recorded, on the account it was taken on."""
    intent = obj.get("payment_intent") or ""
    payment = await Payment.objects().where(Payment.payment_intent == intent).first() if intent else None
    if payment is None or payment.method != Payment.Method.stripe or payment.stripe_account != account:
        return Applied(outcome="ignored: refund not ours")
    if origin.vendor_id is not None and payment.vendor != origin.vendor_id:
        return Applied(outcome="ignored: refund not ours")
    invoice = await lock_invoice(payment.vendor, payment.invoice)
    changed = await apply_refund(invoice, payment, refund_info(obj))
    return Applied(vendor_id=payment.vendor, invoice_id=payment.invoice, outcome="applied" if changed else "no change")


async def _account_updated(obj: dict[str, Any], account: str, origin: Origin) -> Applied:
    target = account or origin.account
    row = await StripeConnection.objects().where(StripeConnection.account_id == target).first() if target else None
    if row is None or obj.get("id") != target or (origin.vendor_id is not None and row.vendor != origin.vendor_id):
        return Applied(outcome="ignored: account not connected here")
    await stripe_connection.apply_account_update(account_info(obj))
    return Applied(vendor_id=row.vendor, vendor_wide=True)


async def _deauthorized(account: str, origin: Origin) -> Applied:
    """Only a Connect event names the account that removed us; on a vendor's own endpoint it is ignored."""
    if not account or origin.vendor_id is not None:
        return Applied(outcome="ignored: account not connected here")
    vendor_id = await stripe_connection.apply_deauthorization(account)
    if vendor_id is None:
        return Applied(outcome="ignored: account not connected here")
    return Applied(vendor_id=vendor_id, vendor_wide=True)
