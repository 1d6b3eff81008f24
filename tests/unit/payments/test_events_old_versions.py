"""Issue 14 point 2: handlers stay safe on events of an older API version.

The events are built from Stripe's own fixtures (../shared/stripe/fixtures3.json), cut down to the fields the
2024-04-10 reference defines (openapi-subset-2024-04-10.json), in that version's wording (`ui_mode: hosted`).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.tables.invoices import Invoice
from app.tables.payments import Payment
from tests.unit.payments.test_events import _event, _paid_invoice
from tests.unit.payments.conftest import CONNECT_SECRET, PLATFORM_SECRET, deliver
from tests.unit.sandbox.shapes import fixtures, reference_dir, schemas

OLD = "2024-04-10"
pytestmark = [
    pytest.mark.usefixtures("platform_secrets"),
    pytest.mark.skipif(not (reference_dir() / "openapi-subset-2024-04-10.json").exists(),
                       reason="Stripe's reference data (../shared/stripe) not found"),
]
FIXTURE_OF = {
    "checkout.session.completed": "checkout.session",
    "checkout.session.async_payment_succeeded": "checkout.session",
    "checkout.session.async_payment_failed": "checkout.session",
    "checkout.session.expired": "checkout.session",
    "payment_intent.payment_failed": "payment_intent",
    "charge.refunded": "charge",
    "refund.created": "refund",
    "refund.updated": "refund",
    "refund.failed": "refund",
    "account.updated": "account",
}


def old_shape(resource: str, **overrides: Any) -> dict[str, Any]:
    """Stripe's fixture for a resource with only the fields its 2024-04-10 schema has, plus overrides."""
    known = set(schemas()[resource]["properties"])
    obj = {k: copy.deepcopy(v) for k, v in fixtures()[resource].items() if k in known}
    if resource == "checkout.session":
        obj["ui_mode"] = "hosted"
    return {**obj, **overrides}


def old_event(event_type: str, obj: dict[str, Any], event_id: str = "evt_old_shape_1", account: str = "") -> dict:
    """An event envelope as 2024-04-10 sends it, from Stripe's fixture."""
    known = set(schemas()["event"]["properties"])
    event = {k: copy.deepcopy(v) for k, v in fixtures()["event"].items() if k in known}
    event.update(id=event_id, type=event_type, api_version=OLD, data={"object": obj})
    if account:
        event["account"] = account
    return event


def test_the_old_shapes_really_lack_fields_the_current_version_has() -> None:
    session = old_shape("checkout.session")
    assert "collected_information" not in session and "customer_account" not in session
    assert "customer_account" not in old_shape("refund") and session["ui_mode"] == "hosted"


async def test_an_old_version_completed_event_marks_the_invoice_paid(client, vendor, sandbox):
    invoice, session_id, _ = await _paid_invoice(vendor, sandbox)
    current = (await _event(sandbox, "checkout.session.completed", session_id))["data"]["object"]
    reads = ("id", "status", "payment_status", "amount_total", "currency", "payment_intent", "client_reference_id",
             "metadata", "expires_at", "created")
    obj = old_shape("checkout.session", **{k: current[k] for k in reads})
    response = await deliver(client, old_event("checkout.session.completed", obj, "evt_old_completed"))
    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    paid = await Invoice.objects().where(Invoice.id == invoice.id).first()
    assert (paid.status, paid.amount_paid) == ("paid", 12_500)
    assert await Payment.count().where(Payment.invoice == invoice.id) == 1


async def test_an_old_version_refund_event_counts_the_refund(client, vendor, sandbox):
    invoice, session_id, paid = await _paid_invoice(vendor, sandbox)
    await deliver(client, await _event(sandbox, "checkout.session.completed", session_id))
    intent = paid["payment_intent"]["id"] if isinstance(paid["payment_intent"], dict) else paid["payment_intent"]
    refund = await sandbox.api("POST", "/v1/refunds", data={"payment_intent": intent, "amount": "2500"})
    reads = ("id", "amount", "currency", "status", "payment_intent", "charge", "balance_transaction", "metadata",
             "created", "reason")
    obj = old_shape("refund", **{k: refund[k] for k in reads})
    response = await deliver(client, old_event("refund.created", obj, "evt_old_refund"))
    assert response.status_code == 200 and response.json()["outcome"] == "applied", response.text
    after = await Invoice.objects().where(Invoice.id == invoice.id).first()
    assert after.amount_due == 2_500 and after.status != "paid"


@pytest.mark.parametrize("event_type", sorted(FIXTURE_OF))
@pytest.mark.parametrize("secret", [PLATFORM_SECRET, CONNECT_SECRET], ids=["platform", "connect"])
async def test_every_handled_type_in_the_old_shape_is_applied_or_cleanly_ignored(client, vendor, event_type, secret):
    obj = old_shape(FIXTURE_OF[event_type])
    account = "acct_1PgafTB7WZ01zgkW" if secret == CONNECT_SECRET else ""
    payments = await Payment.count()
    response = await deliver(client, old_event(event_type, obj, f"evt_old_{event_type}", account), secret=secret)
    assert response.status_code == 200, response.text
    outcome = response.json()["outcome"]
    assert not outcome.startswith("unusable"), outcome  # Stripe's own objects are never "unreadable"
    assert await Payment.count() == payments  # objects we never made change nothing
