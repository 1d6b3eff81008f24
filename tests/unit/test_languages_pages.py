"""The quote page, quote PDF and email, the portal, its statement (page, PDF, CSV) and the sign-in email speak the
customer's language, with babel's number and date formats; the vendor's own pages stay in English."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from markupsafe import escape

import pypdfium2
import pytest

from app.i18n import texts_for
from app.services import clock
from app.services.quotes.lifecycle import send_defaults, send_quote
from app.tables.mail import OutboxMessage
from app.tables.portal import PortalRequest
from app.tables.quotes import Quote
from tests import factories
from tests.unit.portal.helpers import (ask_for_link, csrf_of, link_in, portal_client_for, portal_mails, sent_invoice,
                                       sign_in)

# per language: the quote page's words, the quote PDF's, the portal's, the statement's, the CSV header,
# 1,037.45 EUR and 1,234.57 EUR as the locale writes them, and 2026-11-01
CASES = {
    "de": {"quote": ("Angebot", "Angebot annehmen", "Dieses Angebot ablehnen", "Gültig bis", "Einzelpreis",
                     "Zwischensumme", "Angebotspositionen"),
           "quote_pdf": ("ANGEBOT", "ANGEBOT FÜR", "Gültig bis", "Zwischensumme", "EINZELPREIS"),
           "portal": ("Kundenportal für", "Offener Betrag", "Übersicht", "Abmelden", "Rechnungen", "Fällig"),
           "statement": ("Kontoauszug", "Anfangssaldo", "Schlusssaldo", "Bewegungen", "Kontoauszug anzeigen"),
           "statement_pdf": ("KONTOAUSZUG", "KONTOAUSZUG FÜR", "Anfangssaldo", "Schlusssaldo", "BESCHREIBUNG"),
           "csv": ["Datum", "Art", "Referenz", "Beschreibung", "Betrag", "Offener Betrag", "Währung"],
           "mail": ("Angebot", "Ihr Anmeldelink für"),
           "net": "1.037,45\xa0€", "gross": "1.234,57\xa0€", "day": "01.11.2026"},
    "ja": {"quote": ("見積書", "見積書を承認", "この見積書を辞退する", "有効期限", "単価", "小計", "見積明細"),
           "quote_pdf": ("見積書", "見積先", "有効期限", "小計", "単価"),
           "portal": ("カスタマーポータル", "未払残高", "概要", "サインアウト", "請求書", "期日"),
           "statement": ("取引明細", "期首残高", "期末残高", "取引履歴", "明細を表示"),
           "statement_pdf": ("取引明細書", "明細書の宛先", "期首残高", "期末残高", "残高"),
           "csv": ["日付", "種類", "参照番号", "品目", "金額", "残高", "通貨"],
           "mail": ("見積書", "サインインリンク"),
           "net": "€1,037.45", "gross": "€1,234.57", "day": "2026/11/01"},
}


def _pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return text.replace("\r\n", " ")


async def _customer(vendor_id: int, language: str):
    email = f"{uuid.uuid4().hex[:8]}@kunde.example"
    return await factories.customer(vendor_id, "Beispiel KG", email=email, currency="EUR", language=language), email


@pytest.mark.parametrize("language", sorted(CASES))
async def test_the_quote_page_pdf_and_email_speak_the_customers_language(vendor, client, language):
    case = CASES[language]
    customer, _ = await _customer(vendor.vendor_id, language)
    quote_id = await factories.quote(vendor.vendor_id, customer.id, currency="EUR",
                                     lines=[("Beratung", "1", "1037.45", "19")])
    await send_quote(vendor.vendor_id, quote_id, await send_defaults(vendor.vendor_id, quote_id))
    quote = await Quote.objects().where(Quote.id == quote_id).first()
    mail = await OutboxMessage.select().where(OutboxMessage.kind == "quote").order_by(
        OutboxMessage.id, ascending=False).first()
    assert case["mail"][0] in mail["subject"] and quote.number in mail["subject"]
    assert case["gross"] in mail["text"] and texts_for(language).date(quote.expiry_date) in mail["text"]

    page = (await client.get(f"/quote/{quote.token}")).text
    assert f'<html lang="{language}">' in page
    for word in case["quote"]:
        assert word in page, word
    assert case["net"] in page and case["gross"] in page
    assert texts_for(language).date(quote.expiry_date) in page
    assert "Accept quote" not in page and "Valid until" not in page

    refused = await client.post(f"/quote/{quote.token}/accept", data={"name": ""},
                                headers={"x-csrftoken": await csrf_of(client, f"/quote/{quote.token}")})
    assert refused.status_code == 422
    assert texts_for(language)("Type your full name to accept.") in refused.text

    text = _pdf_text((await client.get(f"/quote/{quote.token}/quote.pdf")).content)
    for word in case["quote_pdf"]:
        assert word in text, (word, text[:500])
    assert case["gross"] in text and ("19 %" if language == "de" else "19%") in text

    # the vendor's own quote page stays in English; the preview shows the customer's language under an English note
    details = (await vendor.client.get(f"/quotes/{quote_id}")).text
    assert "<dt>Valid until</dt>" in details and "Angebot annehmen" not in details and "見積書を承認" not in details
    preview = (await vendor.client.get(f"/quotes/{quote_id}/preview")).text
    assert '<html lang="en">' in preview and "This is how your customer sees the quote" in preview
    assert case["quote"][3] in preview


@pytest.mark.parametrize("language", sorted(CASES))
async def test_the_portal_and_its_statement_speak_the_customers_language(vendor, client, language):
    case = CASES[language]
    customer, email = await _customer(vendor.vendor_id, language)
    _, token = await sent_invoice(vendor.vendor_id, customer.id, f"INV-{language}-1", 103745, currency="EUR",
                                  issued=date(2026, 11, 1))
    ask = (await client.get(f"/portal/request?pay={token}")).text
    assert f'<html lang="{language}">' in ask and texts_for(language)("Email me a sign-in link") in ask
    await ask_for_link(client, token, email)
    message = (await portal_mails(email))[-1]
    assert case["mail"][1] in message["subject"]
    assert texts_for(language)("Open your portal") in message["html"]
    confirm = (await client.get(link_in(message))).text
    assert f'<html lang="{language}">' in confirm and texts_for(language)("Open my portal") in confirm
    await portal_client_for(client, token, email)

    home = (await client.get("/portal")).text
    assert f'<html lang="{language}">' in home
    for word in case["portal"]:
        assert word in home, word
    assert case["net"] in home and case["day"] in home

    q = "start=2026-11-01&end=2026-11-30&currency=EUR"
    page = (await client.get(f"/portal/statement?{q}")).text
    for word in case["statement"]:
        assert word in page, word
    assert case["net"] in page and case["day"] in page
    assert f'data-label="{texts_for(language)("Balance")}"' in page and 'data-label="Balance"' not in page
    invoice_line = texts_for(language)("Invoice %(number)s", number=f"INV-{language}-1")
    assert invoice_line in page and f"Invoice INV-{language}-1" not in page

    text = _pdf_text((await client.get(f"/portal/statement.pdf?{q}")).content)
    assert invoice_line in text
    for word in case["statement_pdf"]:
        assert word in text, (word, text)
    assert case["net"] in text and case["day"] in text

    rows = list(csv.reader(io.StringIO((await client.get(f"/portal/statement.csv?{q}")).text)))
    assert rows[0] == case["csv"]
    assert rows[1][:2] == ["2026-11-01", texts_for(language)("Opening balance")]  # ISO days for spreadsheets
    assert "1037.45" in [cell for row in rows for cell in row]  # plain numbers for spreadsheets


async def test_an_english_customer_sees_the_portal_and_quote_as_before(vendor, client):
    customer, email = await _customer(vendor.vendor_id, "en")
    _, token = await sent_invoice(vendor.vendor_id, customer.id, "INV-EN-1", 103745, currency="EUR")
    await portal_client_for(client, token, email)
    home = (await client.get("/portal")).text
    assert "Customer portal for" in home and "Balance due" in home and "€1,037.45" in home and "Nov 1, 2026" in home
    rows = list(csv.reader(io.StringIO((await client.get(
        "/portal/statement.csv?start=2026-11-01&end=2026-11-30&currency=EUR")).text)))
    assert rows[0] == ["Date", "Type", "Reference", "Description", "Amount", "Balance", "Currency"]


@pytest.mark.parametrize("language", ["de", "fr", "es", "ja"])
async def test_the_signed_out_portal_pages_speak_the_customers_language_else_the_browsers(vendor, client, language):
    t = texts_for(language)
    hint = t("To sign in again, open any invoice you received by email and choose “%(button)s”.",
             button=t("View all your invoices"))
    browser = {"accept-language": f"{language}-XX,{language};q=0.9,en;q=0.5"}

    def speaks(response, status: int, *messages: str) -> None:
        assert response.status_code == status, response.text
        assert f'<html lang="{language}">' in response.text and str(escape(hint)) in response.text
        assert t("Skip to content") in response.text
        for message in messages:
            assert str(escape(t(message))) in response.text and t(message) != message, message

    # Nothing tells who it is: the browser's language.
    speaks(await client.get("/portal/request", headers=browser), 200, "Sign-in links are asked for from an invoice.")
    speaks(await client.get("/portal", headers=browser), 401, "Sign in to your portal with the link from your email.")
    speaks(await client.get("/portal/sign-in/made.up", headers=browser), 404,
           "This sign-in link is not valid any more.")
    speaks(await client.get("/portal/request?pay=nope", headers=browser), 404,
           "This invoice or quote link does not exist.")

    # The link or the session tells whose it is: the customer's language, whatever the browser says.
    await PortalRequest.delete(force=True)
    customer, email = await _customer(vendor.vendor_id, language)
    _, token = await sent_invoice(vendor.vendor_id, customer.id, f"INV-{language}-out", 1000, currency="EUR")
    asked = await ask_for_link(client, token, email)
    assert asked.status_code == 200 and str(escape(t("Check your email"))) in asked.text
    path = link_in((await portal_mails(email))[-1])
    await sign_in(client, path)
    english = {"accept-language": "en"}
    speaks(await client.get(path, headers=english), 404, "This sign-in link is not valid any more.")
    out = await client.post("/portal/sign-out", headers={**english, "x-csrftoken": client.cookies.get("payport_csrf")})
    speaks(out, 200, "Signed out", "You are signed out.")

    await ask_for_link(client, token, email)
    await sign_in(client, link_in((await portal_mails(email))[-1]))
    clock.freeze(clock.utcnow() + timedelta(hours=9))
    try:
        speaks(await client.get("/portal", headers=english), 401,
               "Your portal session has ended. Ask for a new sign-in link.")
    finally:
        clock.freeze(None)
    for _ in range(12):  # past the per-address limit: the form says so in the customer's words
        refused = await ask_for_link(client, token, "someone@else.example")
    assert refused.status_code == 429
    assert str(escape(t("Too many sign-in links were asked for from here. Try again in 15 minutes."))) in refused.text
    await PortalRequest.delete(force=True)
