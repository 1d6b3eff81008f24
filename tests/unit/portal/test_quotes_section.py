"""The portal lists the customer's quotes (never drafts, never another customer's), and a quote's page is a way
in: the sign-in link asked for there goes to the quote's customer."""

import uuid

from app.services.quotes.lifecycle import send_defaults, send_quote
from app.tables.quotes import Quote
from app.tables.vendors import Vendor
from tests import factories
from tests.unit.portal.helpers import portal_client_for, portal_mails


async def _sent_quote(vendor_id: int, customer_id: int, description: str) -> Quote:
    quote_id = await factories.quote(vendor_id, customer_id, lines=[(description, "1", "300.00", "0")])
    await send_quote(vendor_id, quote_id, await send_defaults(vendor_id, quote_id))
    return await Quote.objects().where(Quote.id == quote_id).first()


async def test_the_portal_lists_sent_quotes_of_its_customer_only(client, vendor):
    v = vendor.vendor_id
    email = f"{uuid.uuid4().hex[:8]}@buyer.example"
    mine = await factories.insert_customer(v, "Buyer One", email)
    other = await factories.insert_customer(v, "Buyer Two", f"{uuid.uuid4().hex[:8]}@two.example")
    sent = await _sent_quote(v, mine.id, "Kitchen plan")
    draft_id = await factories.quote(v, mine.id, lines=[("Unsent idea", "1", "1.00", "0")])
    theirs = await _sent_quote(v, other.id, "Garden plan")

    await portal_client_for(vendor.client, sent.token, email)  # asked for from the quote's own page
    assert (await portal_mails(email)), "the link went to the quote's customer"
    page = await vendor.client.get("/portal")
    assert page.status_code == 200
    assert sent.number in page.text and f"/quote/{sent.token}" in page.text
    assert theirs.number not in page.text and theirs.token not in page.text
    draft = await Quote.objects().where(Quote.id == draft_id).first()
    assert draft.token not in page.text


async def test_the_quote_page_offers_the_portal_and_goes_back_to_the_quote(client, vendor):
    customer = await factories.insert_customer(vendor.vendor_id, "Buyer", f"{uuid.uuid4().hex[:8]}@b.example")
    quote = await _sent_quote(vendor.vendor_id, customer.id, "Roof repair")
    page = await client.get(f"/quote/{quote.token}")
    assert f"/portal/request?pay={quote.token}" in page.text
    ask = await client.get(f"/portal/request?pay={quote.token}")
    assert ask.status_code == 200 and f'href="/quote/{quote.token}"' in ask.text and "Back to the quote" in ask.text
    assert (await client.get("/portal/request?pay=not-a-token")).status_code == 404


async def test_the_portal_offers_the_invoice_as_an_e_invoice(client, other_client, vendor):
    from lxml import etree

    from tests.unit.portal.helpers import sent_invoice
    email = f"{uuid.uuid4().hex[:8]}@buyer.example"
    customer = await factories.insert_customer(vendor.vendor_id, "Buyer GmbH", email, tax_id="DE123456788", country="DE")
    plain = await factories.insert_customer(vendor.vendor_id, "No VAT Ltd", f"{uuid.uuid4().hex[:8]}@plain.example")
    await Vendor.update({Vendor.vat_id: "DE811569869", Vendor.country: "DE"}).where(Vendor.id == vendor.vendor_id)
    invoice_id, token = await sent_invoice(vendor.vendor_id, customer.id, "INV-UBL-1", 120_00)
    await portal_client_for(client, token, email)
    page = await client.get("/portal")
    assert f"/portal/invoices/{invoice_id}/ubl.xml" in page.text
    ubl = await client.get(f"/portal/invoices/{invoice_id}/ubl.xml")
    assert ubl.status_code == 200 and ubl.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(ubl.content)
    assert root.tag.endswith("}Invoice")
    assert root.findtext("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID") == "INV-UBL-1"
    facturx = await client.get(f"/portal/invoices/{invoice_id}/facturx.pdf")
    assert facturx.status_code == 200 and facturx.content.startswith(b"%PDF")
    # Without a VAT id the customer has no Peppol address: no UBL offered.
    _, plain_token = await sent_invoice(vendor.vendor_id, plain.id, "INV-UBL-2", 50_00)
    await portal_client_for(other_client, plain_token, plain.email)
    assert "ubl.xml" not in (await other_client.get("/portal")).text
