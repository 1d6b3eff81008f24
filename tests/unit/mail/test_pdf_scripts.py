"""The PDF prints every script a vendor types (Japanese, Chinese, Korean, Cyrillic, Greek, accented Latin), on the
download and in the emailed attachment, and says so when a character has no font instead of dropping it."""

from __future__ import annotations

import logging
from decimal import Decimal

import pypdfium2

from app.money import ACTIVE_CURRENCIES, format_money
from app.services.mail import send as invoice_email, delivery as mail_delivery
from app.services.invoices import pdf
from app.services import pdf_fonts
from app.tables.customers import Customer
from app.tables.invoices import Invoice, InvoiceLine
from app.tables.mail import OutboxMessage
from app.tables.vendors import Vendor
from tests.unit.mail.conftest import make_invoice

SCRIPTS = {
    "Japanese": "翻訳サービス (Translation, pages)",
    "Chinese": "翻译服务，页数",
    "Korean": "번역 서비스",
    "Cyrillic": "Перевод документов",
    "Greek": "Μετάφραση εγγράφων",
    "accented Latin": "Ça coûte déjà — Ærøskøbing, Łódź, Đà Nẵng",
}


def _pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "\n".join(document[n].get_textpage().get_text_range() for n in range(len(document)))


async def _invoice_in_every_script(vendor_id: int, **kwargs) -> int:
    invoice_id = await make_invoice(vendor_id, **kwargs)
    await InvoiceLine.insert(*[
        InvoiceLine(invoice=invoice_id, position=10 + n, description=text, quantity=Decimal(1), unit_price=100,
                    tax_rate=Decimal(0), line_total=100, tax_amount=0)
        for n, text in enumerate(SCRIPTS.values())])
    invoice = await Invoice.select(Invoice.customer).where(Invoice.id == invoice_id).first()
    # Names are set in bold: the bold faces need the same coverage.
    await Customer.update({Customer.name: "김철수 Κυρίλλος"}).where(Customer.id == invoice["customer"])
    await Vendor.update({Vendor.name: "株式会社テスト"}).where(Vendor.id == vendor_id)
    await Invoice.update({Invoice.notes: "備考: ありがとうございます"}).where(Invoice.id == invoice_id)
    return invoice_id


def _assert_every_script(text: str) -> None:
    for script, sample in SCRIPTS.items():
        assert sample in text, f"{script} missing from the PDF text"
    for name in ("株式会社テスト", "김철수 Κυρίλλος", "備考: ありがとうございます"):
        assert name in text
    assert "\N{REPLACEMENT CHARACTER}" not in text and "no font" not in text


async def test_the_downloaded_pdf_prints_every_script(vendor):
    invoice_id = await _invoice_in_every_script(vendor.vendor_id, number="請求-0001", currency="JPY")
    data, _ = await pdf.invoice_pdf(vendor.vendor_id, invoice_id)
    text = _pdf_text(data)
    _assert_every_script(text)
    assert "Invoice 請求-0001 · page 1 of 1" in text
    assert len(data) < 150_000  # fonts are embedded as subsets, not whole 20 MB collections


async def test_the_emailed_attachment_prints_every_script(vendor):
    invoice_id = await _invoice_in_every_script(vendor.vendor_id)
    form = (await invoice_email.dialog_state(vendor.vendor_id, invoice_id))["form"]
    message_id = await invoice_email.send(vendor.vendor_id, invoice_id, form)
    assert (message_id, "sent") in await mail_delivery.deliver_due()
    row = await OutboxMessage.select(OutboxMessage.attachment).where(OutboxMessage.id == message_id).first()
    _assert_every_script(_pdf_text(row["attachment"]))


async def test_a_character_without_a_font_is_marked_and_named_never_dropped(vendor, caplog):
    invoice_id = await make_invoice(vendor.vendor_id, number="INV-EMOJI-1")
    await InvoiceLine.update({InvoiceLine.description: "Party 🙂 in สวัสดี"}).where(
        (InvoiceLine.invoice == invoice_id) & (InvoiceLine.position == 0))
    with caplog.at_level(logging.WARNING):
        data, _ = await pdf.invoice_pdf(vendor.vendor_id, invoice_id)
    text = _pdf_text(data)
    assert "Party \N{REPLACEMENT CHARACTER} in " + "\N{REPLACEMENT CHARACTER}" * 6 in text
    assert "Some characters have no font on this server" in text and "U+1F642" in text and "U+0E2A" in text
    assert any("U+1F642" in r.getMessage() for r in caplog.records)


def test_every_offered_currency_prints_its_amounts():
    for code in ACTIVE_CURRENCIES:
        amount = format_money(123456789, code)
        fonts = pdf_fonts.fonts_for(amount, bold_text=amount)
        assert fonts.printable(amount) == amount, f"{code}: {amount!r}"


def test_cjk_text_is_drawn_the_way_its_language_writes_it():
    assert pdf_fonts.cjk_face("翻訳サービス") == pdf_fonts.CJK_FACES["ja"]
    assert pdf_fonts.cjk_face("번역 서비스") == pdf_fonts.CJK_FACES["ko"]
    assert pdf_fonts.cjk_face("翻译服务") == pdf_fonts.CJK_FACES["zh-Hans"]
