"""A sent invoice's e-invoices over HTTP: the Factur-X PDF's embedded XML and the UBL pass the official rules."""

from facturx import get_xml_from_pdf

from app.services.invoices.editor import EditorErrors
from app.services.invoices.lifecycle import send_invoice
from tests import factories
from tests.unit.einvoice.rules import cii_problems, ubl_problems

BUSINESS = {"address": "Hauptstr. 1\n10115 Berlin", "country": "DE", "vat_id": "DE136695976",
            "phone": "+49 30 123456", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX",
            "accent_color": "#4f46e5"}


async def _sent(vendor, rates=("19", "7"), **customer) -> int:
    await vendor.client.post("/settings/business", data=BUSINESS, files={"logo": ("", b"", "application/octet-stream")},
                             headers=vendor.headers())
    c = await factories.customer(vendor.vendor_id, "Beispiel KG", currency="EUR",
                                 billing_address="Ring 5\n80331 München", **customer)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, currency="EUR", lines=[
        ("Consulting", "10", "120.00", rates[0]), ("Books", "3", "19.99", rates[1])])
    await send_invoice(vendor.vendor_id, invoice_id, "manual")
    return invoice_id


async def test_facturx_and_ubl_of_a_german_invoice_pass_the_rules(vendor):
    invoice_id = await _sent(vendor, country="DE", tax_id="DE123456788")
    pdf = await vendor.client.get(f"/invoices/{invoice_id}/facturx.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    name, xml = get_xml_from_pdf(pdf.content, check_xsd=True)
    assert name == "factur-x.xml" and cii_problems(xml) == []
    ubl = await vendor.client.get(f"/invoices/{invoice_id}/ubl.xml")
    assert ubl.status_code == 200 and ubl_problems(ubl.content) == []
    assert b"<cbc:PayableAmount currencyID=\"EUR\">1492.17<" in ubl.content  # 1,200 + 228 + 59.97 + 4.20


async def test_a_reverse_charge_invoice_downloads_as_category_ae(vendor):
    invoice_id = await _sent(vendor, rates=("0", "0"), country="FR", tax_id="FR40303265045", reverse_charge=True)
    ubl = await vendor.client.get(f"/invoices/{invoice_id}/ubl.xml")
    assert ubl.status_code == 200 and ubl_problems(ubl.content) == []
    assert b"<cbc:ID>AE</cbc:ID>" in ubl.content and b"Art. 196" in ubl.content


async def test_drafts_have_no_einvoice_and_other_vendors_get_404(vendor, other_vendor):
    c = await factories.customer(vendor.vendor_id)
    draft = await factories.invoice(vendor.vendor_id, c.id)
    answer = await vendor.client.get(f"/invoices/{draft}/ubl.xml")
    assert answer.status_code == 422 and "once the invoice is sent" in answer.text
    invoice_id = await _sent(vendor, country="DE", tax_id="DE123456788")
    assert (await other_vendor.client.get(f"/invoices/{invoice_id}/facturx.pdf")).status_code == 404
    assert (await other_vendor.client.get(f"/invoices/{invoice_id}/ubl.xml")).status_code == 404


async def test_a_reverse_charged_customer_gets_no_vat_on_lines(vendor):
    c = await factories.customer(vendor.vendor_id, country="FR", tax_id="FR40303265045", reverse_charge=True)
    try:
        await factories.invoice(vendor.vendor_id, c.id, lines=[("Consulting", "1", "100.00", "19")])
    except EditorErrors as exc:
        assert "reverse-charged: set the tax to 0%" in exc.errors["lines"]
    else:
        raise AssertionError("a 19 % line was accepted for a reverse-charged customer")
