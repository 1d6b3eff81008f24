"""UBL 2.1 Peppol BIS Billing 3.0: Invoice and CreditNote from one builder, written with lxml."""

from __future__ import annotations

from lxml import etree

from app.services.einvoice.cii import number
from app.services.einvoice.model import EDocument, Line, Party

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOTS = {"invoice": ("Invoice", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"),
         "credit_note": ("CreditNote", "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2")}
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


# Peppol electronic address schemes (EAS) for tax ids, by the id's country prefix: the VAT number registries,
# the US EIN. Peppol has no email scheme, so a party without such an id cannot be addressed (EndpointID, R010/R020).
EAS = {"AT": "9914", "ES": "9920", "BE": "9925", "BG": "9926", "CH": "9927", "CY": "9928", "CZ": "9929",
       "DE": "9930", "EE": "9931", "GB": "9932", "EL": "9933", "HR": "9934", "IE": "9935", "LT": "9937",
       "LU": "9938", "LV": "9939", "MT": "9943", "NL": "9944", "PL": "9945", "PT": "9946", "RO": "9947",
       "SI": "9949", "SK": "9950", "FR": "9957", "HU": "9910", "IT": "0211"}


class NoPeppolAddress(ValueError):
    """A party has no id Peppol can address (a VAT id, or a US EIN)."""


def endpoint(party: Party) -> tuple[str, str]:
    """(scheme, id) of the party's Peppol electronic address, from its VAT id (or EIN in the US)."""
    if party.vat_id and (scheme := EAS.get(party.vat_id[:2].upper())):
        return scheme, party.vat_id
    if party.country == "US" and party.tax_id:
        return "9959", party.tax_id.replace("-", "")
    raise NoPeppolAddress(f"{party.name} needs a VAT id (or an EIN in the US) for a Peppol e-invoice.")


def _el(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{CAC if prefix == 'cac' else CBC}}}{name}", attrs)
    if text is not None:
        node.text = text
    return node


def _amount(parent, tag: str, doc: EDocument, minor: int) -> None:
    _el(parent, tag, doc.money(minor), currencyID=doc.currency)


