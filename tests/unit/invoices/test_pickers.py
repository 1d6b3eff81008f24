"""The time zone and currency pickers offer current IANA zones by region and currencies in use today; the forms
accept exactly what the pickers offer."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from app.tables.customers import Customer
from app.tables.vendors import Vendor

PROFILE = {"name": "Acme Ltd", "timezone": "Europe/Paris", "default_currency": "EUR", "invoice_prefix": "INV-",
           "invoice_number_pattern": "{prefix}{year}-{seq}", "invoice_number_padding": "4"}
STALE_ZONES = ("Factory", "localtime", "US/Eastern", "Asia/Calcutta", "Europe/Kiev", "Etc/GMT+5", "GMT", "EST5EDT")
STALE_CURRENCIES = ("ADP", "AFA", "XAU", "XXX", "XTS", "HRK", "DEM")


def _options(html: str, select: str) -> list[str]:
    block = re.search(rf'<select id="f-{select}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"', block)


async def test_time_zone_picker_offers_current_zones_grouped_by_region(vendor):
    page = (await vendor.client.get("/settings")).text
    zones = _options(page, "timezone")
    for zone in ("UTC", "Europe/Paris", "Asia/Tokyo", "Asia/Kolkata", "Europe/Kyiv", "America/Argentina/Buenos_Aires"):
        assert zone in zones, zone
    for zone in STALE_ZONES:
        assert zone not in zones, zone
    assert len(zones) == len(set(zones)) and 350 < len(zones) < 500
    for zone in zones:
        ZoneInfo(zone)  # every offered zone loads
    block = re.search(r'<select id="f-timezone".*?</select>', page, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)"', block)
    assert {"Africa", "America", "Asia", "Australia", "Europe", "Pacific"} <= set(groups)
    assert re.search(r'<option value="Europe/Paris"\s*>Paris \(France\)</option>', block)


async def test_currency_pickers_offer_only_currencies_in_use(vendor):
    settings_page = (await vendor.client.get("/settings")).text
    customer_form = (await vendor.client.get("/customers/new", headers=vendor.headers())).text
    editor = (await vendor.client.get("/invoices/new")).text
    offered = {
        "settings": _options(settings_page, "default_currency"),
        "customer": _options(customer_form, "currency"),
        "editor": re.findall(r'<option value="([A-Z]{3})"', re.search(r'<datalist id="currency-list">.*?</datalist>',
                                                                      editor, re.S).group(0)),
    }
    for where, codes in offered.items():
        for code in ("USD", "EUR", "JPY", "GBP", "KWD", "CHF"):
            assert code in codes, (where, code)
        for code in STALE_CURRENCIES:
            assert code not in codes, (where, code)
        assert 140 < len(codes) < 170, where
    assert "EUR · Euro" in settings_page


async def test_the_profile_accepts_exactly_what_the_pickers_offer(vendor):
    for zone in STALE_ZONES:
        response = await vendor.post("/settings/profile", {**PROFILE, "timezone": zone})
        assert response.status_code == 422 and "Choose a time zone from the list" in response.text, zone
    for code in STALE_CURRENCIES:
        response = await vendor.post("/settings/profile", {**PROFILE, "default_currency": code})
        assert response.status_code == 422 and "Choose a currency from the list" in response.text, code
    saved = await Vendor.objects().get(Vendor.id == vendor.vendor_id)
    assert (saved.timezone, saved.default_currency) == ("UTC", "USD")  # nothing of it was stored

    page = (await vendor.client.get("/settings")).text
    for zone in _options(page, "timezone")[::40] + ["UTC"]:
        response = await vendor.post("/settings/profile", {**PROFILE, "timezone": zone})
        assert response.status_code == 200, zone
    for code in _options(page, "default_currency")[::15]:
        response = await vendor.post("/settings/profile", {**PROFILE, "default_currency": code})
        assert response.status_code == 200, code


async def test_customers_and_invoices_refuse_a_currency_not_in_use(vendor):
    response = await vendor.post("/customers", {"name": "Gold Buyer", "email": "g@example.com", "currency": "XAU"})
    assert response.status_code == 422
    assert not await Customer.exists().where((Customer.vendor == vendor.vendor_id) & (Customer.name == "Gold Buyer"))


async def test_a_vendor_on_a_deprecated_alias_sees_todays_name_selected(vendor):
    await Vendor.update({Vendor.timezone: "Asia/Calcutta"}).where(Vendor.id == vendor.vendor_id)
    page = (await vendor.client.get("/settings")).text
    assert re.search(r'<option value="Asia/Kolkata" selected>', page)
