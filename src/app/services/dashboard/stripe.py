"""The dashboard's view of the Stripe connection: platform fees and unfinished onboarding."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from app.tables.payments import Payment, StripeConnection

# Stripe's requirement codes in words; anything else is shown with underscores as spaces.
REQUIREMENTS = {
    "external_account": "a bank account for payouts",
    "business_profile.url": "the business website",
    "business_profile.mcc": "the business category",
    "tos_acceptance.date": "acceptance of Stripe's terms",
    "tos_acceptance.ip": "acceptance of Stripe's terms",
}


@dataclass(frozen=True)
class AttentionItem:
    """One thing to act on: what is wrong, and the action that fixes it."""

    kind: str  # flagged, payment_failed, overdue_no_reminder, stripe_onboarding
    title: str
    detail: str
    action_label: str
    action_url: str
    severity: str = "warn"  # warn or danger: shown as a text badge too, never colour alone


async def _connection(vendor_id: int) -> dict | None:
    table = StripeConnection
    return await table.select(
        table.mode, table.account_id, table.charges_enabled, table.requirements_due
    ).where(table.vendor == vendor_id).first()


async def platform_fees_since(vendor_id: int, since: datetime) -> dict[str, int] | None:
    """Application fees kept from this vendor's payments since `since`, per currency; None unless in Connect mode."""
    connection = await _connection(vendor_id)
    if not connection or connection["mode"] != "connect":
        return None
    rows = await Payment.raw(
        # Net of the fee given back with refunds: the platform keeps only what was not refunded.
        "SELECT currency, SUM(application_fee - application_fee_refunded) AS fees FROM payment "
        "WHERE vendor = {} AND paid_at >= {} AND deleted_at IS NULL GROUP BY currency", vendor_id, since,
    )
    return {row["currency"]: int(row["fees"] or 0) for row in rows}


def _missing(requirements: object) -> list[str]:
    due = json.loads(requirements) if isinstance(requirements, str) else (requirements or [])
    return list(dict.fromkeys(REQUIREMENTS.get(code, str(code).replace("_", " ")) for code in due))


async def onboarding_item(vendor_id: int) -> AttentionItem | None:
    """An attention item when a Stripe connection exists but cannot take card payments yet."""
    connection = await _connection(vendor_id)
    if not connection or connection["charges_enabled"]:
        return None
    missing = _missing(connection["requirements_due"])
    if connection["mode"] == "connect":
        detail = f"Stripe still needs {', '.join(missing)}." if missing else "Stripe has not enabled card payments yet."
        return AttentionItem("stripe_onboarding", "Finish connecting Stripe", detail + " Customers cannot pay by card "
                             "until then.", "Resume onboarding", "/settings#stripe")
    return AttentionItem("stripe_onboarding", "Your Stripe account cannot take card payments yet",
                         "Check the account in Stripe, then refresh its status here.", "Open Stripe settings",
                         "/settings#stripe")


async def is_connected(vendor_id: int) -> bool:
    """True when the vendor can take card payments through Stripe."""
    connection = await _connection(vendor_id)
    return bool(connection and connection["account_id"] and connection["charges_enabled"])
