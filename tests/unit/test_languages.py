"""Documents in the customer's language: pay page, invoice PDF, emails and credit notes, with babel's formats."""

from __future__ import annotations

import pypdfium2
import pytest

from app.i18n import LANGUAGES, LOCALE_DIR, compile_catalog, texts_for, translations
from app.services.invoices.lifecycle import send_invoice
from app.services.mail import compose as mail
from app.services.invoices.documents import load_document
from app.tables.customers import Customer
from app.tables.payments import PaymentLink
from tests import factories

# labels, the locale's amount for 1,037.45 EUR, its date for 2026-04-01, email words, the tax row
CASES = {
    "de": (("Fälliger Betrag", "RECHNUNG AN", "Einzelpreis", "Zwischensumme"), "1.037,45\xa0€", "01.04.2026",
           ("Rechnung", "Online bezahlen", "Fällig am"), "MwSt. 19 %"),
    "fr": (("Montant dû", "FACTURÉ À", "Prix unitaire", "Sous-total"), "1\u202f037,45\xa0€", "1 avr. 2026",
           ("Facture", "Payer en ligne", "Date d'échéance"), "TVA 19 %"),
    "es": (("Importe adeudado", "FACTURAR A", "Precio unitario", "Subtotal"), "1.037,45\xa0€", "1 abr 2026",
           ("Factura", "Pagar en línea", "Fecha de vencimiento"), "IVA 19 %"),
    "ja": (("ご請求額", "請求先", "単価", "小計"), "€1,037.45", "2026/04/01",
           ("請求書", "オンラインで支払う", "支払期日"), "消費税 19%"),
}


def _text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return " ".join(text.split(" ")).replace("\r\n", " ")  # a narrow column wraps a label onto two lines


async def _sent(vendor, language: str, name: str = "Beispiel KG") -> int:
    c = await factories.customer(vendor.vendor_id, name, currency="EUR", language=language)
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, currency="EUR", issue_date="2026-04-01",
                                         terms="net_14", lines=[("Beratung", "1", "1037.45", "19")])
    await send_invoice(vendor.vendor_id, invoice_id, "manual")
    await PaymentLink(vendor=vendor.vendor_id, invoice=invoice_id, token=f"lang-{language}-{invoice_id}").save()
    return invoice_id


def test_every_catalog_translates_every_message():
    pot = (LOCALE_DIR / "messages.pot").read_text(encoding="utf-8")
    msgids = [line[7:-1] for line in pot.splitlines() if line.startswith('msgid "') and line != 'msgid ""']
    assert len(msgids) > 80
    for language in set(LANGUAGES) - {"en"}:
        compile_catalog(language, write=False)  # compiles without errors
        catalog = translations(language)
        # a message is translated when the compiled catalog holds it (words such as "Status" or "PDF" read the same)
        untranslated = [m for m in msgids if "\\" not in m and m not in catalog._catalog]
        assert untranslated == [], (language, untranslated)


@pytest.mark.parametrize("language", sorted(CASES))
async def test_pay_page_and_pdf_speak_the_customers_language(vendor, language):
    labels, money, day, _, tax = CASES[language]
    invoice_id = await _sent(vendor, language)
    amount = money  # the subtotal, 1 x 1,037.45, as the locale writes it
    assert texts_for(language).money(103745, "EUR") == money
    page = (await vendor.client.get(f"/pay/lang-{language}-{invoice_id}")).text
    assert f'<html lang="{language}">' in page
    for label in labels[0:1] + labels[2:]:
        assert label in page, label
    assert amount in page and day in page
    text = _text((await vendor.client.get(f"/invoices/{invoice_id}/pdf")).content)
    for label in labels:  # the lines table prints its heading in capitals
        assert label in text or label.upper() in text, (label, text[:600])
    assert amount in text and day in text and tax in text
    assert "no font on this server" not in text


async def test_english_stays_as_before_and_the_vendors_language_is_the_default(vendor):
    invoice_id = await _sent(vendor, "")
    text = _text((await vendor.client.get(f"/invoices/{invoice_id}/pdf")).content)
    assert "BILL TO" in text and "Apr 1, 2026" in text and "€1,037.45" in text and "Tax 19%" in text
    await vendor.client.post("/settings/business", data={"language": "de", "accent_color": "#4f46e5"},
                             files={"logo": ("", b"", "application/octet-stream")}, headers=vendor.headers())
    second = await _sent(vendor, "")
    text = _text((await vendor.client.get(f"/invoices/{second}/pdf")).content)
    assert "RECHNUNG AN" in text and "01.04.2026" in text
    # the vendor's own pages stay in English
    details = (await vendor.client.get(f"/invoices/{second}")).text
    assert "Amount due" in details and "Fälliger Betrag" not in details


@pytest.mark.parametrize("language", sorted(CASES))
async def test_invoice_and_reminder_emails_speak_the_customers_language(vendor, language):
    _, _, _, words, _ = CASES[language]
    invoice_id = await _sent(vendor, language)
    doc = await load_document(vendor.vendor_id, invoice_id)
    composed = mail.compose("invoice", doc, mail.default_message("invoice", doc))
    assert words[0] in composed.subject and words[1] in composed.html and words[2] in composed.text
    assert f'<html lang="{language}">' in composed.html
    reminder = mail.compose("reminder", doc, mail.default_message("reminder", doc))
    assert words[0] in reminder.text and "friendly reminder" not in reminder.text


async def test_a_bad_language_is_refused_in_place(vendor):
    response = await vendor.post("/customers/", {"name": "X", "email": "x@example.com", "currency": "EUR",
                                                    "language": "xx"})
    assert response.status_code == 422 and "Choose a language from the list." in response.text
    assert await Customer.count().where(Customer.vendor == vendor.vendor_id) == 0
