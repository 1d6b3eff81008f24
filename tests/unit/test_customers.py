"""Customers: create and edit in place with errors, search and pages, balances, archive not delete."""

from app.services.customers import PER_PAGE
from app.tables.customers import Customer
from tests import factories

GOOD = {"name": "Blue Bakery", "email": "Hello@BlueBakery.test", "phone": "+1 555 0100",
        "billing_address": "1 Main St\nSpringfield", "tax_id": "US123", "currency": "EUR", "notes": "Pays fast"}


async def test_create_in_place(vendor):
    response = await vendor.post("/customers", GOOD)
    assert response.status_code == 200 and "Blue Bakery was added." in response.text
    assert response.headers["hx-trigger"] == "customers-changed"
    customer = await Customer.objects().where(Customer.vendor == vendor.vendor_id).first()
    assert customer.email == "hello@bluebakery.test" and customer.currency == "EUR"


async def test_errors_in_place_and_nothing_saved(vendor):
    response = await vendor.post("/customers", {"name": " ", "email": "not-an-email", "currency": "ABC"})
    assert response.status_code == 422
    for message in ("Enter the customer&#39;s name.", "Enter a valid email address", "Choose a currency from the list."):
        assert message in response.text
    assert 'value="not-an-email"' in response.text
    assert await Customer.count().where(Customer.vendor == vendor.vendor_id) == 0


async def test_edit_in_place(vendor):
    c = await factories.customer(vendor.vendor_id)
    form = await vendor.client.get(f"/customers/{c.id}/edit", headers=vendor.headers())
    assert f'id="customer-{c.id}-form"' in form.text
    bad = await vendor.post(f"/customers/{c.id}", {**GOOD, "email": "nope"})
    assert bad.status_code == 422 and (await Customer.objects().get(Customer.id == c.id)).name == "Jane Doe"
    ok = await vendor.post(f"/customers/{c.id}", {**GOOD, "name": "Jane Roe"})
    assert f'id="customer-{c.id}-details"' in ok.text and "Changes saved." in ok.text
    assert (await Customer.objects().get(Customer.id == c.id)).name == "Jane Roe"


async def test_search_and_pagination(vendor):
    for i in range(PER_PAGE + 5):
        await factories.customer(vendor.vendor_id, f"Client {i:02d}", f"c{i}@example.com")
    await factories.customer(vendor.vendor_id, "Zeta 100% Organic", "zeta@farm.test")
    page1 = await vendor.client.get("/customers/table")
    page2 = await vendor.client.get("/customers/table?page=2")
    assert "Client 00" in page1.text and "Client 00" not in page2.text and "Zeta" in page2.text
    assert "page 2 of 2" in page2.text
    found = await vendor.client.get("/customers/table?q=FARM.test")
    assert "Zeta 100% Organic" in found.text and "Client 01" not in found.text
    literal = await vendor.client.get("/customers/table?q=100%25")
    assert "Zeta" in literal.text and "Client 01" not in literal.text


async def test_customer_page_shows_invoices_and_outstanding_balance(vendor):
    c = await factories.customer(vendor.vendor_id, "Acme")
    sent = await factories.invoice(vendor.vendor_id, c.id, lines=[("Work", "1", "150.00", "0")])
    await factories.invoice(vendor.vendor_id, c.id)  # a draft is not outstanding
    await vendor.post(f"/invoices/{sent}/send", {"method": "manual"})
    page = await vendor.client.get(f"/customers/{c.id}")
    assert "Outstanding balance" in page.text and "$150.00" in page.text and "in 1 unpaid invoice" in page.text
    assert page.text.count(">Details</a>") == 2
    assert 'hx-trigger="sse:invoice-changed delay:300ms"' in page.text


async def test_invoiced_customer_is_archived_not_deleted(vendor):
    c = await factories.customer(vendor.vendor_id)
    await factories.invoice(vendor.vendor_id, c.id)
    refused = await vendor.post(f"/customers/{c.id}/delete")
    assert refused.status_code == 422 and "can be archived but not deleted" in refused.text
    assert await Customer.exists().where(Customer.id == c.id)
    await vendor.post(f"/customers/{c.id}/archive")
    assert "Jane Doe" not in (await vendor.client.get("/customers/table")).text
    assert "Jane Doe" in (await vendor.client.get("/customers/table?archived=true")).text
    await vendor.post(f"/customers/{c.id}/restore")
    assert (await Customer.objects().get(Customer.id == c.id)).archived_at is None


async def test_customer_without_invoices_can_be_deleted(vendor):
    c = await factories.customer(vendor.vendor_id)
    response = await vendor.post(f"/customers/{c.id}/delete")
    assert response.headers["hx-redirect"] == "/customers"
    assert not await Customer.exists().where(Customer.id == c.id)


async def test_edit_in_place_renames_the_customer_everywhere_on_the_page(vendor):
    c = await factories.customer(vendor.vendor_id, "Old Name Ltd")
    await factories.invoice(vendor.vendor_id, c.id)  # a draft: nothing outstanding, "Archive" offered
    ok = await vendor.post(f"/customers/{c.id}", {**GOOD, "name": "New Name GmbH", "email": "new@name.test"})
    assert ok.status_code == 200 and "Old Name" not in ok.text
    assert "<title>New Name GmbH · PayPort</title>" in ok.text
    assert f'id="customer-{c.id}-head"' in ok.text and "<h1>New Name GmbH" in ok.text and "new@name.test" in ok.text
    assert "Archive New Name GmbH?" in ok.text
    assert f'id="customer-{c.id}-invoices"' in ok.text and "Every invoice sent to New Name GmbH is settled." in ok.text
    assert ok.text.count('hx-swap-oob="true"') == 2
    page = await vendor.client.get(f"/customers/{c.id}")
    assert "Old Name" not in page.text and 'hx-swap-oob' not in page.text
