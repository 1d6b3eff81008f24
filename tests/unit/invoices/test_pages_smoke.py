"""Each invoice and customer page renders for a vendor with data."""

from tests import factories


async def test_pages_render(vendor):
    c = await factories.customer(vendor.vendor_id)
    inv = await factories.invoice(vendor.vendor_id, c.id)
    for url in ["/customers", "/customers/table", f"/customers/{c.id}", f"/customers/{c.id}/edit", "/customers/new",
                "/invoices", "/invoices/table", "/invoices/new", "/invoices/new?template=consulting",
                f"/invoices/{inv}", f"/invoices/{inv}/edit", f"/invoices/{inv}/header", f"/invoices/{inv}/activity",
                f"/invoices/{inv}/send", f"/invoices/{inv}/void", "/invoices/templates", "/invoices/export.csv"]:
        response = await vendor.client.get(url)
        assert response.status_code == 200, (url, response.text[:3000])
        expected = "text/csv" if url.endswith(".csv") else "text/html"
        assert response.headers["content-type"].startswith(expected), url
