"""Another vendor's customer and invoice ids answer 404 on every route and verb, and change nothing."""

import pytest

from app.tables.customers import Customer
from app.tables.invoices import Invoice
from tests import factories

INVOICE_GETS = ["/invoices/{id}", "/invoices/{id}/edit", "/invoices/{id}/header", "/invoices/{id}/activity",
                "/invoices/{id}/send", "/invoices/{id}/mark-paid", "/invoices/{id}/void"]
INVOICE_POSTS = {
    "/invoices/{id}/edit": {"customer": "1", "currency": "USD", "line_description": "x", "line_quantity": "1",
                            "line_unit_price": "1", "line_tax_rate": "0"},
    "/invoices/{id}/send": {"method": "manual"},
    "/invoices/{id}/mark-paid": {"paid_on": "2026-01-01", "method": "cash"},
    "/invoices/{id}/void": {"reason": "mine now"},
    "/invoices/{id}/template": {"name": "stolen"},
}
CUSTOMER_GETS = ["/customers/{id}", "/customers/{id}/edit", "/customers/{id}/details", "/customers/{id}/invoices",
                 "/invoices/new?customer={id}"]
CUSTOMER_POSTS = {
    "/customers/{id}": {"name": "Hijacked", "email": "x@example.com", "currency": "USD"},
    "/customers/{id}/archive": {}, "/customers/{id}/restore": {}, "/customers/{id}/delete": {},
}


@pytest.fixture
async def foreign(other_vendor):
    """A customer with a sent invoice that belong to the other vendor."""
    c = await factories.customer(other_vendor.vendor_id, name="Secret Client", email="secret@globex.test")
    invoice_id = await factories.invoice(other_vendor.vendor_id, c.id)
    await other_vendor.post(f"/invoices/{invoice_id}/send", {"method": "manual"})
    return c.id, invoice_id


async def test_other_vendors_invoice_is_404_everywhere(vendor, foreign):
    _, invoice_id = foreign
    before = await Invoice.objects().get(Invoice.id == invoice_id)
    for url in INVOICE_GETS:
        for htmx in (False, True):
            response = await vendor.client.get(url.format(id=invoice_id), headers=vendor.headers(htmx))
            assert response.status_code == 404, url
            assert "Secret Client" not in response.text
    for url, data in INVOICE_POSTS.items():
        response = await vendor.post(url.format(id=invoice_id), data)
        assert response.status_code == 404, url
    after = await Invoice.objects().get(Invoice.id == invoice_id)
    assert after.to_dict() == before.to_dict()


async def test_other_vendors_customer_is_404_everywhere(vendor, foreign):
    customer_id, _ = foreign
    for url in CUSTOMER_GETS:
        response = await vendor.client.get(url.format(id=customer_id))
        assert response.status_code == 404, url
    for url, data in CUSTOMER_POSTS.items():
        response = await vendor.post(url.format(id=customer_id), data)
        assert response.status_code == 404, url
    customer = await Customer.objects().get(Customer.id == customer_id)
    assert customer.name == "Secret Client" and customer.archived_at is None


async def test_missing_ids_look_the_same(vendor):
    for url in INVOICE_GETS:
        assert (await vendor.client.get(url.format(id=987654))).status_code == 404


async def test_lists_search_and_export_never_show_other_vendors(vendor, foreign):
    for url in ["/invoices", "/invoices/table?status=outstanding", "/invoices/table?q=Secret",
                "/invoices/export.csv", "/customers", "/customers/table?q=secret"]:
        response = await vendor.client.get(url)
        assert response.status_code == 200 and "Secret Client" not in response.text and "INV-" not in response.text


async def test_other_vendors_customer_cannot_be_invoiced(vendor, foreign):
    customer_id, _ = foreign
    data = {"customer": str(customer_id), "currency": "USD", "line_description": "x", "line_quantity": "1",
            "line_unit_price": "1", "line_tax_rate": "0"}
    response = await vendor.post("/invoices/new", data)
    assert response.status_code == 422 and "Choose a customer." in response.text
    assert await Invoice.count().where(Invoice.vendor == vendor.vendor_id) == 0
