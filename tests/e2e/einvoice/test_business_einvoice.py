"""A vendor sets logo, address, VAT id and bank details, bills a German business and gets e-invoices that pass."""

import re

import pypdfium2
from playwright.sync_api import Page, expect

from tests.e2e.einvoice.checks import download, draw_logo, facturx_xml, shows_logo, valid_ubl
from tests.e2e.invoices.pages import SHOTS, Details, Editor, screenshot
from tests.e2e.pages import new_account, sign_up


def _both_widths(page: Page, name: str, locator) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(SHOTS / f"{name}-{width}.png"))


def _business_details(page: Page, url: str, logo) -> None:
    page.goto(f"{url}/settings")
    form = page.locator("form.business-form")
    form.get_by_label("Logo").set_input_files(str(logo))
    form.get_by_label("Address").fill("Hauptstraße 1\n10115 Berlin")
    form.get_by_label("Country").select_option("DE")
    form.get_by_label("VAT / tax id").fill("DE 136 695 976")
    form.get_by_label("Phone").fill("+49 30 123456")
    form.get_by_label(re.compile(r"^Bank")).fill("Acme Bank")
    form.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    form.get_by_label("BIC").fill("12")
    form.get_by_role("button", name="Save business details").click()
    expect(page.get_by_text("A BIC has 8 or 11 letters and digits")).to_be_visible()  # in place, nothing saved
    page.locator("form.business-form").get_by_label("Logo").set_input_files(str(logo))
    page.locator("form.business-form").get_by_label("BIC").fill("COBADEFFXXX")
    page.locator("form.business-form").get_by_role("button", name="Save business details").click()
    expect(page.get_by_text("Business details saved.")).to_be_visible()
    expect(page.get_by_role("img", name="Current logo")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    _both_widths(page, "settings-business-details", page.locator("form.business-form"))
    page.set_viewport_size({"width": 1280, "height": 900})


def _german_customer(page: Page, url: str) -> None:
    page.goto(f"{url}/customers")
    page.get_by_role("button", name="New customer").click()
    page.get_by_label("Name").fill("Beispiel KG")
    page.get_by_label("Email").fill("ap@beispiel.example")
    page.get_by_label("Preferred currency").select_option("EUR")
    page.get_by_label("Billing address").fill("Ring 5\n80331 München")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("VAT / tax ID").fill("DE123")
    page.get_by_role("button", name="Add customer").click()
    expect(page.get_by_text("This is not a valid EU VAT id")).to_be_visible()
    _both_widths(page, "customer-tax-form", page.locator("form.customer-form"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("VAT / tax ID").fill("DE123456788")
    page.get_by_role("button", name="Add customer").click()
    expect(page.get_by_text("Beispiel KG was added.")).to_be_visible()


def test_business_details_reach_the_pdf_and_the_einvoices_pass(page: Page, live_server, tmp_path):
    url = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_up(page, url, new_account("Acme Werkstatt"))
    _business_details(page, url, draw_logo(tmp_path / "logo.png"))
    _german_customer(page, url)

    editor = Editor(page)
    page.goto(f"{url}/invoices/new")
    editor.choose_customer("Beispiel KG")
    page.get_by_label("Description").first.fill("Beratung")
    editor.line_field(0, "Quantity").fill("10")
    editor.line_field(0, "Unit price").fill("120")
    editor.line_field(0, "Tax %").fill("19")
    expect(editor.total()).to_have_text("€1,428.00")
    editor.save_draft()
    Details(page).send_manually()
    expect(page.get_by_role("heading", name=re.compile(r"INV-\d{4}-0001"))).to_be_visible()

    data = download(page, page.get_by_role("link", name="Factur-X PDF"))
    xml = facturx_xml(data)
    assert b"DE136695976" in xml and b"DE123456788" in xml and b"DE89370400440532013000" in xml
    first = pypdfium2.PdfDocument(data)[0].render(scale=2).to_pil()
    first.save(SHOTS / "facturx-page-1.png")
    assert shows_logo(first)  # teal with a yellow square, top left

    valid_ubl(download(page, page.get_by_role("link", name="UBL XML (Peppol)")))
    screenshot(page, "invoice-einvoice-links")
