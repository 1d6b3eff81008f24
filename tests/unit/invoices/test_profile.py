"""Settings > Business profile: time zone, currency, numbering pattern, with errors in place."""

from app.services.invoices.lifecycle import send_invoice
from app.tables.vendors import Vendor
from tests.unit.invoices import factories

GOOD = {"name": "Acme GmbH", "timezone": "Europe/Berlin", "default_currency": "EUR", "invoice_prefix": "AC-",
        "invoice_number_pattern": "{prefix}{seq}/{year}", "invoice_number_padding": "3"}


async def test_profile_saves_and_numbers_follow_the_new_pattern(vendor):
    response = await vendor.post("/settings/profile", GOOD)
    assert response.status_code == 200 and "Business profile saved." in response.text
    assert "AC-001/" in response.text  # the preview of the next number
    saved = await Vendor.objects().get(Vendor.id == vendor.vendor_id)
    assert (saved.timezone, saved.default_currency, saved.invoice_number_padding) == ("Europe/Berlin", "EUR", 3)
    c = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, issue_date="2026-02-03")
    assert (await send_invoice(vendor.vendor_id, invoice_id, "manual")).number == "AC-001/2026"


async def test_profile_errors_in_place_and_nothing_saved(vendor):
    bad = {"name": "", "timezone": "Mars/Olympus", "default_currency": "EURO", "invoice_prefix": "<b>",
           "invoice_number_pattern": "{prefix}{year}", "invoice_number_padding": "0"}
    response = await vendor.post("/settings/profile", bad)
    assert response.status_code == 422
    for message in ("Enter your business name", "Choose a time zone from the list", "Choose a currency",
                    "Use letters, digits", "must contain {seq}", "Use a number of digits from 1 to 10"):
        assert message in response.text, message
    saved = await Vendor.objects().get(Vendor.id == vendor.vendor_id)
    assert saved.name == "Acme Ltd" and saved.timezone == "UTC"


async def test_other_vendor_profile_untouched(vendor, other_vendor):
    await vendor.post("/settings/profile", GOOD)
    other = await Vendor.objects().get(Vendor.id == other_vendor.vendor_id)
    assert other.name == "Globex Corp" and other.invoice_prefix == "INV-"


async def test_renamed_business_shows_in_the_sidebar_on_the_next_page(vendor):
    assert "Acme Ltd" in (await vendor.client.get("/invoices")).text  # the logged-in user is now cached
    await vendor.post("/settings/profile", GOOD)
    page = (await vendor.client.get("/invoices")).text
    assert "<strong>Acme GmbH</strong>" in page and "<strong>Acme Ltd</strong>" not in page
