"""`make run`'s demo vendor, seeded once with a realistic year through the same services a vendor uses.

Card payments go through the Stripe sandbox for real: Checkout Sessions are created by the app, paid on the
sandbox as a customer would, and refunds are made there as a person would in Stripe's dashboard; the app learns
of them the way it always does (the Checkout return, reconciliation of undelivered events). Each step runs with
the clock set to the day it happened, so the dashboard shows a year, not one afternoon.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from app.services.payments import checkout
from app.services import clock
from app.services.mail import send as invoice_email, delivery as mail_delivery, reminders
from app.services.invoices import lifecycle as invoice_lifecycle
from app.services.payments import connection as stripe_connection, platform as stripe_platform
from app.services.accounts import SignupForm, sign_up
from app.services.members import ensure_member
from app.services.customers import create_customer
from app.services.demo.data import CARD_OUTCOMES, CUSTOMERS, NOTES, QUOTE_LINES, TAX_RATES, Plan, plans
from app.services.invoices.editor import InvoiceDraft, check_draft, create_invoice
from app.services.payments.reconciliation import reconcile
from app.services.quotes.editor import QuoteDraft, check_quote, create_quote
from app.services.quotes.lifecycle import accept_quote, send_defaults, send_quote
from app.services.recurring.profiles import ProfileForm, create_profile
from app.tables.quotes import Quote
from app.settings import get_settings
from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.payments import Payment, PaymentLink
from app.tables.vendors import User, Vendor

# Rendering a PDF for each of 60 emails would make the first `make run` wait a minute: recent emails carry theirs.
RECENT_PDF_DAYS = 45


@dataclass
class SeedReport:
    """What one seeding run made."""

    customers: int = 0
    invoices: int = 0
    card_payments: int = 0
    refunds: int = 0
    skipped: list[str] = field(default_factory=list)


class SandboxActor:
    """The people on the Stripe side: a customer paying on the hosted page, the vendor refunding in Stripe."""

    def __init__(self, client: httpx.AsyncClient, api_key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {api_key}"}

    async def ready(self) -> bool:
        """True once the sandbox answers (it starts next to the app)."""
        try:
            response = await self.client.get("/v1/account", headers=self.headers)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def _post(self, path: str, data: dict | None = None) -> dict:
        response = await self.client.post(path, data=data or {}, headers=self.headers)
        if response.status_code >= 400:
            raise RuntimeError(f"sandbox {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    async def onboard(self, account_id: str) -> None:
        """Complete Express onboarding, as the vendor would on Stripe's page."""
        await self._post(f"/_sandbox/accounts/{account_id}/onboard")

    async def pay(self, session_id: str) -> None:
        """Pay a Checkout Session with the test card that succeeds."""
        await self._post(f"/_sandbox/checkout/sessions/{session_id}/pay", {"card": "4242424242424242"})

    async def refund(self, payment_intent: str, amount: int | None) -> None:
        """Refund a destination charge from the platform, taking the money back from the connected account."""
        data = {"payment_intent": payment_intent, "reverse_transfer": "true"}
        if amount:
            data["amount"] = str(amount)
        await self._post("/v1/refunds", data)


@contextmanager
def happened_at(at: datetime) -> Iterator[None]:
    """Run the enclosed steps as if it were `at` (the clock is the app's one source of "now"), never later than now."""
    clock.freeze(min(at, clock.utcnow()))
    try:
        yield
    finally:
        clock.freeze(None)


# The demo vendor's team besides its owner: (name, email before the @, role).
DEMO_TEAM = (("Ana Lima", "ana", "staff"), ("Sam Carter", "books", "viewer"))

async def ensure_demo_vendor(email: str, password: str) -> tuple[int, bool]:
    """The demo vendor's id, creating it (with its owner login) when missing; True when it has no data yet."""
    user = await User.objects().where(User.email == email).first()
    if user is None:
        user = await sign_up(SignupForm("Demo Studio", email, password), verified=True)
    domain = email.partition("@")[2] or "payport.local"
    for name, local, role in DEMO_TEAM:  # the team signs in with the demo password too
        await ensure_member(user.vendor, f"{local}@{domain}", name, role, password)
    empty = not await Customer.exists().where(Customer.vendor == user.vendor) and not await Invoice.exists().where(
        Invoice.vendor == user.vendor
    )
    return user.vendor, empty


