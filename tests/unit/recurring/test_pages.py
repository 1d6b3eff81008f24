"""The Recurring pages over HTTP: make a profile from an invoice, next five dates, pause/resume, isolation, errors."""

from __future__ import annotations

from datetime import date

import pytest

from app.services import clock
from app.tables.invoices import Invoice
from app.tables.recurring import RecurringProfile
from tests import factories
from tests.unit.recurring.helpers import at


@pytest.fixture(autouse=True)
def frozen():
    at(date(2026, 1, 31))
    yield
    clock.freeze(None)


def _post_data(customer_id: int, **values) -> dict:
    data = {"name": "Hosting", "customer": str(customer_id), "currency": "USD", "line_description": "Hosting",
            "line_quantity": "1", "line_unit_price": "49.00", "line_tax_rate": "0", "terms_days": "14",
            "frequency": "monthly", "day_of_month": "31", "start_date": "2026-01-31", "end_mode": "never",
            "action": "draft", "catch_up": "all", "discount": "0"}
    data.update(values)
    return data


async def _profile(vendor, **values) -> int:
    c = await factories.customer(vendor.vendor_id)
    response = await vendor.post("/recurring", _post_data(c.id, **values))
    assert response.status_code == 200 and "/recurring/" in response.headers["hx-redirect"], response.text
    return int(response.headers["hx-redirect"].rsplit("/", 1)[1])


async def test_make_recurring_from_an_invoice_prefills_its_customer_and_lines(vendor):
    c = await factories.customer(vendor.vendor_id, name="Wayne Enterprises")
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, lines=[("Support plan", "3", "25.00", "0")],
                                         terms="net_14")
    page = await vendor.client.get(f"/invoices/{invoice_id}")
    assert f'href="/recurring/new?invoice={invoice_id}"' in page.text and "Make recurring" in page.text
    form = await vendor.client.get(f"/recurring/new?invoice={invoice_id}")
    assert form.status_code == 200
    assert "Support plan" in form.text and f'<option value="{c.id}" selected' in form.text
    assert 'name="terms_days" type="number" value="14"' in form.text


async def test_the_profile_page_shows_the_next_five_dates_on_month_ends(vendor):
    profile_id = await _profile(vendor)
    page = await vendor.client.get(f"/recurring/{profile_id}")
    assert page.status_code == 200
    dates = page.text.split('aria-label="Next five invoice dates"')[1].split("</ol>")[0]
    assert [d in dates for d in ("Jan 31, 2026", "Feb 28, 2026", "Mar 31, 2026", "Apr 30, 2026", "May 31, 2026")] == [
        True] * 5, dates
    listing = await vendor.client.get("/recurring")
    assert "Hosting" in listing.text and "Active" in listing.text and "$49.00" in listing.text


async def test_pause_resume_and_cancel(vendor):
    profile_id = await _profile(vendor)
    paused = await vendor.post(f"/recurring/{profile_id}/pause")
    assert paused.status_code == 200 and "Paused" in paused.text and "None while paused." in paused.text
    again = await vendor.post(f"/recurring/{profile_id}/pause")
    assert again.status_code == 409 and "cannot be paused" in again.text
    resumed = await vendor.post(f"/recurring/{profile_id}/resume")
    assert resumed.status_code == 200 and "Active" in resumed.text
    cancelled = await vendor.post(f"/recurring/{profile_id}/cancel")
    assert "Cancelled" in cancelled.text
    row = await RecurringProfile.select(RecurringProfile.status, RecurringProfile.next_date).where(
        RecurringProfile.id == profile_id).first()
    assert row == {"status": "cancelled", "next_date": None}


