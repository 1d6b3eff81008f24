"""Customer tax details: country, VAT id format (python-stdnum), reverse charge only for EU businesses."""

import io

import pypdf

from app.tables.customers import Customer
from app.services.invoices.documents import load_document
from app.services.invoices.pdf import render_pdf
from tests import factories

BASE = {"name": "Beispiel GmbH", "email": "ap@beispiel.example", "currency": "EUR"}


async def test_a_german_business_with_a_vat_id_can_be_reverse_charged(vendor):
    data = {**BASE, "country": "de", "tax_id": "DE 136695976", "reverse_charge": "on"}
    response = await vendor.post("/customers", data)
    assert response.status_code in (200, 201), response.text
    saved = await Customer.objects().where(Customer.vendor == vendor.vendor_id).first()
    assert (saved.country, saved.tax_id, saved.reverse_charge) == ("DE", "DE136695976", True)


async def test_bad_vat_ids_and_reverse_charge_without_a_vat_id_are_refused_in_place(vendor):
    cases = [({"country": "DE", "tax_id": "DE123"}, "not a valid EU VAT id"),
             ({"country": "FR", "tax_id": "DE136695976"}, "starts with the country code FR"),
             ({"country": "US", "tax_id": "", "reverse_charge": "on"}, "Reverse charge applies to EU businesses"),
             ({"country": "XX"}, "Choose a country from the list.")]
    for extra, message in cases:
        response = await vendor.post("/customers", {**BASE, **extra})
        assert response.status_code == 422 and message in response.text, (extra, response.text[-400:])
    assert await Customer.count().where(Customer.vendor == vendor.vendor_id) == 0


async def test_a_reverse_charge_invoice_prints_the_legal_note(vendor):
    customer = await factories.customer(vendor.vendor_id, country="DE", tax_id="DE136695976", reverse_charge=True)
    invoice_id = await factories.invoice(vendor.vendor_id, customer.id)
    text = _pdf_text(render_pdf(await load_document(vendor.vendor_id, invoice_id)))
    assert "Reverse charge: VAT to be accounted for by the recipient, Art. 196 Directive 2006/112/EC" in text
    assert "VAT ID: DE136695976" in text


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages)