async def seed_demo(email: str, password: str, actor: SandboxActor | None) -> SeedReport | None:
    """Create the demo vendor and seed its year once; None when it already has data (or in production)."""
    if get_settings().production:
        return None
    vendor_id, empty = await ensure_demo_vendor(email, password)
    if not empty:
        return None
    report = SeedReport()
    stripe = actor is not None and await _connect_stripe(vendor_id, actor, report)
    timezone = (await Vendor.select(Vendor.timezone).where(Vendor.id == vendor_id).first())["timezone"] or "UTC"
    today = clock.today_for(timezone)
    customers = [await _customer(vendor_id, row) for row in CUSTOMERS]
    report.customers = len(customers)
    for plan in plans():
        await _realise(vendor_id, timezone, today, customers, plan, actor if stripe else None, report)
        report.invoices += 1
    await _quotes(vendor_id, timezone, today, customers)
    await _profiles(vendor_id, today, customers)
    if stripe:
        await reconcile()  # what the served app's reconciler would do: events no endpoint acknowledged yet
    return report


async def _quotes(vendor_id: int, timezone: str, today: date, customers: list[Customer]) -> None:
    """Three quotes at different stages: a draft, one sent and waiting, one the customer accepted."""
    made = []
    for customer, (description, price), days_ago in zip(customers[1:4], QUOTE_LINES, (2, 6, 12)):
        draft = QuoteDraft(customer=str(customer.id), currency=customer.currency,
                           issue_date=(today - timedelta(days=days_ago)).isoformat(),
                           expiry_date=(today + timedelta(days=30 - days_ago)).isoformat(),
                           lines=[{"description": description, "quantity": "1", "unit_price": price, "tax_rate": "0"}])
        made.append(await create_quote(vendor_id, await check_quote(vendor_id, timezone, draft)))
    for quote_id in made[1:]:
        await send_quote(vendor_id, quote_id, await send_defaults(vendor_id, quote_id))
    accepted = await Quote.select(Quote.token).where(Quote.id == made[2]).first()
    await accept_quote(accepted["token"], "Dana Whitfield", "198.51.100.7")


async def _profiles(vendor_id: int, today: date, customers: list[Customer]) -> None:
    """A monthly retainer sent by email, starting next month."""
    start = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    await create_profile(vendor_id, ProfileForm(
        name="Monthly website care", customer=str(customers[0].id), currency=customers[0].currency,
        start_date=start.isoformat(), action="send",
        lines=[{"description": "Website care plan (monthly)", "quantity": "1", "unit_price": "450.00",
                "tax_rate": "0"}]))


async def _connect_stripe(vendor_id: int, actor: SandboxActor, report: SeedReport) -> bool:
    if not await actor.ready():
        report.skipped.append("Stripe sandbox not reachable: no card payments seeded.")
        return False
    await stripe_platform.register_platform_endpoints()  # so events wait for the app, as with `stripe listen`
    base = f"{get_settings().app_base_url}/settings/stripe"
    await stripe_connection.start_onboarding(vendor_id, f"{base}/refresh", f"{base}/return")
    connection = await stripe_connection.get_connection(vendor_id)
    await actor.onboard(connection.account_id)
    return (await stripe_connection.refresh_status(vendor_id)).ready


async def _customer(vendor_id: int, row: tuple) -> Customer:
    name, email, currency, phone, address, tax_id = row
    return await create_customer(vendor_id, {"name": name, "email": email, "currency": currency, "phone": phone,
                                             "billing_address": address, "tax_id": tax_id, "notes": ""})


def _moment(day: date, timezone: str, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo(timezone))


