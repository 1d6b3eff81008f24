"""Every e-invoice PayPort writes passes the official rules: XSD plus EN 16931 (and Peppol) schematron."""

from dataclasses import replace

import pytest
from lxml import etree

from app.services.einvoice.cii import build_cii
from app.services.einvoice.ubl import CAC, build_ubl
from tests.unit.einvoice.cases import BASE, CASES, SELLER
from tests.unit.einvoice.rules import cii_problems, failed_asserts, ubl_problems


@pytest.mark.parametrize("case", sorted(CASES))
def test_cii_passes_the_facturx_xsd_and_the_en16931_rules(case):
    assert cii_problems(build_cii(CASES[case])) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_ubl_passes_the_ubl_xsd_the_en16931_and_the_peppol_rules(case):
    xml = build_ubl(CASES[case])
    assert ubl_problems(xml) == []
    root = "<CreditNote" if case == "credit_note" else "<Invoice"
    assert root in xml.decode()


def test_figures_in_the_xml_are_the_invoice_figures():
    xml = build_ubl(CASES["discount"]).decode()
    # 10 x 120.00 less 10 % = 1,080.00 at 19 % (205.20); 3 x 19.99 = 59.97 less 6.00 = 53.97 at 7 % (3.78)
    for expected in ('<cbc:LineExtensionAmount currencyID="EUR">1133.97<', '<cbc:TaxAmount currencyID="EUR">208.98<',
                     '<cbc:PrepaidAmount currencyID="EUR">50.00<', '<cbc:PayableAmount currencyID="EUR">1292.95<'):
        assert expected in xml, expected
    assert '<cbc:PayableAmount currencyID="JPY">' in build_ubl(CASES["jpy"]).decode()


def test_a_yen_tax_the_rules_refuse_is_restated_and_the_rounding_amount_keeps_the_total():
    doc = CASES["jpy_per_line"]
    assert [(g.line_tax, g.tax) for g in doc.tax_groups()] == [(8, 7), (30, 29)]
    assert (doc.line_tax_total, doc.tax_total, doc.rounding, doc.payable) == (38, 36, 2, 288)
    cii, ubl = build_cii(doc).decode(), build_ubl(doc).decode()
    for expected in ("<ram:CalculatedAmount>29</ram:CalculatedAmount>", "<ram:TaxTotalAmount currencyID=\"JPY\">36<",
                     "<ram:RoundingAmount>2</ram:RoundingAmount>", "<ram:GrandTotalAmount>286<",
                     "<ram:DuePayableAmount>288<"):
        assert expected in cii, expected
    for expected in ('<cbc:PayableRoundingAmount currencyID="JPY">2<', '<cbc:PayableAmount currencyID="JPY">288<',
                     '<cbc:TaxInclusiveAmount currencyID="JPY">286<'):
        assert expected in ubl, expected
    # Where PayPort's tax is inside the slack (every euro invoice) it is stated as it is, with no rounding amount.
    assert all(g.tax == g.line_tax for g in BASE.tax_groups()) and "RoundingAmount" not in build_cii(BASE).decode()


def test_a_reverse_charge_invoice_is_category_ae_with_the_legal_note():
    cii = build_cii(CASES["reverse_charge"]).decode()
    assert "<ram:CategoryCode>AE</ram:CategoryCode>" in cii and "VATEX-EU-AE" in cii
    assert "Art. 196 Directive 2006/112/EC" in cii


def test_a_missing_seller_vat_id_fails_with_the_rule_id():
    wrong = replace(BASE, seller=replace(SELLER, vat_id=""))
    cii_failures = failed_asserts(build_cii(wrong), "cii")
    # The UBL builder refuses a seller without a VAT id (no Peppol address): drop it from a good document.
    ubl = etree.fromstring(build_ubl(BASE))
    for scheme in ubl.iterfind(f"{{{CAC}}}AccountingSupplierParty/{{{CAC}}}Party/{{{CAC}}}PartyTaxScheme"):
        scheme.getparent().remove(scheme)
    ubl_failures = failed_asserts(etree.tostring(ubl), "ubl")
    assert any(f.startswith("BR-S-02:") for f in cii_failures), cii_failures
    assert any(f.startswith("BR-S-02:") for f in ubl_failures), ubl_failures
