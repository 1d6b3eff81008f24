"""Settings > Tax rates through HTTP: add, default, archive, delete; field errors in place; the editor uses them."""

from decimal import Decimal

from facturx import get_xml_from_pdf

from app.services.invoices.lifecycle import send_invoice
from app.tables.invoices import Invoice, InvoiceLine
from app.tables.tax import TaxRate
from app.tables.vendors import Vendor
from tests import factories
from tests.unit.einvoice.rules import cii_problems, ubl_problems
from tests.unit.tax.test_modes_agree import BUSINESS


async def _add(vendor, name, percent, category="S", **extra):
    return await vendor.post("/settings/tax-rates/", {"name": name, "percent": percent, "category": category, **extra})


async def _rates(vendor_id):
    return await TaxRate.objects().where(TaxRate.vendor == vendor_id).order_by(TaxRate.id)


async def test_rates_are_added_and_the_first_is_the_default(vendor):
    assert (await _add(vendor, "VAT 19%", "19")).status_code == 200
    response = await _add(vendor, "VAT 7%", "7")
    assert response.status_code == 200 and "Tax rate VAT 7% added." in response.text
    assert (await _add(vendor, "Export", "0", "G")).status_code == 200
    rates = await _rates(vendor.vendor_id)
    assert [(r.name, r.percent, r.category, r.is_default) for r in rates] == [
        ("VAT 19%", Decimal(19), "S", True), ("VAT 7%", Decimal(7), "S", False), ("Export", Decimal(0), "G", False)]
    page = (await vendor.client.get("/settings")).text
    assert "Tax rates" in page and "VAT 7%" in page and "Once per rate per invoice" in page
    await vendor.post(f"/settings/tax-rates/{rates[1].id}/default", {})
    assert [r.is_default for r in await _rates(vendor.vendor_id)] == [False, True, False]


async def test_bad_rates_are_refused_in_place_and_nothing_is_saved(vendor):
    cases = [({"name": "", "percent": "19", "category": "S"}, "Name the rate"),
             ({"name": "VAT", "percent": "abc", "category": "S"}, "Enter a percentage from 0 to 100"),
             ({"name": "VAT", "percent": "101", "category": "S"}, "Enter a percentage from 0 to 100"),
             ({"name": "VAT", "percent": "19", "category": "XX"}, "Choose a tax category"),
             ({"name": "Zero", "percent": "5", "category": "Z"}, "Category Z is charged at 0%"),
             ({"name": "Std", "percent": "0", "category": "S"}, "use Z (zero rated) for 0%")]
    for data, message in cases:
        response = await vendor.post("/settings/tax-rates/", data)
        assert response.status_code == 422 and message in response.text, data
        assert 'aria-invalid="true"' in response.text
    assert await _rates(vendor.vendor_id) == []
    await _add(vendor, "VAT 19%", "19")
    response = await _add(vendor, "VAT 19%", "19")
    assert response.status_code == 422 and "exists already" in response.text
    assert len(await _rates(vendor.vendor_id)) == 1


async def test_a_rate_in_use_is_archived_not_deleted(vendor):
    await _add(vendor, "VAT 19%", "19")
    await _add(vendor, "VAT 7%", "7")
    used, unused = await _rates(vendor.vendor_id)
    c = await factories.customer(vendor.vendor_id, currency="EUR")
    await factories.invoice(vendor.vendor_id, c.id, currency="EUR", lines=[("Work", "1", "100.00", "0")])
    line = await InvoiceLine.objects().first()
    await InvoiceLine.update({InvoiceLine.tax_rate_ref: used.id}).where(InvoiceLine.id == line.id)

    response = await vendor.post(f"/settings/tax-rates/{used.id}/delete", {})
    assert response.status_code == 422 and "cannot be deleted. Archive it instead." in response.text
    assert (await vendor.post(f"/settings/tax-rates/{unused.id}/delete", {})).status_code == 200
    assert [r.id for r in await _rates(vendor.vendor_id)] == [used.id]
    response = await vendor.post(f"/settings/tax-rates/{used.id}", {"name": "VAT", "percent": "16", "category": "S"})
    assert response.status_code == 422 and "its percent and category stay" in response.text
    assert (await vendor.post(f"/settings/tax-rates/{used.id}/archive", {})).status_code == 200
    archived = (await _rates(vendor.vendor_id))[0]
    assert archived.archived_at is not None and archived.is_default is False
    editor = (await vendor.client.get("/invoices/new")).text
    assert "VAT 19%" not in editor  # archived rates are no longer offered


async def test_another_vendors_rate_is_not_found_and_not_usable(vendor, other_vendor):
    await _add(other_vendor, "VAT 19%", "19")
    theirs = (await _rates(other_vendor.vendor_id))[0]
    for action in ("default", "archive", "delete"):
        assert (await vendor.post(f"/settings/tax-rates/{theirs.id}/{action}", {})).status_code == 404
    c = await factories.customer(vendor.vendor_id)
    data = {"customer": str(c.id), "currency": "USD", "issue_date": "2026-04-01", "terms": "net_30", "discount": "0",
            "action": "draft", "line_description": ["Work"], "line_quantity": ["1"], "line_unit_price": ["100"],
            "line_tax_rate": [""], "line_tax_rate_id": [str(theirs.id)]}
    response = await vendor.post("/invoices/new", data)
    assert response.status_code == 422 and "Choose one of your tax rates." in response.text
    assert await Invoice.count().where(Invoice.vendor == vendor.vendor_id) == 0
    assert (await _rates(other_vendor.vendor_id))[0].is_default is True


