"""Settings > Business details: logo checked and resized, VAT id, IBAN and BIC checked, errors in place."""

import base64
import io

import pypdf
from PIL import Image

from app.services.invoices.lifecycle import send_invoice
from app.tables.payments import PaymentLink
from app.tables.vendors import Vendor
from tests import factories

GOOD = {"address": "Hauptstr. 1\n10115 Berlin", "country": "DE", "vat_id": "DE 136 695 976",
        "company_number": "HRB 12345", "phone": "+49 30 123456", "website": "https://acme.example",
        "bank_name": "Acme Bank", "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX",
        "accent_color": "#0E7490", "default_notes": "Thank you!", "default_footer": "Acme GmbH, Berlin",
        "attach_einvoices": "on"}


def _image(fmt: str, size=(1200, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (14, 116, 144)).save(out, format=fmt)
    return out.getvalue()


async def _post(vendor, data, logo: tuple[str, bytes, str] | None = None):
    files = {"logo": logo} if logo else {"logo": ("", b"", "application/octet-stream")}
    return await vendor.client.post("/settings/business", data=data, files=files, headers=vendor.headers())


async def test_business_details_and_a_jpeg_logo_are_saved_and_the_logo_resized(vendor):
    response = await _post(vendor, GOOD, ("logo.jpg", _image("JPEG"), "image/jpeg"))
    assert response.status_code == 200 and "Business details saved." in response.text
    saved = await Vendor.objects().get(Vendor.id == vendor.vendor_id)
    assert (saved.vat_id, saved.iban, saved.bic, saved.accent_color) == (
        "DE136695976", "DE89370400440532013000", "COBADEFFXXX", "#0e7490")
    assert saved.attach_einvoices is True
    with Image.open(io.BytesIO(base64.b64decode(saved.logo_png))) as logo:
        assert logo.format == "PNG" and logo.width <= 600 and logo.height <= 240
    assert "Current logo" in (await vendor.client.get("/settings")).text


async def test_bad_details_are_refused_in_place_and_nothing_changes(vendor):
    bad = {**GOOD, "vat_id": "DE123", "iban": "DE89 3704 0044 0532 0130 01", "bic": "12", "country": "QQ",
           "accent_color": "red"}
    response = await _post(vendor, bad, ("logo.gif", b"GIF89a" + b"\0" * 20, "image/gif"))
    assert response.status_code == 422
    for message in ("not a valid EU VAT id", "not a valid IBAN", "A BIC has 8 or 11", "Choose a country",
                    "Pick a colour", "PNG or JPEG image"):
        assert message in response.text, message
    saved = await Vendor.objects().get(Vendor.id == vendor.vendor_id)
    assert (saved.vat_id, saved.iban, saved.logo_png) == ("", "", "")


async def test_a_gif_or_an_oversized_logo_is_refused(vendor, other_vendor):
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    response = await _post(vendor, GOOD, ("logo.png", gif.getvalue(), "image/png"))  # named .png: content counts
    assert response.status_code == 422 and "Upload the logo as a PNG or JPEG image." in response.text
    huge = _image("PNG") + b"\0" * (1024 * 1024)
    response = await _post(vendor, GOOD, ("logo.png", huge, "image/png"))
    assert response.status_code == 422 and "larger than 1 MB" in response.text
    assert (await Vendor.objects().get(Vendor.id == vendor.vendor_id)).vat_id == ""
    assert (await Vendor.objects().get(Vendor.id == other_vendor.vendor_id)).logo_png == ""


async def test_details_reach_the_pdf_the_email_and_new_invoices(vendor):
    await _post(vendor, GOOD, ("logo.png", _image("PNG"), "image/png"))
    editor = (await vendor.client.get("/invoices/new")).text
    assert "Thank you!" in editor and "Acme GmbH, Berlin" in editor
    customer = await factories.customer(vendor.vendor_id)
    invoice_id = await factories.invoice(vendor.vendor_id, customer.id)
    pdf = await vendor.client.get(f"/invoices/{invoice_id}/pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("Hauptstr. 1", "VAT ID DE136695976", "Reg. no. HRB 12345", "IBAN DE89 3704 0044 0532 0130 00",
                     "BIC COBADEFFXXX"):
        assert expected in text, expected
    assert any(page.images for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)  # the logo


async def test_the_pay_page_shows_the_logo_bank_details_and_the_reverse_charge_note(vendor, client):
    await _post(vendor, GOOD, ("logo.png", _image("PNG"), "image/png"))
    customer = await factories.customer(vendor.vendor_id, country="FR", tax_id="FR40303265045", reverse_charge=True)
    invoice_id = await factories.invoice(vendor.vendor_id, customer.id)
    await send_invoice(vendor.vendor_id, invoice_id, "manual")
    await PaymentLink(vendor=vendor.vendor_id, invoice=invoice_id, token="t" * 40).save()
    page = (await client.get("/pay/" + "t" * 40)).text
    assert 'class="pay-logo" src="data:image/png;base64,' in page
    assert "IBAN <span class=\"mono\">DE89370400440532013000</span>" in page and "VAT ID DE136695976" in page
    assert "Art. 196 Directive 2006/112/EC" in page