async def test_run_now_makes_the_due_invoice_linked_to_its_profile(vendor):
    profile_id = await _profile(vendor)
    response = await vendor.post(f"/recurring/{profile_id}/run")
    assert response.status_code == 200
    invoice = await Invoice.objects().where(Invoice.recurring_profile_id == profile_id).first()
    assert invoice is not None and invoice.total == 4900 and invoice.due_date == date(2026, 2, 14)
    page = await vendor.client.get(f"/recurring/{profile_id}")
    assert f'href="/invoices/{invoice.id}"' in page.text
    detail = await vendor.client.get(f"/invoices/{invoice.id}")
    assert f'href="/recurring/{profile_id}">recurring profile' in detail.text
    await vendor.post(f"/recurring/{profile_id}/run")
    assert await Invoice.count().where(Invoice.recurring_profile_id == profile_id) == 1


async def test_another_vendors_profile_answers_404_and_changes_nothing(vendor, other_vendor):
    profile_id = await _profile(other_vendor)
    for url in (f"/recurring/{profile_id}", f"/recurring/{profile_id}/edit"):
        assert (await vendor.client.get(url)).status_code == 404
    c = await factories.customer(vendor.vendor_id)
    for url in ("pause", "resume", "cancel", "run", ""):
        path = f"/recurring/{profile_id}/{url}".rstrip("/")
        assert (await vendor.post(path, _post_data(c.id, name="Mine now"))).status_code == 404, path
    row = await RecurringProfile.select(RecurringProfile.status, RecurringProfile.name).where(
        RecurringProfile.id == profile_id).first()
    assert row == {"status": "active", "name": "Hosting"}
    mine = await factories.customer(vendor.vendor_id)
    theirs = await factories.customer(other_vendor.vendor_id)
    response = await vendor.post("/recurring", _post_data(theirs.id))
    assert response.status_code == 422 and "Choose a customer." in response.text
    assert (await vendor.client.get("/recurring/new?invoice=abc")).status_code == 404
    assert mine.id


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "Name the profile."),
    ("frequency", "daily", "Choose how often."),
    ("terms_days", "-3", "Enter the days until due, from 0 to 365."),
    ("terms_days", "", "Enter the days until due, from 0 to 365."),
    ("currency", "XYZ", "XYZ is not a currency we know."),
    ("end_mode", "date", "Enter the end date as YYYY-MM-DD."),
    ("start_date", "2026-13-01", "Enter the first invoice date as YYYY-MM-DD."),
    ("start_date", "2025-12-01", "Start today or later"),
    ("line_unit_price", "abc", "Enter a price."),
    ("end_mode", "count", "Enter a number of invoices from 1 to 1000."),
    ("action", "bill-twice", "Choose what happens each period."),
    ("day_of_month", "32", "Enter a day of the month from 1 to 31."),
])
async def test_bad_input_gives_a_field_error_and_saves_nothing(vendor, field, value, message):
    c = await factories.customer(vendor.vendor_id)
    before = await RecurringProfile.count().where(RecurringProfile.vendor == vendor.vendor_id)
    response = await vendor.post("/recurring", _post_data(c.id, **{field: value}))
    assert response.status_code == 422 and message in response.text
    assert 'class="field-error"' in response.text
    assert await RecurringProfile.count().where(RecurringProfile.vendor == vendor.vendor_id) == before


async def test_an_edit_with_errors_keeps_the_profile(vendor):
    profile_id = await _profile(vendor)
    c = await factories.customer(vendor.vendor_id)
    response = await vendor.post(f"/recurring/{profile_id}", _post_data(c.id, name="", frequency="weeks", every="0"))
    assert response.status_code == 422 and "Enter a number of weeks from 1 to 52." in response.text
    ok = await vendor.post(f"/recurring/{profile_id}", _post_data(c.id, name="Hosting plus", frequency="weeks",
                                                                   every="2"))
    assert ok.status_code == 200
    row = await RecurringProfile.select(RecurringProfile.name, RecurringProfile.every).where(
        RecurringProfile.id == profile_id).first()
    assert row == {"name": "Hosting plus", "every": 2}
