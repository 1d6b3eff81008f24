"""Day by day through invoices, partial payments, refunds with and without credit notes, an overpayment, credit
kept and applied, and voids: every evening a statement that ends that day closes on the balance the portal shows
(what each invoice asks), with Adjustment lines where the two rules differ; the portal's invoice list and
receipt show what each invoice asks, so their figures add up to the same balance."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import NotAllowed
from app.services import clock
from app.services.balance import refundable
from app.services.customers import balances
from app.services.invoices.credit_notes import CreditForm, CreditInvalid, apply_credit, issue_credit_note
from app.services.invoices.lifecycle import mark_paid, void_invoice
from app.services.payments.refunds import refund_payment
from app.services.portal.access import PortalViewer
from app.services.portal.statement import build_statement
from app.tables.invoices import Invoice
from app.tables.payments import Payment
from app.tables.portal import PortalRequest
from tests import factories
from tests.unit.portal.helpers import pay, portal_client_for, sent_invoice

FIRST = date(2026, 11, 1)
START = date(2026, 10, 1)


@pytest.fixture(autouse=True)
async def fresh_throttle():
    await PortalRequest.delete(force=True)
    yield
    clock.freeze(None)


class Story:
    """The vendor's actions on one customer's invoices, each on the day the clock is frozen to."""

    def __init__(self, vendor_id: int, customer_id: int, prefix: str = "") -> None:
        self.v, self.c, self.ids, self.token, self.prefix = vendor_id, customer_id, {}, "", prefix

    async def invoice(self, number: str, amount: int) -> None:
        self.ids[number], token = await sent_invoice(self.v, self.c, self.prefix + number, amount,
                                                     issued=clock.today_for("UTC"))
        self.token = self.token or token

    async def pay(self, number: str, amount: int) -> None:
        await mark_paid(self.v, self.ids[number], clock.today_for("UTC"), "bank_transfer", amount=amount)

    async def cross(self, number: str, amount: int) -> None:
        """A second payment that crossed the first (as two Stripe payments can): the invoice ends overpaid."""
        await pay(self.v, self.ids[number], amount, at=clock.utcnow())

    async def refund(self, number: str, amount: int) -> None:
        """Refunds with no credit note, latest payment first: the money goes back, nothing is credited."""
        for payment in await Payment.objects().where(Payment.invoice == self.ids[number]).order_by(
                Payment.id, ascending=False):
            take = min(amount, await refundable(payment))
            if take:
                await refund_payment(self.v, self.ids[number], payment.id, take, "requested_by_customer", "",
                                     uuid.uuid4().hex)
                amount -= take
        assert amount == 0

    async def credit(self, number: str, amount: str, excess: str = "") -> None:
        await issue_credit_note(self.v, self.ids[number], CreditForm(
            mode="amount", amount=amount, reason="Goodwill", excess=excess, request_key=uuid.uuid4().hex))

    async def apply(self, number: str, amount: str) -> None:
        await apply_credit(self.v, self.ids[number], amount, uuid.uuid4().hex)

    async def void(self, number: str) -> None:
        await void_invoice(self.v, self.ids[number], "Issued by mistake")


# Day by day (amounts in cents); each comment says the gap the statement's lines leave before adjustments.
DAYS = [
    [("invoice", "INV-1", 100_00)],
    [("invoice", "INV-2", 200_00), ("pay", "INV-1", 60_00)],
    [("pay", "INV-1", 40_00)],                                 # INV-1 paid
    [("refund", "INV-1", 30_00)],                              # 30 refunded, not asked back
    [("pay", "INV-2", 200_00), ("cross", "INV-2", 50_00)],     # INV-2 paid 50 beyond its total
    [],
    [("refund", "INV-2", 50_00)],                              # the excess back: ends the adjustment
    [("invoice", "INV-3", 150_00), ("credit", "INV-3", "50")],
    [("refund", "INV-1", 70_00)],                              # all of INV-1 refunded: 100 not asked back
    [("void", "INV-1")],                                 # a refunded invoice voided: gone from both
    [("invoice", "INV-4", 80_00), ("pay", "INV-4", 80_00), ("credit", "INV-4", "20", "refund")],
    [("invoice", "INV-5", 100_00), ("pay", "INV-5", 100_00), ("credit", "INV-5", "30", "keep")],
    [("apply", "INV-3", "30")],                                # INV-5's kept credit pays part of INV-3
    [("credit", "INV-2", "50", "refund")],                     # a refund with its credit note: no adjustment
    [("invoice", "INV-6", 40_00), ("void", "INV-6")],
    [("pay", "INV-3", 20_00)],
    [("refund", "INV-3", 10_00)],                              # partially refunded: INV-3 asks nothing now
    [("invoice", "INV-7", 90_00), ("pay", "INV-7", 90_00), ("cross", "INV-7", 90_00)],
    [("credit", "INV-7", "10", "refund"),                      # a note with its refund: still 90 beyond
     ("refund", "INV-7", 90_00)],                              # the excess back: ends the adjustment
    [("refund", "INV-3", 5_00)],                               # the same condition, 5 more not asked back
]


async def _portal_balance(vendor_id: int, customer_id: int) -> int:
    return sum(row["outstanding"] or 0 for row in await balances(vendor_id, customer_id) if row["currency"] == "USD")


async def test_every_day_the_statement_closes_on_the_portals_balance(vendor, other_client):
    v = vendor.vendor_id
    email = f"{uuid.uuid4().hex[:8]}@fabrikam.example"
    customer = await factories.insert_customer(v, "Fabrikam", email)
    story, viewer = Story(v, customer.id), PortalViewer(v, customer.id)
    for n, actions in enumerate(DAYS):
        day = FIRST + timedelta(days=n)
        clock.freeze(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc))
        for kind, number, *args in actions:
            await getattr(story, kind)(number, *args)
        statement = await build_statement(viewer, START, day, "USD")
        expected = await _portal_balance(v, customer.id)
        assert statement.closing == expected, (day, [(e.kind, e.description, e.amount) for e in statement.entries])
        # A statement of that day alone opens on the adjusted lines before it and closes on the same balance.
        assert (await build_statement(viewer, day, day, "USD")).closing == expected

    statement = await build_statement(viewer, START, day, "USD")
    words = [(e.day.day, e.description, e.amount) for e in statement.entries if e.kind == "adjustment"]
    assert words == [
        (5, "Paid beyond what INV-2 asks", 50_00),
        (7, "Ends the earlier adjustment on INV-2", -50_00),
        (17, "Refunded on INV-3 and not asked back", -60_00),
        (18, "Paid beyond what INV-7 asks", 90_00),
        (19, "Ends the earlier adjustment on INV-7", -90_00),
        (20, "Refunded on INV-3 and not asked back", -5_00),
    ]  # INV-1's lines (30 then 70 not asked back) went with it when it was voided
    assert statement.closing == 0 and await _portal_balance(v, customer.id) == 0


async def _story_to_day(vendor, last: int):
    email = f"{uuid.uuid4().hex[:8]}@contoso.example"
    customer = await factories.insert_customer(vendor.vendor_id, "Contoso", email)
    story = Story(vendor.vendor_id, customer.id)
    for n, actions in enumerate(DAYS[:last]):
        day = FIRST + timedelta(days=n)
        clock.freeze(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc))
        for kind, number, *args in actions:
            await getattr(story, kind)(number, *args)
    return customer, story, email


async def test_page_csv_invoice_list_and_receipt_agree_with_the_balance(vendor, other_client):
    customer, story, email = await _story_to_day(vendor, 5)  # INV-1 partly refunded, INV-2 overpaid
    await portal_client_for(other_client, story.token, email)
    home = (await other_client.get("/portal")).text
    assert re.search(r'data-testid="balance-USD">\$0.00<', home) or 'data-testid="balance-USD"' not in home
    assert await _portal_balance(vendor.vendor_id, customer.id) == 0
    # Neither invoice asks anything: the list's Balance column says $0.00 for both, not $30.00 and -$50.00.
    rows = re.findall(r'<td data-label="Number">(INV-\d)</td>.*?data-label="Balance" class="num">([^<]+)<', home, re.S)
    assert rows == [("INV-2", "$0.00"), ("INV-1", "$0.00")]
    page = (await other_client.get("/portal/statement?start=2026-10-01&end=2026-11-05&currency=USD")).text
    figures = dict(re.findall(r'data-testid="statement-(\w+)">([^<]+)<', page.replace("&minus;", "-")))
    assert figures == {"opening": "$0.00", "invoices": "$300.00", "payments": "-$350.00", "credits": "-$0.00",
                       "refunds": "$30.00", "adjustments": "$20.00", "closing": "$0.00"}
    assert "Refunded on INV-1 and not asked back" in page and "Paid beyond what INV-2 asks" in page
    lines = list(csv.reader(io.StringIO((await other_client.get(
        "/portal/statement.csv?start=2026-10-01&end=2026-11-05&currency=USD")).text)))
    assert [r[1] for r in lines if r[1] == "Adjustment"] == ["Adjustment", "Adjustment"]
    assert lines[-2][1:5] == ["Total adjustments", "", "", "20.00"] and lines[-1][5] == "0.00"
    pdf = await other_client.get("/portal/statement.pdf?start=2026-10-01&end=2026-11-05&currency=USD")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    payment = await Payment.objects().where(Payment.invoice == story.ids["INV-1"]).first()
    receipt = (await other_client.get(f"/portal/payments/{payment.id}/receipt")).text
    assert re.search(r"Invoice balance now</dt><dd>\$0.00<", receipt)
    invoice = await Invoice.objects().get(Invoice.id == story.ids["INV-1"])
    assert (invoice.status, invoice.amount_due) == ("partially_refunded", 30_00)  # stored, just not asked


ACTIONS = ["pay", "cross", "refund", "credit", "apply", "void"]
plans = st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(["INV-1", "INV-2"]),
                           st.integers(min_value=1, max_value=100), st.sampled_from(["refund", "keep"])),
                 min_size=1, max_size=10)


async def _random_step(story: Story, kind: str, number: str, share: int, excess: str) -> None:
    """One action on a share of what it could touch; a refusal (nothing due, nothing to refund) changes nothing."""
    invoice = await Invoice.objects().get(Invoice.id == story.ids[number])
    part = max(1, invoice.total * share // 100)
    try:
        if kind == "pay":
            await story.pay(number, max(1, invoice.amount_due * share // 100))
        elif kind == "cross":
            await story.cross(number, part)
        elif kind == "refund":
            left = sum([await refundable(p) for p in await Payment.objects().where(Payment.invoice == invoice.id)])
            if left:
                await story.refund(number, max(1, left * share // 100))
        elif kind == "credit":
            await story.credit(number, f"{part / 100:.2f}", excess)
        elif kind == "apply":
            await story.apply(number, f"{part / 100:.2f}")
        else:
            await story.void(number)
    except (NotAllowed, CreditInvalid):
        pass


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans)
async def test_any_sequence_closes_every_day_on_the_portals_balance(vendor, plan):
    customer = await factories.insert_customer(vendor.vendor_id, "Tailspin Toys", f"{uuid.uuid4().hex[:8]}@t.example")
    story = Story(vendor.vendor_id, customer.id, prefix=f"{uuid.uuid4().hex[:6]}-")
    viewer = PortalViewer(vendor.vendor_id, customer.id)
    clock.freeze(datetime(2026, 11, 1, 12, tzinfo=timezone.utc))
    await story.invoice("INV-1", 100_00)
    await story.invoice("INV-2", 250_00)
    for n, step in enumerate(plan, start=1):
        day = FIRST + timedelta(days=n)
        clock.freeze(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc))
        await _random_step(story, *step)
        closing = (await build_statement(viewer, START, day, "USD")).closing
        assert closing == await _portal_balance(vendor.vendor_id, customer.id), (day, step)
