"""Every GET URL opened in the browser's address bar (no HX-Request) shows a whole page, never a bare fragment."""

from litestar.routes import HTTPRoute

from app.services.recurring import profiles
from app.tables.api import ImportJob
from tests import factories

# /api/v1 answers JSON (and its docs are Litestar's own page). Not HTML pages by nature: streams, files, the e-mail body shown inside its sandboxed frame, Stripe's returns.
NOT_PAGES = {
    "/events", "/healthz", "/readyz", "/metrics", "/favicon.ico", "/invoices/export.csv", "/invoices/{invoice_id}/pdf",
    "/invoices/{invoice_id}/facturx.pdf", "/invoices/{invoice_id}/ubl.xml",
    "/pay/{token}/invoice.pdf", "/outbox/{message_id}/html", "/outbox/{message_id}/attachment",
    "/settings/stripe/return", "/settings/stripe/refresh", "/payments/export.csv",
    "/invoices/credit-notes/export.csv", "/invoices/credit-notes/{note_id}/pdf",
    "/invoices/credit-notes/{note_id}/facturx.pdf", "/invoices/credit-notes/{note_id}/ubl.xml",
    "/reports/tax.csv", "/reports/tax.pdf", "/reports/ageing.csv", "/reports/revenue.csv",
    "/quotes/export.csv", "/quotes/{quote_id}/pdf",
    "/portal/invoices/{invoice_id}/pdf", "/portal/credit-notes/{note_id}/pdf", "/portal/statement.pdf",
    "/portal/statement.csv", "/portal/invoices/{invoice_id}/facturx.pdf", "/portal/invoices/{invoice_id}/ubl.xml",
    "/portal/credit-notes/{note_id}/ubl.xml",
    "/reports/tax.csv", "/reports/tax.pdf", "/reports/ageing.csv", "/reports/revenue.csv", "/settings/audit.csv",
}


def _get_paths(app) -> list[str]:
    paths = []
    for route in app.routes:
        if isinstance(route, HTTPRoute) and "GET" in route.methods and not route.path.startswith(("/static", "/schema", "/api/v1")):
            if route.path_format not in NOT_PAGES and "{token}" not in route.path_format:
                paths.append(route.path_format)
    return sorted(set(paths))


async def test_every_get_url_without_htmx_answers_a_full_page(app, vendor):
    customer = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, customer.id)
    quote_id = await factories.quote(vendor.vendor_id, customer.id)
    profile_id = await profiles.create_profile(vendor.vendor_id, profiles.ProfileForm(
        name="Retainer", customer=str(customer.id), start_date="2099-01-01",
        lines=[{"description": "Retainer", "quantity": "1", "unit_price": "10", "tax_rate": "0"}]))
    job = ImportJob(vendor=vendor.vendor_id, kind="customers", status="failed", rows_total=2)
    await job.save()
    ids = {"customer_id": customer.id, "invoice_id": invoice_id, "payment_id": 1,  # fragments redirect first
           "profile_id": profile_id, "quote_id": quote_id, "job_id": job.id}
    checked = []
    for path in _get_paths(app):
        if "{message_id}" in path or "{template_id}" in path:
            continue  # no GET page takes these apart from the viewer, which is a page (tests/unit/mail)
        url = path.format(**ids)
        response = await vendor.client.get(url)  # follows redirects, as the browser does
        # The customer portal needs a portal session, which a vendor's is not: its sign-in page (tests/unit/portal).
        assert response.status_code == (401 if url.startswith("/portal/") and url != "/portal/request" or url == "/portal"
                                        else 200), (url, response.status_code)
        assert response.headers["content-type"].startswith("text/html"), url
        assert '<html lang="en">' in response.text and "<title>" in response.text, (url, response.text[:200])
        checked.append(url)
    for must in ("/customers/new", f"/customers/{customer.id}/edit", f"/invoices/{invoice_id}/header",
                 f"/invoices/{invoice_id}/mark-paid", "/dashboard/figures", "/invoices/table"):
        assert must in checked


async def test_partial_urls_redirect_to_their_page_keeping_filters(vendor):
    customer = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, customer.id)
    for partial, page in ((f"/customers/new", "/customers"), ("/customers/table?q=jane", "/customers?q=jane"),
                          (f"/invoices/{invoice_id}/void", f"/invoices/{invoice_id}"),
                          ("/invoices/table?status=paid", "/invoices?status=paid"), ("/dashboard/ageing", "/")):
        response = await vendor.client.get(partial, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == page, partial
    # htmx still gets the fragment itself.
    fragment = await vendor.client.get("/customers/new", headers={"hx-request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'name="name"' in fragment.text


async def test_signup_sends_a_logged_in_vendor_to_the_dashboard(vendor, other_client):
    response = await vendor.client.get("/signup", follow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["location"] == "/"
    form = await other_client.get("/signup")  # anonymous visitors still sign up
    assert form.headers["content-type"].startswith("text/html") and "Create account" in form.text
