"""Mail fixtures: invoices inserted directly, a real SMTP server (aiosmtpd) in the test process."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller

from app.services import clock
from app.services.invoices import documents as invoice_documents
from app.services.mail import delivery as mail_delivery
from app.settings import get_settings
from app.tables.customers import Customer
from app.tables.invoices import Invoice, InvoiceLine
from app.tables.mail import OutboxMessage
from app.tables.payments import StripeConnection
from tests.support import free_port


async def make_invoice(vendor_id: int, *, status: str = "sent", number: str | None = "INV-2026-0001",
                       due: date | None = date(2026, 11, 30), email_address: str = "ap@globex.example",
                       currency: str = "USD", sent_at: datetime | None = None) -> int:
    """A customer and an invoice with two lines, as the invoices feature would store them."""
    customer = Customer(vendor=vendor_id, name="Globex Corporation", email=email_address,
                        billing_address="12 Harbour Street\nSpringfield")
    await customer.save()
    invoice = Invoice(
        vendor=vendor_id, customer=customer.id, number=number if status != "draft" else None, status=status,
        currency=currency, issue_date=date(2026, 11, 1), due_date=due, subtotal=150000, tax_total=15000,
        total=165000, amount_paid=165000 if status == "paid" else 0,
        amount_due=0 if status in ("paid", "void") else 165000,
        sent_at=sent_at or (datetime(2026, 11, 1, 12, tzinfo=timezone.utc) if status != "draft" else None),
        sent_method="manual" if status != "draft" else None,
    )
    await invoice.save()
    await InvoiceLine.insert(
        InvoiceLine(invoice=invoice.id, position=0, description="Design sprint", quantity=Decimal("2"),
                    unit_price=50000, tax_rate=Decimal("10"), line_total=100000, tax_amount=10000),
        InvoiceLine(invoice=invoice.id, position=1, description="Hosting, one year", quantity=Decimal("1"),
                    unit_price=50000, tax_rate=Decimal("10"), line_total=50000, tax_amount=5000),
    )
    return invoice.id


class Inbox:
    """An aiosmtpd handler that keeps what it receives and can answer errors first."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.fail_with: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        if self.fail_with:
            return self.fail_with.pop(0)
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
async def smtp(monkeypatch):
    """A real SMTP server on a free port; SMTP_URL points the worker at it. Earlier tests' mail is set aside."""
    await OutboxMessage.update({OutboxMessage.status: "failed"}).where(
        OutboxMessage.status.is_in(["queued", "sending"]))
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = dataclasses.replace(get_settings(), smtp_url=f"smtp://127.0.0.1:{port}")
    monkeypatch.setattr(mail_delivery, "get_settings", lambda: settings)
    yield inbox
    controller.stop()


@pytest.fixture
def frozen():
    """clock.freeze for the test, always undone."""
    yield clock.freeze
    clock.freeze(None)


@pytest.fixture
async def stripe_connected(vendor):
    """The vendor's Stripe connection with charges enabled, as the Stripe feature stores it."""
    await StripeConnection.insert(StripeConnection(
        vendor=vendor.vendor_id, mode="connect", account_id=f"acct_mail{vendor.vendor_id}", charges_enabled=True))


async def link_url(invoice_id: int) -> str:
    """The invoice's payment link URL (created by the Stripe feature)."""
    return await invoice_documents.payment_link_url(invoice_id)