async def _realise(vendor_id: int, timezone: str, today: date, customers: list[Customer], plan: Plan,
                   actor: SandboxActor | None, report: SeedReport) -> None:
    """Create one invoice and take it through what happened to it, each step on its own day."""
    issued = today - timedelta(days=plan.days_ago)
    customer = customers[plan.customer]
    with happened_at(_moment(issued, timezone, 9)):
        invoice_id = await _create(vendor_id, timezone, customer, issued, plan)
    if plan.outcome == "draft":
        return
    by_card = actor is not None and plan.outcome in CARD_OUTCOMES
    with happened_at(_moment(issued, timezone)):
        await _send(vendor_id, invoice_id, "stripe" if by_card else "manual", plan.days_ago <= RECENT_PDF_DAYS)
    paid_on = issued + timedelta(days=plan.paid_after)
    if plan.outcome == "void":
        with happened_at(_moment(paid_on, timezone)):
            await invoice_lifecycle.void_invoice(vendor_id, invoice_id, "Replaced by a corrected invoice.")
    elif plan.outcome == "reminded":
        due = (await Invoice.select(Invoice.due_date).where(Invoice.id == invoice_id).first())["due_date"]
        with happened_at(_moment(due + timedelta(days=3), timezone)):
            await reminders.send_reminder(vendor_id, invoice_id, secrets.token_urlsafe(8))
            await mail_delivery.deliver_due()
    elif by_card and plan.outcome != "link":
        await _pay_by_card(invoice_id, _moment(paid_on, timezone, 15), actor, report)
        if plan.outcome in ("refunded", "partly_refunded"):
            refund_at = _moment(min(paid_on + timedelta(days=9), today), timezone, 16)
            await _refund(invoice_id, plan.outcome == "partly_refunded", refund_at, actor, report)
    elif plan.outcome in ("paid", "card", "refunded", "partly_refunded"):
        with happened_at(_moment(paid_on, timezone, 14)):
            await invoice_lifecycle.mark_paid(vendor_id, invoice_id, paid_on, "bank_transfer", f"TX-{invoice_id:05d}")


async def _create(vendor_id: int, timezone: str, customer: Customer, issued: date, plan: Plan) -> int:
    currency = customer.currency
    lines = [{"description": d, "quantity": q, "unit_price": p, "tax_rate": TAX_RATES[currency]}
             for d, q, p in plan.lines]
    draft = InvoiceDraft(customer=str(customer.id), currency=currency, issue_date=issued.isoformat(),
                         terms=plan.terms, notes=NOTES, lines=lines)
    return await create_invoice(vendor_id, await check_draft(vendor_id, timezone, draft))


async def _send(vendor_id: int, invoice_id: int, method: str, attach_pdf: bool) -> None:
    """Send by email as the Send dialog does with its defaults, then let the outbox deliver it that day."""
    state = await invoice_email.dialog_state(vendor_id, invoice_id)
    form = state["form"]
    form.method, form.attach_pdf = method, attach_pdf
    form = invoice_email.with_method(state["doc"], form)  # the default message mentions the link only with Stripe
    await invoice_email.send(vendor_id, invoice_id, form)
    await mail_delivery.deliver_due()


async def _pay_by_card(invoice_id: int, at: datetime, actor: SandboxActor, report: SeedReport) -> None:
    """The customer opens the link, presses Pay, pays on Checkout and comes back to the pay page."""
    link = await PaymentLink.objects().where(PaymentLink.invoice == invoice_id).first()
    url = await checkout.start_checkout(link.token)  # real time: Stripe checks expires_at against its clock
    session_id = url.rstrip("/").rsplit("/", 1)[-1]
    await actor.pay(session_id)
    with happened_at(at):
        await checkout.confirm_return(link.token, session_id)
    report.card_payments += 1


async def _refund(invoice_id: int, partial: bool, at: datetime, actor: SandboxActor, report: SeedReport) -> None:
    payment = await Payment.objects().where(Payment.invoice == invoice_id).first()
    await actor.refund(payment.payment_intent, payment.amount // 4 if partial else None)
    with happened_at(at):
        await reconcile()  # charge.refunded reaches the app as an event nobody acknowledged yet
    report.refunds += 1
