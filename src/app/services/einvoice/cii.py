"""UN/CEFACT CII D16B for Factur-X, profile EN 16931 (urn:cen.eu:en16931:2017), written with lxml."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from app.services.einvoice.model import EDocument, Line, Party

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
GUIDELINE = "urn:cen.eu:en16931:2017"


def _el(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", {k: v for k, v in attrs.items()})
    if text is not None:
        node.text = text
    return node


def number(value: Decimal) -> str:
    """A quantity or percentage without exponent or trailing zeros: 19, 7.5, 0."""
    text = f"{value:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) or "0"


def _date(parent, tag: str, value) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", value.strftime("%Y%m%d"), format="102")


def _party(parent, tag: str, party: Party, seller: bool) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party.name)
    if party.company_number:
        _el(_el(node, "ram:SpecifiedLegalOrganization"), "ram:ID", party.company_number)
    if seller and (party.email or party.phone):
        contact = _el(node, "ram:DefinedTradeContact")
        _el(contact, "ram:PersonName", party.name)
        if party.phone:
            _el(_el(contact, "ram:TelephoneUniversalCommunication"), "ram:CompleteNumber", party.phone)
        if party.email:
            _el(_el(contact, "ram:EmailURIUniversalCommunication"), "ram:URIID", party.email)
    address = _el(node, "ram:PostalTradeAddress")
    if party.postcode:
        _el(address, "ram:PostcodeCode", party.postcode)
    if party.street:
        _el(address, "ram:LineOne", party.street)
    if party.city:
        _el(address, "ram:CityName", party.city)
    _el(address, "ram:CountryID", party.country)
    if party.email:
        _el(_el(node, "ram:URIUniversalCommunication"), "ram:URIID", party.email, schemeID="EM")
    if party.vat_id:
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


def _line(parent, doc: EDocument, position: int, line: Line) -> None:
    item = _el(parent, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(position))
    _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
    price = _el(_el(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
    _el(price, "ram:ChargeAmount", doc.price(line.unit_price))
    _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", number(line.quantity), unitCode="C62")
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", line.category)
    _el(tax, "ram:RateApplicablePercent", number(line.rate))
    if line.discount:
        allowance = _el(settlement, "ram:SpecifiedTradeAllowanceCharge")
        _el(_el(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
        _el(allowance, "ram:ActualAmount", doc.money(line.discount))
        _el(allowance, "ram:ReasonCode", "95")
        _el(allowance, "ram:Reason", "Discount")
    _el(_el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"), "ram:LineTotalAmount",
        doc.money(line.net))


def _payment(settlement, doc: EDocument) -> None:
    means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    _el(means, "ram:TypeCode", "58" if doc.iban else "1")
    if doc.iban:
        account = _el(means, "ram:PayeePartyCreditorFinancialAccount")
        _el(account, "ram:IBANID", doc.iban)
        if doc.bank_name:
            _el(account, "ram:AccountName", doc.seller.name)
        if doc.bic:
            _el(_el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID", doc.bic)


def _taxes(settlement, doc: EDocument) -> None:
    for group in doc.tax_groups():
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", doc.money(group.tax))
        _el(tax, "ram:TypeCode", "VAT")
        if group.exemption:
            _el(tax, "ram:ExemptionReason", group.exemption[1])
        _el(tax, "ram:BasisAmount", doc.money(group.taxable))
        _el(tax, "ram:CategoryCode", group.category)
        if group.exemption:
            _el(tax, "ram:ExemptionReasonCode", group.exemption[0])
        _el(tax, "ram:RateApplicablePercent", number(group.rate))


def _settlement(transaction, doc: EDocument) -> None:
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:PaymentReference", doc.number)
    _el(settlement, "ram:InvoiceCurrencyCode", doc.currency)
    _payment(settlement, doc)
    _taxes(settlement, doc)
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _el(terms, "ram:Description", doc.terms)
    if doc.due_date and doc.kind == "invoice":
        _date(terms, "ram:DueDateDateTime", doc.due_date)
    sums = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(sums, "ram:LineTotalAmount", doc.money(doc.net_total))
    _el(sums, "ram:TaxBasisTotalAmount", doc.money(doc.net_total))
    _el(sums, "ram:TaxTotalAmount", doc.money(doc.tax_total), currencyID=doc.currency)
    if doc.rounding:
        _el(sums, "ram:RoundingAmount", doc.money(doc.rounding))
    _el(sums, "ram:GrandTotalAmount", doc.money(doc.gross_total))
    if doc.prepaid:
        _el(sums, "ram:TotalPrepaidAmount", doc.money(doc.prepaid))
    _el(sums, "ram:DuePayableAmount", doc.money(doc.payable))
    if doc.invoice_reference:
        _el(_el(settlement, "ram:InvoiceReferencedDocument"), "ram:IssuerAssignedID", doc.invoice_reference)


def build_cii(doc: EDocument) -> bytes:
    """The document as CII XML bytes (UTF-8, with declaration)."""
    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    _el(_el(_el(root, "rsm:ExchangedDocumentContext"), "ram:GuidelineSpecifiedDocumentContextParameter"),
        "ram:ID", GUIDELINE)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", doc.number)
    _el(header, "ram:TypeCode", doc.type_code)
    _date(header, "ram:IssueDateTime", doc.issue_date)
    for note in doc.notes:
        _el(_el(header, "ram:IncludedNote"), "ram:Content", note)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for position, line in enumerate(doc.lines, start=1):
        _line(transaction, doc, position, line)
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    if doc.buyer_reference:
        _el(agreement, "ram:BuyerReference", doc.buyer_reference)
    _party(agreement, "ram:SellerTradeParty", doc.seller, seller=True)
    _party(agreement, "ram:BuyerTradeParty", doc.buyer, seller=False)
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    _settlement(transaction, doc)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
