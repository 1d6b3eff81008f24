"""Where mail meets the invoices and Stripe features: record the send, Stripe readiness, the payment link."""

from __future__ import annotations

from app.services.invoices import lifecycle as invoice_lifecycle
from app.services.payments import links as payment_links
from app.services.invoices.totals import stripe_ready

STRIPE_NOT_CONNECTED = invoice_lifecycle.STRIPE_NOT_READY


async def stripe_state(vendor_id: int) -> tuple[bool, str]:
    """(ready, reason): can this vendor take card payments through a link right now?"""
    ready = await stripe_ready(vendor_id)
    return ready, "" if ready else STRIPE_NOT_CONNECTED


async def ensure_payment_link(vendor_id: int, invoice_id: int) -> None:
    """Create the invoice's payment link unless it exists (race-safe and idempotent in the Stripe feature)."""
    await payment_links.create_payment_link(vendor_id, invoice_id)


async def finalize_send(vendor_id: int, invoice_id: int, method: str) -> None:
    """Record that and how the invoice was sent: a draft gets its number and becomes Sent; a resend is logged."""
    await invoice_lifecycle.send_invoice(vendor_id, invoice_id, method)
