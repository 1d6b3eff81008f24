"""Send manually from the UI and read the message in /outbox; the PDF opens and renders."""

from __future__ import annotations

import pypdfium2
from playwright.sync_api import Page, expect

from tests.e2e.conftest import RESULTS
from tests.e2e.mail.pages import Outbox, SendDialog, seed_invoice
from tests.e2e.pages import new_account, sign_up


def test_send_manually_and_read_the_message_in_the_outbox(page: Page, live_server):
    account = new_account("Acme Design Studio")
    sign_up(page, live_server.url, account)
    invoice_id = seed_invoice(live_server.env, account.email)

    dialog = SendDialog(page)
    dialog.open(live_server.url, invoice_id)
    expect(dialog.dialog.get_by_role("radio", name="Stripe")).to_be_disabled()
    expect(dialog.dialog).to_contain_text("Connect Stripe in Settings to send with a payment link.")
    expect(dialog.dialog.get_by_role("textbox", name="To")).to_have_value("ap@globex.example")
    dialog.dialog.get_by_role("textbox", name="Cc").fill("finance@globex.example")
    dialog.choose_method("Manual")
    dialog.send()
    expect(page.locator(".invoice-head .badge").first).to_have_text("Sent")
    expect(dialog.email_panel(invoice_id).get_by_text("Delivered")).to_be_visible()

    outbox = Outbox(page, live_server.url)
    outbox.open()
    subject = "Invoice INV-2026-0001 from Acme Design Studio ($4,590.00)"
    outbox.open_message(subject)
    expect(page.locator('.mail-headers dt:text-is("Cc") + dd')).to_have_text("finance@globex.example")
    frame = page.frame_locator("iframe.mail-frame")
    expect(frame.get_by_text("Here is invoice INV-2026-0001 for $4,590.00")).to_be_visible()
    expect(frame.get_by_role("link", name="Pay online")).to_have_count(0)
    expect(page.get_by_role("link", name="INV-2026-0001.pdf")).to_be_visible()


def test_the_invoice_pdf_opens_and_renders(page: Page, live_server, tmp_path):
    account = new_account("Acme Design Studio")
    sign_up(page, live_server.url, account)
    invoice_id = seed_invoice(live_server.env, account.email, status="draft")

    page.goto(f"{live_server.url}/invoices/{invoice_id}")
    link = page.locator(f"#invoice-{invoice_id}-emails").get_by_role("link", name="Download PDF")
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(response.body())
    assert pdf.read_bytes().startswith(b"%PDF")
    document = pypdfium2.PdfDocument(pdf)
    text = document[0].get_textpage().get_text_range()
    assert "INV-2026-0001" not in text and "Draft" in text  # a draft has no number yet
    assert "Acme Design Studio" in text and "$4,590.00" in text
    RESULTS.mkdir(exist_ok=True)
    image = document[0].render(scale=80 / 72).to_pil()
    image.save(RESULTS / "mail-invoice-page1.png")
    # A page with text and a table, not a blank sheet: many pixels are darker than the paper.
    assert sum(image.convert("L").histogram()[:128]) > 5_000
