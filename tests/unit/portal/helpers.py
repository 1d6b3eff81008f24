"""Shared steps for portal tests: a customer with a sent invoice behind a pay link, and signing in as them."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timezone

from litestar.testing import AsyncTestClient

from app.db import write_transaction
from app.services.balance import settle
from app.services.rows import lock_invoice
from app.tables.credits import CreditNote
from app.tables.mail import OutboxMessage
from app.tables.payments import Payment, PaymentLink, Refund
from tests import factories
from tests.factories import Line
from tests.unit.fixtures import CSRF_INPUT

LINK = re.compile(r"http://[^\s\"]+/portal/sign-in/[A-Za-z0-9_.-]+")


async def sent_invoice(vendor_id: int, customer_id: int, number: str, amount: int, currency: str = "USD",
                       issued: date = date(2026, 11, 1)) -> tuple[int, str]:
    """A sent invoice of one line with a pay link; returns (invoice id, pay token)."""
    invoice = await factories.insert_invoice(vendor_id, customer_id, [Line("Work", 1, amount)], status="sent",
                                             number=number, currency=currency, issue_date=issued)
    token = f"pay-{secrets.token_hex(12)}"
    await PaymentLink.insert(PaymentLink(vendor=vendor_id, invoice=invoice.id, token=token))
    return invoice.id, token


async def pay(vendor_id: int, invoice_id: int, amount: int, currency: str = "USD",
              at: datetime = datetime(2026, 11, 10, 12, tzinfo=timezone.utc)) -> int:
    """A payment recorded by hand, settled as the balance service settles it; returns its id."""
    async with write_transaction():
        payment = Payment(vendor=vendor_id, invoice=invoice_id, payment_intent=f"manual_{secrets.token_hex(8)}",
                          method="bank_transfer", amount=amount, currency=currency, paid_at=at)
        await payment.save()
        await settle(await lock_invoice(vendor_id, invoice_id))
    return payment.id


async def refund(vendor_id: int, invoice_id: int, payment_id: int, amount: int, currency: str = "USD",
                 at: datetime = datetime(2026, 11, 12, 12, tzinfo=timezone.utc)) -> None:
    """A refund recorded by hand, settled."""
    async with write_transaction():
        await Refund.insert(Refund(vendor=vendor_id, invoice=invoice_id, payment=payment_id, manual=True,
                                   amount=amount, currency=currency, status="succeeded", created_at=at))
        await settle(await lock_invoice(vendor_id, invoice_id))


async def credit(vendor_id: int, invoice_id: int, customer_id: int, amount: int, number: str, currency: str = "USD",
                 at: datetime = datetime(2026, 11, 11, 12, tzinfo=timezone.utc)) -> int:
    """A credit note by amount, settled; returns its id."""
    async with write_transaction():
        note = CreditNote(vendor=vendor_id, invoice=invoice_id, customer=customer_id, number=number, mode="amount",
                          currency=currency, subtotal=amount, total=amount, request_key=secrets.token_hex(16),
                          issue_date=at, created_at=at)
        await note.save()
        await settle(await lock_invoice(vendor_id, invoice_id))
    return note.id


async def csrf_of(client: AsyncTestClient, url: str) -> str:
    """The CSRF token a page hands out (its cookie stays on the client)."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return CSRF_INPUT.search(response.text).group(1)


async def ask_for_link(client: AsyncTestClient, pay_token: str, email: str):
    """Type an email on the portal request form reached from a pay page."""
    token = await csrf_of(client, f"/portal/request?pay={pay_token}")
    return await client.post("/portal/request", data={"pay": pay_token, "email": email},
                             headers={"x-csrftoken": token})


async def portal_mails(to: str) -> list[dict]:
    """Portal sign-in emails queued to this address, oldest first."""
    return await OutboxMessage.select().where(
        (OutboxMessage.kind == "portal_link") & (OutboxMessage.to == to)).order_by(OutboxMessage.id)


def link_in(message: dict) -> str:
    """The sign-in path in an email."""
    return "/portal/" + LINK.search(message["text"]).group(0).split("/portal/", 1)[1]


async def sign_in(client: AsyncTestClient, path: str):
    """Open the link's page and press the button."""
    token = await csrf_of(client, path)
    return await client.post(path, headers={"x-csrftoken": token}, follow_redirects=False)


async def portal_client_for(client: AsyncTestClient, pay_token: str, email: str) -> None:
    """Sign `client` in to the portal of the customer behind `pay_token` (whose address is `email`)."""
    await ask_for_link(client, pay_token, email)
    mails = await portal_mails(email)
    response = await sign_in(client, link_in(mails[-1]))
    assert response.status_code == 303, response.text
