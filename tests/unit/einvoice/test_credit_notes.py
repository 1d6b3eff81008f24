"""Every credit note as Factur-X (CII type 381) and Peppol UBL CreditNote: valid by the XSD and the schematron,
downloadable from the panel, attached to the credit-note email by the vendor's setting."""

from __future__ import annotations

from facturx import get_xml_from_pdf

from app.services.invoices.credit_notes import CreditForm, issue_credit_note
from app.services.invoices.lifecycle import send_invoice
from app.services.mail.delivery import _attach_documents
from app.services.mail.credit_notes import email_credit_note
from app.tables.invoices import InvoiceLine
from app.tables.mail import OutboxMessage
from tests import factories
from tests.unit.einvoice.rules import cii_problems, ubl_problems
from tests.unit.tax.test_modes_agree import BUSINESS


async def _invoice(vendor, rates=("19", "7"), currency="EUR", **customer) -> int:
    await vendor.client.post("/settings/business", data={**BUSINESS, **customer.pop("business", {})},
                             files={"logo": ("", b"", "application/octet-stream")}, headers=vendor.headers())
    c = await factories.customer(vendor.vendor_id, "Beispiel KG", currency=currency,
                                 billing_address="Ring 5\n80331 München",
                                 **({"country": "DE", "tax_id": "DE123456788"} | customer))
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, currency=currency, discount="10", lines=[
        ("Consulting", "10", "120.00" if currency != "JPY" else "12000", rates[0]),
        ("Books", "3", "19.99" if currency != "JPY" else "1999", rates[1])])
    await send_invoice(vendor.vendor_id, invoice_id, "manual")
    return invoice_id


