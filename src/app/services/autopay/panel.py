"""What the vendor's invoice panel and the customer's pay page show about the card on file and autopay."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.autopay.charge import MAX_ATTEMPTS, Status, attempts_of
from app.services.balance import COLLECTING
from app.services.payments import cards
from app.services.payments import connection as stripe_connection
from app.services.payments.links import link_by_token
from app.services.rows import get_invoice
from app.tables.autopay import AutopayAttempt
from app.tables.invoices import Invoice


@dataclass(frozen=True)
class AutopayPanel:
    """The invoice's card on file, whether it can be charged now, and every automatic attempt."""

    invoice: Invoice
    card: str  # "Visa ending 4242, expires 12/34" or ""
    accepting: bool
    attempts: list[AutopayAttempt]
    max_attempts: int = MAX_ATTEMPTS

    @property
    def chargeable(self) -> bool:
        """"Charge card on file" is offered: an open invoice with money due and a saved card."""
        return bool(self.card) and self.accepting and self.invoice.status in COLLECTING and self.invoice.amount_due > 0

    @property
    def latest(self) -> AutopayAttempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def failing(self) -> bool:
        """The last automatic try did not go through and the invoice is still open."""
        last = self.latest
        return bool(last and last.status in (Status.failed, Status.requires_action)
                    and self.invoice.status in COLLECTING)


async def _panel(invoice: Invoice) -> AutopayPanel:
    return AutopayPanel(
        invoice=invoice,
        card=cards.describe(await cards.card_on_file(invoice.vendor, invoice.customer)),
        accepting=await stripe_connection.is_ready(invoice.vendor),
        attempts=await attempts_of(invoice.vendor, invoice.id),
    )


async def autopay_panel(vendor_id: int, invoice_id: int) -> AutopayPanel:
    """The vendor's panel; 404 for another vendor's invoice."""
    return await _panel(await get_invoice(vendor_id, invoice_id))


async def pay_page_panel(token: str) -> AutopayPanel:
    """The same facts for the customer's pay page behind a link token."""
    link = await link_by_token(token)
    return await _panel(await get_invoice(link.vendor, link.invoice))
