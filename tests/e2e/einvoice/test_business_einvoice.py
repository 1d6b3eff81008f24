"""A vendor sets logo, address, VAT id and bank details, bills a German business and gets e-invoices that pass."""

import io
import re

import pypdfium2
from facturx import get_xml_from_pdf
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from tests.e2e.invoices.pages import SHOTS, Details, Editor, screenshot
from tests.e2e.pages import new_account, sign_up
from tests.unit.einvoice.rules import cii_problems, ubl_problems


def _logo(path) -> None:
    image = Image.new("RGB", (900, 300), (14, 116, 144))
    ImageDraw.Draw(image).rectangle((60, 60, 240, 240), fill=(250, 204, 21))
    image.save(path, format="PNG")


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
    _logo(tmp_path / "logo.png")
    _business_details(page, url, tmp_path / "logo.png")
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

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Factur-X PDF").click()
    data = open(pdf_download.value.path(), "rb").read()
    name, xml = get_xml_from_pdf(data, check_xsd=True)
    assert name == "factur-x.xml" and cii_problems(xml) == []
    assert b"DE136695976" in xml and b"DE123456788" in xml and b"DE89370400440532013000" in xml
    first = pypdfium2.PdfDocument(data)[0].render(scale=2).to_pil()
    first.save(SHOTS / "facturx-page-1.png")
    # The logo (teal with a yellow square) is drawn top left: both colours are there.
    corner = first.crop((0, 0, first.width // 2, first.height // 6)).convert("RGB")
    colours = {corner.getpixel((x, y)) for x in range(0, corner.width, 4) for y in range(0, corner.height, 4)}
    assert any(abs(r - 14) < 12 and abs(g - 116) < 12 and abs(b - 144) < 12 for r, g, b in colours)
    assert any(r > 230 and g > 190 and b < 60 for r, g, b in colours)

    with page.expect_download() as ubl_download:
        page.get_by_role("link", name="UBL XML (Peppol)").click()
    assert ubl_problems(open(ubl_download.value.path(), "rb").read()) == []
    screenshot(page, "invoice-einvoice-links")