def _party(parent, tag: str, party: Party, seller: bool) -> None:
    node = _el(_el(parent, tag), "cac:Party")
    scheme, address = endpoint(party)
    _el(node, "cbc:EndpointID", address, schemeID=scheme)
    _el(_el(node, "cac:PartyName"), "cbc:Name", party.name)
    address = _el(node, "cac:PostalAddress")
    for tag_name, value in (("cbc:StreetName", party.street), ("cbc:CityName", party.city),
                            ("cbc:PostalZone", party.postcode)):
        if value:
            _el(address, tag_name, value)
    _el(_el(address, "cac:Country"), "cbc:IdentificationCode", party.country)
    if party.vat_id:
        scheme = _el(node, "cac:PartyTaxScheme")
        _el(scheme, "cbc:CompanyID", party.vat_id)
        _el(_el(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal = _el(node, "cac:PartyLegalEntity")
    _el(legal, "cbc:RegistrationName", party.name)
    if party.company_number:
        _el(legal, "cbc:CompanyID", party.company_number)
    if seller:
        contact = _el(node, "cac:Contact")
        _el(contact, "cbc:Name", party.name)
        if party.phone:
            _el(contact, "cbc:Telephone", party.phone)
        if party.email:
            _el(contact, "cbc:ElectronicMail", party.email)


def _category(parent, tag: str, category: str, rate, exemption: tuple[str, str] | None = None) -> None:
    node = _el(parent, tag)
    _el(node, "cbc:ID", category)
    _el(node, "cbc:Percent", number(rate))
    if exemption:
        _el(node, "cbc:TaxExemptionReasonCode", exemption[0])
        _el(node, "cbc:TaxExemptionReason", exemption[1])
    _el(_el(node, "cac:TaxScheme"), "cbc:ID", "VAT")


def _payment(root, doc: EDocument) -> None:
    means = _el(root, "cac:PaymentMeans")
    _el(means, "cbc:PaymentMeansCode", "58" if doc.iban else "1")
    _el(means, "cbc:PaymentID", doc.number)
    if doc.iban:
        account = _el(means, "cac:PayeeFinancialAccount")
        _el(account, "cbc:ID", doc.iban)
        _el(account, "cbc:Name", doc.seller.name)
        if doc.bic:
            _el(_el(account, "cac:FinancialInstitutionBranch"), "cbc:ID", doc.bic)
    _el(_el(root, "cac:PaymentTerms"), "cbc:Note", doc.terms)


def _totals(root, doc: EDocument) -> None:
    total = _el(root, "cac:TaxTotal")
    _amount(total, "cbc:TaxAmount", doc, doc.tax_total)
    for group in doc.tax_groups():
        sub = _el(total, "cac:TaxSubtotal")
        _amount(sub, "cbc:TaxableAmount", doc, group.taxable)
        _amount(sub, "cbc:TaxAmount", doc, group.tax)
        _category(sub, "cac:TaxCategory", group.category, group.rate, group.exemption)
    sums = _el(root, "cac:LegalMonetaryTotal")
    _amount(sums, "cbc:LineExtensionAmount", doc, doc.net_total)
    _amount(sums, "cbc:TaxExclusiveAmount", doc, doc.net_total)
    _amount(sums, "cbc:TaxInclusiveAmount", doc, doc.gross_total)
    if doc.prepaid:
        _amount(sums, "cbc:PrepaidAmount", doc, doc.prepaid)
    if doc.rounding:
        _amount(sums, "cbc:PayableRoundingAmount", doc, doc.rounding)
    _amount(sums, "cbc:PayableAmount", doc, doc.payable)


def _line(root, doc: EDocument, position: int, line: Line, name: str) -> None:
    node = _el(root, f"cac:{name}Line")
    _el(node, "cbc:ID", str(position))
    quantity = "cbc:CreditedQuantity" if name == "CreditNote" else "cbc:InvoicedQuantity"
    _el(node, quantity, number(line.quantity), unitCode="C62")
    _amount(node, "cbc:LineExtensionAmount", doc, line.net)
    if line.discount:
        allowance = _el(node, "cac:AllowanceCharge")
        _el(allowance, "cbc:ChargeIndicator", "false")
        _el(allowance, "cbc:AllowanceChargeReasonCode", "95")
        _el(allowance, "cbc:AllowanceChargeReason", "Discount")
        _amount(allowance, "cbc:Amount", doc, line.discount)
    item = _el(node, "cac:Item")
    _el(item, "cbc:Name", line.description)
    _category(item, "cac:ClassifiedTaxCategory", line.category, line.rate)
    # A net price found from a tax-inclusive one keeps four more decimals (PEPPOL-EN16931-R120 checks qty x price).
    _el(_el(node, "cac:Price"), "cbc:PriceAmount", doc.price(line.unit_price), currencyID=doc.currency)


def build_ubl(doc: EDocument) -> bytes:
    """The document as a Peppol BIS 3.0 UBL Invoice, or CreditNote when doc.kind is 'credit_note'."""
    name, namespace = ROOTS[doc.kind]
    root = etree.Element(f"{{{namespace}}}{name}", nsmap={None: namespace, "cac": CAC, "cbc": CBC})
    _el(root, "cbc:CustomizationID", CUSTOMIZATION)
    _el(root, "cbc:ProfileID", PROFILE)
    _el(root, "cbc:ID", doc.number)
    _el(root, "cbc:IssueDate", doc.issue_date.isoformat())
    if doc.due_date and doc.kind == "invoice":  # UBL 2.1 CreditNote has no DueDate
        _el(root, "cbc:DueDate", doc.due_date.isoformat())
    _el(root, f"cbc:{name}TypeCode", doc.type_code)
    if doc.notes:
        _el(root, "cbc:Note", "\n".join(doc.notes))  # Peppol allows one note (PEPPOL-EN16931-R002)
    _el(root, "cbc:DocumentCurrencyCode", doc.currency)
    _el(root, "cbc:BuyerReference", doc.buyer_reference or doc.number)
    if doc.invoice_reference:
        _el(_el(_el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference"), "cbc:ID", doc.invoice_reference)
    _party(root, "cac:AccountingSupplierParty", doc.seller, seller=True)
    _party(root, "cac:AccountingCustomerParty", doc.buyer, seller=False)
    _payment(root, doc)
    _totals(root, doc)
    for position, line in enumerate(doc.lines, start=1):
        _line(root, doc, position, line, name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
