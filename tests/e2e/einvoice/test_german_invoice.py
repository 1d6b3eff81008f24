"""A vendor sets logo, address, VAT id, bank details and named tax rates, and sends a German-language invoice to a
German customer: the Factur-X PDF, rendered to an image, shows the logo and the German labels and formats, and its
embedded XML passes the XSD and the schematron; the customer's portal, in German, offers the UBL, which passes too."""

import re
from pathlib import Path

import pypdfium2
from playwright.sync_api import Browser, Page, expect

from tests.e2e.einvoice.checks import download, draw_logo, facturx_xml, shows_logo, valid_ubl
from tests.e2e.invoices.pages import Details, Editor
from tests.e2e.pages import new_account, sign_up

NOTES_SHOTS = Path("/work/wt/notes/shots")


def _shot(page: Page, name: str, locator=None) -> None:
    if not NOTES_SHOTS.is_dir():
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        target = locator or page
        if locator is not None:
            locator.scroll_into_view_if_needed()
            locator.screenshot(path=str(NOTES_SHOTS / f"docs18-{name}-{width}.png"))
        else:
            target.screenshot(path=str(NOTES_SHOTS / f"docs18-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _business(page: Page, url: str, logo: Path) -> None:
    page.goto(f"{url}/settings")
    form = page.locator("form.business-form")
    form.get_by_label("Logo").set_input_files(str(logo))
    form.get_by_label("Address").fill("Hauptstraße 1\n10115 Berlin")
    form.get_by_label("Country").select_option("DE")
    form.get_by_label("VAT / tax id").fill("DE136695976")
    form.get_by_label("Phone").fill("+49 30 123456")
    form.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    form.get_by_label("BIC").fill("COBADEFFXXX")
    form.get_by_role("button", name="Save business details").click()
    expect(page.get_by_text("Business details saved.")).to_be_visible()
    expect(page.get_by_role("img", name="Current logo")).to_be_visible()


def _tax_rates(page: Page) -> None:
    section = page.locator("#tax-rates form.tax-rate-new")
    section.get_by_label("Name").fill("MwSt 19%")
    section.get_by_label("Rate %").fill("abc")
    section.get_by_role("button", name="Add tax rate").click()
    expect(section.get_by_text("Enter a percentage from 0 to 100")).to_be_visible()  # in place, nothing saved
    section = page.locator("#tax-rates form.tax-rate-new")
    section.get_by_label("Rate %").fill("19")
    section.get_by_role("button", name="Add tax rate").click()
    expect(page.get_by_text("Tax rate MwSt 19% added.")).to_be_visible()
    section = page.locator("#tax-rates form.tax-rate-new")
    section.get_by_label("Name").fill("MwSt 7%")
    section.get_by_label("Rate %").fill("7")
    section.get_by_role("button", name="Add tax rate").click()
    expect(page.get_by_text("Tax rate MwSt 7% added.")).to_be_visible()
    expect(page.get_by_test_id("tax-rate-row")).to_have_count(2)
    _shot(page, "settings-tax-rates", page.locator("#tax-rates"))


def _customer(page: Page, url: str) -> None:
    page.goto(f"{url}/customers")
    page.get_by_role("button", name="New customer").click()
    page.get_by_label("Name").fill("Beispiel KG")
    page.get_by_label("Email").fill("ap@beispiel.example")
    page.get_by_label("Preferred currency").select_option("EUR")
    page.get_by_label("Document language").select_option("de")
    page.get_by_label("Billing address").fill("Ring 5\n80331 München")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("VAT / tax ID").fill("DE123456788")
    page.get_by_role("button", name="Add customer").click()
    expect(page.get_by_text("Beispiel KG was added.")).to_be_visible()


def _portal_link(page: Page, url: str) -> str:
    """The vendor mails the customer a portal link; the sign-in URL from the (German) email in the outbox."""
    page.goto(f"{url}/customers")
    page.get_by_role("link", name="Beispiel KG").click()
    panel = page.locator("section").filter(has=page.get_by_role("heading", name="Customer portal"))
    panel.get_by_role("button", name="Send portal link").click()
    expect(panel.get_by_role("status")).to_contain_text("Portal link sent to ap@beispiel.example")
    page.goto(f"{url}/outbox")
    subject = "Ihr Anmeldelink für Acme Werkstatt"
    row = page.get_by_role("row").filter(has_text=subject)
    expect(row.get_by_text("Delivered")).to_be_visible(timeout=10_000)
    row.get_by_role("link", name=subject).click()
    return next(word for word in page.locator("pre.mail-text").inner_text().split() if "/portal/sign-in/" in word)


def _portal_offers_the_ubl(browser: Browser, url: str, link: str, number: str) -> None:
    """The customer signs in (a German browser), downloads the UBL from the portal, signs out: German throughout."""
    customer = browser.new_context(accept_downloads=True, locale="de-DE").new_page()
    customer.set_viewport_size({"width": 1280, "height": 900})
    customer.goto(link)
    expect(customer.get_by_role("heading", name="Bei Ihrem Portal anmelden")).to_be_visible()
    _shot(customer, "portal-sign-in-de")
    customer.get_by_role("button", name="Mein Portal öffnen").click()
    expect(customer.get_by_text("Kundenportal für")).to_be_visible()
    ubl = valid_ubl(download(customer, customer.get_by_role("link", name=f"E-Rechnung (UBL) der Rechnung {number}")))
    assert f"<cbc:ID>{number}</cbc:ID>".encode() in ubl and b"DE123456788" in ubl
    customer.get_by_role("button", name="Abmelden").click()
    expect(customer.get_by_role("heading", name="Abgemeldet")).to_be_visible()
    expect(customer.get_by_role("status")).to_have_text("Sie sind abgemeldet.")
    _shot(customer, "portal-signed-out-de")
    customer.goto(link)  # spent: said in the customer's language
    expect(customer.get_by_role("status")).to_have_text("Dieser Anmeldelink ist nicht mehr gültig.")
    _shot(customer, "portal-link-used-de")
    customer.goto(f"{url}/portal")  # no session, no customer known: the browser's language
    expect(customer.get_by_role("status")).to_have_text("Melden Sie sich mit dem Link aus Ihrer E-Mail in Ihrem Portal an.")
    _shot(customer, "portal-no-session-de")
    customer.goto(f"{url}/portal/request")
    expect(customer.get_by_role("status")).to_have_text("Anmeldelinks fordern Sie über eine Rechnung an.")
    _shot(customer, "portal-request-without-invoice-de")
    customer.context.close()


def test_a_german_invoice_with_named_rates_reads_german_and_its_xml_passes(page: Page, browser: Browser, live_server,
                                                                          tmp_path):
    url = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_up(page, url, new_account("Acme Werkstatt"))
    _business(page, url, draw_logo(tmp_path / "logo.png"))
    _tax_rates(page)
    _customer(page, url)

    editor = Editor(page)
    page.goto(f"{url}/invoices/new")
    editor.choose_customer("Beispiel KG")
    expect(editor.line_field(0, "Tax rate")).to_have_value(re.compile(r"\d+"))  # the default preselected
    page.get_by_label("Description").first.fill("Beratung")
    editor.line_field(0, "Quantity").fill("10")
    editor.line_field(0, "Unit price").fill("120")
    page.get_by_role("button", name="+ Add line").click()
    editor.line_field(1, "Description").fill("Fachbuch")
    editor.line_field(1, "Quantity").fill("2")
    editor.line_field(1, "Unit price").fill("21.40")
    editor.line_field(1, "Tax rate").select_option(label="MwSt 7%")
    page.get_by_test_id("prices-include-tax").check()
    # 1,200.00 gross at 19 % and 42.80 gross at 7 %: the total is what was entered
    expect(editor.total()).to_have_text("€1,242.80")
    _shot(page, "invoice-editor-tax-rates", page.locator("#invoice-editor"))
    editor.save_draft()
    page.get_by_role("button", name="Send", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Manual").check()
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(Details(page).status()).to_have_text("Sent", timeout=30_000)  # the PDF is rendered on the way
    expect(page.get_by_role("heading", name=re.compile(r"INV-\d{4}-0001"))).to_be_visible()

    number = page.get_by_role("heading", name=re.compile(r"INV-\d{4}-0001")).inner_text().strip()

    data = download(page, page.get_by_role("link", name="Factur-X PDF"))
    xml = facturx_xml(data)
    assert b"<ram:GrandTotalAmount>1242.80</ram:GrandTotalAmount>" in xml
    document = pypdfium2.PdfDocument(data)
    text = " ".join(document[0].get_textpage().get_text_range().split())
    for words in ("RECHNUNG AN", "Rechnungsdatum", "Fälliger Betrag", "MwSt. 19 %", "MwSt. 7 %", "1.242,80 €",
                  "Per Überweisung bezahlen"):
        assert words in text, (words, text)
    image = document[0].render(scale=1.6).to_pil()
    assert shows_logo(image)
    if NOTES_SHOTS.is_dir():
        image.save(NOTES_SHOTS / "docs18-e2e-german-facturx.png")
    valid_ubl(download(page, page.get_by_role("link", name="UBL XML (Peppol)")))

    _portal_offers_the_ubl(browser, url, _portal_link(page, url), re.search(r"INV-\d{4}-0001", number).group(0))