async def _check(vendor, note_id: int, kind: str = "381") -> tuple[bytes, bytes]:
    pdf = await vendor.client.get(f"/invoices/credit-notes/{note_id}/facturx.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    name, xml = get_xml_from_pdf(pdf.content, check_xsd=True)
    assert name == "factur-x.xml" and f"<ram:TypeCode>{kind}</ram:TypeCode>".encode() in xml
    assert cii_problems(xml) == []
    ubl = await vendor.client.get(f"/invoices/credit-notes/{note_id}/ubl.xml")
    assert ubl.status_code == 200 and b"<CreditNote" in ubl.content and ubl_problems(ubl.content) == []
    return xml, ubl.content


async def test_credit_notes_by_lines_and_by_amount_pass_the_rules(vendor):
    invoice_id = await _invoice(vendor)
    lines = await InvoiceLine.objects().where(InvoiceLine.invoice == invoice_id).order_by(InvoiceLine.position)
    by_lines = await issue_credit_note(vendor.vendor_id, invoice_id, CreditForm(
        mode="lines", quantities={lines[0].id: "2", lines[1].id: "1"}, reason="Returned", request_key="l1"))
    xml, ubl = await _check(vendor, by_lines.id)
    assert f"<cbc:ID>{by_lines.number}</cbc:ID>".encode() in ubl and b"<cac:BillingReference>" in ubl
    total = f"{by_lines.total / 100:.2f}".encode()
    assert b"<cbc:PayableAmount currencyID=\"EUR\">" + total in ubl and b">" + total + b"</ram:GrandTotalAmount>" in xml
    by_amount = await issue_credit_note(vendor.vendor_id, invoice_id, CreditForm(
        mode="amount", amount="100", reason="Goodwill", request_key="a1"))
    await _check(vendor, by_amount.id)


async def test_reverse_charge_export_and_jpy_credit_notes_pass_the_rules(vendor, other_vendor):
    rc = await _invoice(vendor, ("0", "0"), country="FR", tax_id="FR40303265045", reverse_charge=True)
    note = await issue_credit_note(vendor.vendor_id, rc, CreditForm(mode="amount", amount="50", reason="Fee",
                                                                    request_key="rc"))
    _, ubl = await _check(vendor, note.id)
    assert b"<cbc:ID>AE</cbc:ID>" in ubl
    jpy = await _invoice(other_vendor, currency="JPY")
    note = await issue_credit_note(other_vendor.vendor_id, jpy, CreditForm(mode="amount", amount="5000",
                                                                          reason="Late delivery", request_key="j"))
    await _check(other_vendor, note.id)
    assert (await vendor.client.get(f"/invoices/credit-notes/{note.id}/ubl.xml")).status_code == 404


async def test_the_setting_attaches_the_credit_note_einvoices_to_its_email(vendor):
    invoice_id = await _invoice(vendor)
    note = await issue_credit_note(vendor.vendor_id, invoice_id, CreditForm(mode="amount", amount="20", reason="x",
                                                                            request_key="e1"))
    outbox_id = await email_credit_note(vendor.vendor_id, note.id, "n1")
    row = await OutboxMessage.select().where(OutboxMessage.id == outbox_id).first()
    plain = await _attach_documents(row)
    assert plain["attachment_name"] == f"{note.number}.pdf" and plain["einvoices"] == []
    panel = (await vendor.client.get(f"/invoices/{invoice_id}/credit-notes", headers={"HX-Request": "true"})).text
    assert f"/invoices/credit-notes/{note.id}/facturx.pdf" in panel and f"/invoices/credit-notes/{note.id}/ubl.xml" in panel

    await vendor.client.post("/settings/business", data={**BUSINESS, "attach_credit_einvoices": "on"},
                             files={"logo": ("", b"", "application/octet-stream")}, headers=vendor.headers())
    outbox_id = await email_credit_note(vendor.vendor_id, note.id, "n2")
    row = await OutboxMessage.select().where(OutboxMessage.id == outbox_id).first()
    attached = await _attach_documents(row)
    assert attached["attachment_name"] == f"{note.number}-facturx.pdf"
    _, xml = get_xml_from_pdf(bytes(attached["attachment"]))
    assert cii_problems(xml) == []
    [(name, mime, data)] = attached["einvoices"]
    assert (name, mime) == (f"{note.number}-ubl.xml", "application/xml") and ubl_problems(data) == []


async def test_a_credit_note_on_a_tax_inclusive_invoice_carries_net_prices(vendor):
    await vendor.client.post("/settings/business", data=BUSINESS, files={"logo": ("", b"", "application/octet-stream")},
                             headers=vendor.headers())
    c = await factories.customer(vendor.vendor_id, "Beispiel KG", currency="EUR", billing_address="Ring 5\n80331 München",
                                 country="DE", tax_id="DE123456788")
    invoice_id = await factories.invoice(vendor.vendor_id, c.id, currency="EUR", prices_include_tax=True, lines=[
        ("Consulting", "3", "119.00", "19"), ("Books", "2", "10.70", "7")])
    await send_invoice(vendor.vendor_id, invoice_id, "manual")
    lines = await InvoiceLine.objects().where(InvoiceLine.invoice == invoice_id).order_by(InvoiceLine.position)
    # One of the three hours: its gross 119.00 is credited (100.00 + 19.00), not 119.00 net plus tax on top.
    part = await issue_credit_note(vendor.vendor_id, invoice_id, CreditForm(
        mode="lines", quantities={lines[0].id: "1"}, reason="One hour", request_key="inc1"))
    assert (part.subtotal, part.tax_total, part.total) == (10000, 1900, 11900)
    _, ubl = await _check(vendor, part.id)
    # The price the e-invoice states is the net 100.00, not the gross 119.00 (PEPPOL-EN16931-R120).
    assert b"<cbc:PriceAmount currencyID=\"EUR\">100.00<" in ubl and b">119.00</cbc:PriceAmount>" not in ubl
    rest = await issue_credit_note(vendor.vendor_id, invoice_id, CreditForm(
        mode="lines", quantities={lines[0].id: "2", lines[1].id: "2"}, reason="Returned", request_key="inc2"))
    _, ubl = await _check(vendor, rest.id)
    assert b'<cbc:PayableAmount currencyID="EUR">259.40<' in ubl  # 238.00 + 21.40, the gross entered