async def test_editor_preselects_the_default_and_saves_rate_category_and_inclusive_prices(vendor):
    await _add(vendor, "VAT 19%", "19")
    await _add(vendor, "VAT 7%", "7", is_default="on")
    await _add(vendor, "Exempt", "0", "E")
    v19, v7, exempt = await _rates(vendor.vendor_id)
    page = (await vendor.client.get("/invoices/new")).text
    assert f'<option value="{v7.id}" selected>VAT 7%</option>' in page and "Prices include tax" in page
    c = await factories.customer(vendor.vendor_id, currency="EUR")
    data = {"customer": str(c.id), "currency": "EUR", "issue_date": "2026-04-01", "terms": "net_30", "discount": "0",
            "action": "draft", "prices_include_tax": "on",
            "line_description": ["Consulting", "Book", "Course"], "line_quantity": ["1", "1", "1"],
            "line_unit_price": ["119.00", "10.70", "50.00"], "line_tax_rate": ["", "", ""],
            "line_tax_rate_id": [str(v19.id), str(v7.id), str(exempt.id)]}
    response = await vendor.post("/invoices/new", data)
    assert response.status_code == 201, response.text
    invoice = await Invoice.objects().where(Invoice.vendor == vendor.vendor_id).first()
    assert invoice.prices_include_tax is True
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (10000 + 1000 + 5000, 1900 + 70, 17970)
    lines = await InvoiceLine.objects().where(InvoiceLine.invoice == invoice.id).order_by(InvoiceLine.position)
    assert [(l.tax_rate_ref, l.tax_category, l.tax_rate) for l in lines] == [
        (v19.id, "S", Decimal(19)), (v7.id, "S", Decimal(7)), (exempt.id, "E", Decimal(0))]
    edit = (await vendor.client.get(f"/invoices/{invoice.id}/edit")).text
    assert f'<option value="{exempt.id}" selected>Exempt</option>' in edit and 'name="prices_include_tax" data-testid="prices-include-tax" checked' in edit


async def test_the_vendors_rounding_mode_decides_how_tax_is_rounded(vendor):
    c = await factories.customer(vendor.vendor_id, currency="JPY")
    lines = [("Item", "1", "1005", "10")] * 3
    per_line = await factories.invoice(vendor.vendor_id, c.id, currency="JPY", lines=lines)
    response = await vendor.post("/settings/tax-rates/rounding", {"tax_rounding": "rate"})
    assert response.status_code == 200 and "Rounding saved" in response.text
    assert (await Vendor.objects().get(Vendor.id == vendor.vendor_id)).tax_rounding == "rate"
    per_rate = await factories.invoice(vendor.vendor_id, c.id, currency="JPY", lines=lines)
    first = await Invoice.objects().get(Invoice.id == per_line)
    second = await Invoice.objects().get(Invoice.id == per_rate)
    assert (first.tax_total, second.tax_total) == (303, 302)
    response = await vendor.post("/settings/tax-rates/rounding", {"tax_rounding": "sometimes"})
    assert response.status_code == 422 and "Choose how tax is rounded." in response.text


async def test_a_named_exempt_rate_goes_into_the_einvoice_as_category_e_and_passes_the_rules(vendor):
    await vendor.client.post("/settings/business", data=BUSINESS, files={"logo": ("", b"", "application/octet-stream")},
                             headers=vendor.headers())
    await _add(vendor, "VAT 19%", "19")
    await _add(vendor, "Exempt (medical)", "0", "E")
    v19, exempt = await _rates(vendor.vendor_id)
    c = await factories.customer(vendor.vendor_id, "Beispiel KG", currency="EUR", billing_address="Ring 5\n80331 München",
                                 country="DE", tax_id="DE123456788")
    data = {"customer": str(c.id), "currency": "EUR", "issue_date": "2026-04-01", "terms": "net_30", "discount": "0",
            "action": "draft", "line_description": ["Consulting", "Therapy"], "line_quantity": ["2", "1"],
            "line_unit_price": ["100.00", "80.00"], "line_tax_rate": ["", ""],
            "line_tax_rate_id": [str(v19.id), str(exempt.id)]}
    assert (await vendor.post("/invoices/new", data)).status_code == 201
    invoice = await Invoice.objects().where(Invoice.vendor == vendor.vendor_id).first()
    await send_invoice(vendor.vendor_id, invoice.id, "manual")
    ubl = (await vendor.client.get(f"/invoices/{invoice.id}/ubl.xml")).content
    assert b"<cbc:ID>E</cbc:ID>" in ubl and b"VATEX-EU-132" in ubl and ubl_problems(ubl) == []
    _, xml = get_xml_from_pdf((await vendor.client.get(f"/invoices/{invoice.id}/facturx.pdf")).content)
    assert b"<ram:CategoryCode>E</ram:CategoryCode>" in xml and cii_problems(xml) == []
