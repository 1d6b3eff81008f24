"""The dashboard page and its live partials, as the browser receives them."""

import re
from datetime import timedelta

import pytest

from tests.unit.dashboard.conftest import NOW, TODAY, activity, invoice

PARTIALS = {
    "/dashboard/figures": "dashboard-figures",
    "/dashboard/ageing": "dashboard-ageing",
    "/dashboard/paid-per-month": "dashboard-paid-per-month",
    "/dashboard/attention": "dashboard-attention",
    "/dashboard/activity": "dashboard-activity",
}


async def test_new_vendor_sees_first_steps_instead_of_zeros(vendor):
    page = (await vendor.client.get("/")).text
    assert "Get started in three steps" in page
    for action in ("Add a customer", "Connect Stripe", "Create an invoice"):
        assert action in page
    assert 'id="dashboard-figures"' not in page and "$0.00" not in page
    # The panel turns into the full dashboard when the first invoice arrives in another tab.
    assert 'hx-get="/dashboard/overview"' in page and "sse:invoice-changed delay:300ms" in page


async def test_first_invoice_turns_first_steps_into_the_dashboard(vendor, frozen):
    assert 'id="dashboard-first-steps"' in (await vendor.client.get("/dashboard/overview", headers=vendor.headers())).text
    await invoice(vendor.vendor_id, "draft", 4_500)
    body = (await vendor.client.get("/dashboard/overview", headers=vendor.headers())).text
    assert body.lstrip().startswith('<div id="dashboard-overview"')
    assert "$45.00" in body


async def test_figures_link_to_exactly_their_invoice_list(vendor, frozen):
    v = vendor.vendor_id
    await invoice(v, "sent", 123_456, "JPY", due=TODAY - timedelta(days=3))
    await invoice(v, "paid", 1_050, "USD", paid_at=NOW)
    await invoice(v, "draft", 99, "USD")

    page = (await vendor.client.get("/")).text
    hrefs = set(re.findall(r'href="(/invoices\?[^"]+)"', page))

    assert {
        "/invoices?status=outstanding&amp;currency=JPY",
        "/invoices?status=overdue&amp;currency=JPY",
        "/invoices?status=all&amp;currency=USD&amp;paid_from=2026-02-14",
        "/invoices?status=draft&amp;currency=USD",
    } <= hrefs
    assert "¥123,456" in page and "$10.50" in page and "$0.99" in page
    assert "¥123,456.00" not in page  # JPY has no decimals


@pytest.mark.parametrize(("url", "root_id"), PARTIALS.items())
async def test_partials_refresh_themselves_on_invoice_changes(vendor, frozen, url, root_id):
    await invoice(vendor.vendor_id, "sent", 100, due=TODAY - timedelta(days=2))
    response = await vendor.client.get(url, headers={"hx-request": "true"})
    assert response.status_code == 200
    root = re.match(r"\s*<(\w+) ([^>]*)>", response.text)
    assert root and f'id="{root_id}"' in root.group(2)
    assert f'hx-get="{url}"' in root.group(2) and 'hx-swap="outerHTML"' in root.group(2)
    assert "sse:invoice-changed delay:300ms" in root.group(2)


async def test_charts_are_svg_with_text_labels_and_accessible_names(vendor, frozen):
    await invoice(vendor.vendor_id, "sent", 2_500, "EUR", due=TODAY - timedelta(days=45))
    await invoice(vendor.vendor_id, "paid", 7_000, "EUR", paid_at=NOW)
    ageing = (await vendor.client.get("/dashboard/ageing", headers=vendor.headers())).text
    assert '<svg class="chart chart-bars"' in ageing and "<script" not in ageing and "style=" not in ageing
    assert "<title id=\"ageing-eur-title\">Ageing of receivables in EUR</title>" in ageing
    assert ">31-60 days</text>" in ageing and ">€25.00" in ageing
    monthly = (await vendor.client.get("/dashboard/paid-per-month", headers=vendor.headers())).text
    assert "Paid per month in EUR, last 12 months" in monthly and "Mar 2026: €70.00, 1 invoice" in monthly


async def test_another_vendors_data_never_shows(vendor, other_vendor, frozen):
    secret = await invoice(other_vendor.vendor_id, "sent", 777_777, "USD", due=TODAY - timedelta(days=100),
                           needs_attention=True, attention_reason="Secret reason", customer_name="Globex Buyer")
    await activity(other_vendor.vendor_id, secret.id, "payment_failed", "Payment attempt failed: secret", NOW)
    await invoice(vendor.vendor_id, "draft", 100)
    for url in ["/", *PARTIALS]:
        body = (await vendor.client.get(url)).text
        for leak in ("7,777.77", "Secret reason", "Globex Buyer", secret.number, "failed: secret"):
            assert leak not in body, (url, leak)


@pytest.mark.parametrize("url", ["/", "/dashboard/overview", *PARTIALS])
async def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = await client.get(url, follow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["location"] == "/login"
    htmx = await client.get(url, headers={"hx-request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/login"


async def test_a_partial_shows_a_change_made_through_the_app_at_once(vendor, frozen):
    sent = await invoice(vendor.vendor_id, "sent", 125_000, due=TODAY + timedelta(days=5))
    assert "$1,250.00" in (await vendor.client.get("/dashboard/figures", headers=vendor.headers())).text  # rendered and kept
    response = await vendor.post(f"/invoices/{sent.id}/mark-paid",
                                 {"paid_on": TODAY.isoformat(), "method": "cash", "reference": ""})
    assert response.is_success, response.text
    figures = (await vendor.client.get("/dashboard/figures", headers=vendor.headers())).text
    assert "Nothing to collect" in figures
