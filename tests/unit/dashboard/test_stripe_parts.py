"""Platform fees and unfinished Stripe onboarding on the dashboard (needs the Stripe feature's tables)."""

from datetime import timedelta

import pytest

from app.live.announce import announce_invoice_changed, announce_vendor_changed
from app.services.dashboard import day as dashboard, attention as dashboard_attention
from tests.unit.dashboard.conftest import NOW, invoice

payments = pytest.importorskip("app.tables.payments")


async def connect(vendor_id: int, mode: str = "connect", charges_enabled: bool = True, due=()) -> None:
    await payments.StripeConnection(
        vendor=vendor_id, mode=mode, account_id=f"acct_{vendor_id}", charges_enabled=charges_enabled,
        requirements_due=list(due), create_idempotency_key=f"k{vendor_id}",
    ).save()
    announce_vendor_changed(vendor_id, "stripe")


async def pay(vendor_id: int, invoice_id: int, amount: int, currency: str, fee: int, days_ago: int) -> None:
    await payments.Payment(
        vendor=vendor_id, invoice=invoice_id, payment_intent=f"pi_{vendor_id}_{invoice_id}_{days_ago}",
        amount=amount, currency=currency, application_fee=fee, paid_at=NOW - timedelta(days=days_ago),
    ).save()
    announce_invoice_changed(vendor_id, invoice_id)


async def figures_of(vendor_id: int) -> dict[str, dashboard.CurrencyFigures]:
    day = await dashboard.vendor_day(vendor_id)
    return {fig.currency: fig for fig in await dashboard.currency_figures(day)}


async def test_platform_fees_per_currency_in_connect_mode(vendor, other_vendor, frozen):
    v = vendor.vendor_id
    await connect(v)
    usd = await invoice(v, "paid", 10_000, "USD", paid_at=NOW)
    jpy = await invoice(v, "paid", 5_000, "JPY", paid_at=NOW)
    await invoice(v, "sent", 3_000, "EUR")
    await pay(v, usd.id, 10_000, "USD", 320, days_ago=1)
    await pay(v, jpy.id, 5_000, "JPY", 150, days_ago=29)
    await pay(v, jpy.id, 5_000, "JPY", 999, days_ago=31)  # before the 30-day window
    await connect(other_vendor.vendor_id)
    theirs = await invoice(other_vendor.vendor_id, "paid", 1, "USD", paid_at=NOW)
    await pay(other_vendor.vendor_id, theirs.id, 1, "USD", 77_777, days_ago=1)

    figures = await figures_of(v)

    assert (figures["USD"].platform_fees, figures["JPY"].platform_fees, figures["EUR"].platform_fees) == (320, 150, 0)
    page = (await vendor.client.get("/dashboard/figures")).text
    assert "Platform fees, last 30 days" in page and "$3.20" in page and "¥150" in page


async def test_no_fee_figure_with_own_key(vendor, frozen):
    await connect(vendor.vendor_id, mode="key")
    await invoice(vendor.vendor_id, "paid", 10_000, "USD", paid_at=NOW)
    assert (await figures_of(vendor.vendor_id))["USD"].platform_fees is None
    assert "Platform fees" not in (await vendor.client.get("/dashboard/figures")).text


async def test_unfinished_onboarding_needs_attention(vendor, frozen):
    await connect(vendor.vendor_id, charges_enabled=False, due=["external_account", "tos_acceptance.date"])
    attention = await dashboard_attention.needs_attention(await dashboard.vendor_day(vendor.vendor_id))
    item = attention.items[0]
    assert (item.kind, item.action_label, item.action_url) == ("stripe_onboarding", "Resume onboarding", "/settings#stripe")
    assert "a bank account for payouts, acceptance of Stripe's terms" in item.detail


async def test_first_steps_tick_off_customer_and_stripe(vendor, frozen):
    from tests.unit.dashboard.conftest import customer_of

    page = (await vendor.client.get("/")).text
    assert page.count("badge badge-ok") == 0
    await customer_of(vendor.vendor_id)
    await connect(vendor.vendor_id)
    page = (await vendor.client.get("/")).text
    assert page.count(">Done</span>") == 2
