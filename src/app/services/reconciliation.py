"""Reconciliation: ask Stripe about every Checkout Session still open here, and replay events not delivered."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from app.db import write_transaction
from app.services.payments import connection as stripe_connection
from app.services.payments.checkout import apply_session, request_params
from app.services.clock import utcnow
from app.services.payments.events import Origin, handle_event
from app.settings import get_settings
from app.stripe_gateway import StripeRejected, get_gateway
from app.tables.payments import CheckoutAttempt, StripeConnection

log = logging.getLogger("app.stripe")
Attempt = CheckoutAttempt.Status
EVENT_WINDOW = 3 * 24 * 3600  # Stripe retries deliveries for up to three days
STUCK_CREATING = timedelta(minutes=2)


@dataclass
class Report:
    """What one reconciliation round looked at and changed."""

    sessions_checked: int = 0
    events_checked: int = 0
    changed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for logs and the CLI."""
        return (
            f"{self.sessions_checked} sessions and {self.events_checked} undelivered events checked, "
            f"{len(self.changed)} changes, {len(self.errors)} errors"
        )


async def _api_key(attempt: CheckoutAttempt) -> str | None:
    if not attempt.stripe_account:
        return None
    connection = await stripe_connection.get_connection(attempt.vendor)
    return stripe_connection.api_key_for(connection) if connection else None


async def _check_attempt(attempt: CheckoutAttempt, report: Report) -> None:
    gateway = get_gateway()
    api_key = await _api_key(attempt)
    if attempt.session_id is None:
        # The create request may have reached Stripe without our saving the answer: the same key tells us.
        created = await gateway.create_checkout_session(request_params(attempt), attempt.idempotency_key, api_key)
        async with write_transaction():
            await CheckoutAttempt.update(
                {
                    CheckoutAttempt.session_id: created.id,
                    CheckoutAttempt.url: created.url,
                    CheckoutAttempt.status: Attempt.open,
                }
            ).where((CheckoutAttempt.id == attempt.id) & (CheckoutAttempt.status == Attempt.creating))
        attempt.session_id = created.id  # the replayed answer is the session as it was at creation: read it now
    session = await gateway.retrieve_checkout_session(attempt.session_id, api_key)
    report.sessions_checked += 1
    if session.status != "open" and await apply_session(attempt.vendor, attempt.invoice, session):
        report.changed.append(f"invoice {attempt.invoice}: session {session.id} {session.status}")
    elif session.status != "open":
        report.changed.append(f"session {session.id} {session.status}")


async def _check_sessions(report: Report) -> None:
    stuck = utcnow() - STUCK_CREATING
    attempts = await CheckoutAttempt.objects().where(
        (CheckoutAttempt.status == Attempt.open)
        | ((CheckoutAttempt.status == Attempt.creating) & (CheckoutAttempt.created_at < stuck))
    )
    for attempt in attempts:
        try:
            await _check_attempt(attempt, report)
        except StripeRejected as exc:
            # Stripe will never know this session (other account or key): stop asking every round.
            await CheckoutAttempt.update({CheckoutAttempt.status: Attempt.failed}).where(
                CheckoutAttempt.id == attempt.id
            )
            report.changed.append(f"attempt {attempt.id} closed: {exc.message}")
        except Exception as exc:  # one bad session must not stop the round
            report.errors.append(f"attempt {attempt.id}: {exc}")


async def _replay_events(report: Report, origin_for: callable, api_key: str | None) -> None:
    events = await get_gateway().list_undelivered_events(int(time.time()) - EVENT_WINDOW, api_key)
    for event in sorted(events, key=lambda e: e.created):
        report.events_checked += 1
        applied = await handle_event(event, origin_for(event))
        if applied.outcome == "applied":
            report.changed.append(f"event {event.id} ({event.type}) applied")


async def _check_events(report: Report) -> None:
    if get_settings().stripe_secret_key:
        try:
            await _replay_events(report, lambda e: Origin("connect" if e.account else "platform"), None)
        except Exception as exc:
            report.errors.append(f"platform events: {exc}")
    for row in await StripeConnection.objects().where(StripeConnection.mode == StripeConnection.Mode.key):
        try:
            origin = Origin("vendor", row.vendor, row.account_id or "")
            await _replay_events(report, lambda e, o=origin: o, stripe_connection.api_key_for(row))
        except Exception as exc:
            report.errors.append(f"vendor {row.vendor} events: {exc}")


async def reconcile() -> Report:
    """One round: sessions first (they carry the truth), then events no endpoint acknowledged."""
    report = Report()
    await _check_sessions(report)
    await _check_events(report)
    for error in report.errors:
        log.warning("reconciliation: %s", error)
    return report
