"""One EN 16931 view of an invoice or credit note, which both syntaxes (CII, UBL) write out.

Amounts stay integer minor units until they are written; the line figures are the stored ones (one rounding
rule, services/invoices/totals.py), so the e-invoice agrees with the screen, the PDF and the CSV to the minor unit.
VAT categories (UNTDID 5305): S standard rate, Z zero rate, AE reverse charge (intra-EU B2B), G export outside
the EU. The tax breakdown states PayPort's tax per category and rate whenever BR-CO-17 / BR-S-09 accept it (within
one unit of the currency of taxable amount x rate). Tax rounded per line or found inside gross prices can drift
further in yen; such a category states round(taxable x rate) and the difference goes into the rounding amount
(BT-114), so the amount due is still PayPort's total to the minor unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.money import decimals
from app.services.business import REVERSE_CHARGE_NOTE, is_eu
from app.services.invoices.documents import InvoiceDocument

EXEMPTIONS = {"AE": ("VATEX-EU-AE", "Reverse charge"), "G": ("VATEX-EU-G", "Export outside the EU"),
              "E": ("VATEX-EU-132", "Exempt from VAT"), "K": ("VATEX-EU-IC", "Intra-Community supply"),
              "O": ("VATEX-EU-O", "Not subject to VAT")}
POSTCODE_CITY = re.compile(r"^((?:[A-Z]{1,2}-)?[0-9]{4,5}|[A-Z0-9]{2,4} ?[0-9][A-Z]{2})\s+(.+)$")


@dataclass(frozen=True)
class Party:
    """Seller or buyer: name, postal address, ids and how to reach them."""

    name: str
    country: str
    street: str = ""
    postcode: str = ""
    city: str = ""
    vat_id: str = ""  # only an id with a country prefix (BR-CO-09)
    tax_id: str = ""  # another tax number (a US EIN, a Japanese T-number): no VAT id, kept out of BT-31/BT-48
    company_number: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Line:
    """An invoice line: net price, quantity, the stored amount, its discount (a line allowance) and VAT."""

    description: str
    quantity: Decimal
    unit_price: int | Decimal  # minor units; a Decimal when found from a tax-inclusive price
    amount: int
    discount: int
    tax: int
    category: str
    rate: Decimal

    @property
    def net(self) -> int:
        return self.amount - self.discount


@dataclass(frozen=True)
class TaxGroup:
    """One VAT breakdown row (BG-23): PayPort's tax of its lines, and the tax the e-invoice states (BT-117)."""

    category: str
    rate: Decimal
    taxable: int
    line_tax: int
    tax: int

    @property
    def exemption(self) -> tuple[str, str] | None:
        return EXEMPTIONS.get(self.category)


@dataclass(frozen=True)
class EDocument:
    """Everything EN 16931 asks of an invoice (type 380) or credit note (type 381)."""

    number: str
    issue_date: date
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    kind: str = "invoice"
    due_date: date | None = None
    terms: str = ""
    notes: tuple[str, ...] = ()
    buyer_reference: str = ""
    invoice_reference: str = ""  # what a credit note corrects (BT-25)
    prepaid: int = 0
    iban: str = ""
    bic: str = ""
    bank_name: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def type_code(self) -> str:
        return "381" if self.kind == "credit_note" else "380"

    @property
    def net_total(self) -> int:
        return sum(line.net for line in self.lines)

    @property
    def line_tax_total(self) -> int:
        """PayPort's tax: the sum of the stored line taxes."""
        return sum(line.tax for line in self.lines)

    @property
    def tax_total(self) -> int:
        """The tax the e-invoice states (BT-110): the sum of its breakdown (BR-CO-14)."""
        return sum(group.tax for group in self.tax_groups())

    @property
    def gross_total(self) -> int:
        return self.net_total + self.tax_total

    @property
    def rounding(self) -> int:
        """BT-114: what brings the stated total back to PayPort's (0 unless a category's tax had to be restated)."""
        return self.line_tax_total - self.tax_total

    @property
    def payable(self) -> int:
        return self.gross_total + self.rounding - self.prepaid

    def tax_groups(self) -> list[TaxGroup]:
        """The VAT breakdown (BG-23): one group per category and rate."""
        groups: dict[tuple[str, Decimal], list[int]] = {}
        for line in self.lines:
            sums = groups.setdefault((line.category, line.rate), [0, 0])
            sums[0] += line.net
            sums[1] += line.tax
        return [TaxGroup(c, r, t, x, stated_tax(t, r, x, self.currency)) for (c, r), (t, x) in sorted(groups.items())]

    def money(self, minor: int) -> str:
        """An amount as the XML writes it: the currency's decimals, a dot, no grouping."""
        places = decimals(self.currency)
        value = Decimal(minor).scaleb(-places)
        return f"{value:.{places}f}"

    def price(self, minor: int | Decimal) -> str:
        """A unit price: the currency's decimals, or four more for a net price found from a tax-inclusive one."""
        if isinstance(minor, Decimal) and minor != minor.to_integral_value():
            places = decimals(self.currency) + 4
            return f"{Decimal(minor).scaleb(-decimals(self.currency)):.{places}f}"
        return self.money(int(minor))


def stated_tax(taxable: int, rate: Decimal, tax: int, currency: str) -> int:
    """The category tax to state: PayPort's when the rules take it, else round(taxable x rate), half up.

    BR-CO-17 and BR-S-09 compare the tax with taxable x rate rounded to two decimals, and allow less than one unit
    of the currency (one euro, one yen) either way; in cents PayPort's rounding never gets that far.
    """
    unit = Decimal(10) ** decimals(currency)
    exact = Decimal(abs(taxable)) * rate / 100
    exact = (exact / unit).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * unit  # two decimals of the major unit
    if abs(abs(tax) - exact) < unit:
        return tax
    return int((Decimal(taxable) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_address(text: str) -> tuple[str, str, str]:
    """(street, postcode, city) from a free-text address: the first line, and the 'postcode city' line."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    street = lines[0] if lines else ""
    for line in lines[1:] or lines:
        if match := POSTCODE_CITY.match(line):
            return street, match.group(1), match.group(2)
    return street, "", lines[1] if len(lines) > 1 else ""


def category_for(rate: Decimal, reverse_charge: bool, buyer_country: str, seller_country: str) -> str:
    """The VAT category of a line (UNTDID 5305)."""
    if reverse_charge:
        return "AE"
    if rate:
        return "S"
    if buyer_country and not is_eu(buyer_country) and is_eu(seller_country or "DE"):
        return "G"
    return "Z"


def _party(row: dict, address_key: str, vat_key: str) -> Party:
    street, postcode, city = split_address(row.get(address_key, ""))
    number = row.get(vat_key, "") or ""
    is_vat = bool(re.match(r"[A-Z]{2}[0-9A-Z]", number))
    return Party(name=row.get("name", ""), country=row.get("country", ""), street=street, postcode=postcode,
                 city=city, vat_id=number if is_vat else "", tax_id="" if is_vat else number,
                 company_number=row.get("company_number", ""),
                 email=row.get("email", ""), phone=row.get("phone", ""))


def from_document(doc: InvoiceDocument, terms_text: str = "") -> EDocument:
    """The invoice as an EN 16931 document, from what the PDF prints."""
    inv, vendor, customer = doc.invoice, doc.vendor, doc.customer
    reverse = bool(customer.get("reverse_charge"))
    lines = tuple(
        Line(l.description or "Item", l.quantity, _net_price(l, inv), l.line_total,
             l.line_total - _net_of(l, inv), l.tax_amount,
             "AE" if reverse else (getattr(l, "tax_category", "") or
                                   category_for(l.tax_rate, reverse, customer.get("country", ""), vendor.get("country", ""))),
             Decimal(0) if reverse else l.tax_rate)
        for l in doc.lines
    )
    notes = tuple(n for n in (inv.get("notes", ""), REVERSE_CHARGE_NOTE if reverse else "") if n)
    return EDocument(
        number=inv.get("number") or f"DRAFT-{inv['id']}", issue_date=inv["issue_date"], currency=doc.currency,
        seller=_party(vendor, "address", "vat_id"), buyer=_party(customer, "billing_address", "tax_id"),
        lines=lines, due_date=inv.get("due_date"), terms=terms_text or "Due on receipt", notes=notes,
        buyer_reference=inv.get("number") or str(inv["id"]), prepaid=inv["total"] - max(doc.amount_due, 0),
        iban=vendor.get("iban", ""), bic=vendor.get("bic", ""), bank_name=vendor.get("bank_name", ""),
    )


def _net_price(line, inv: dict) -> int | Decimal:
    return net_price(line.quantity, line.unit_price, line.line_total, line.tax_rate,
                     bool(inv.get("prices_include_tax")), inv.get("currency") or "EUR")


def net_price(quantity: Decimal, unit_price: int, amount: int, rate: Decimal, inclusive: bool,
              currency: str) -> int | Decimal:
    """BT-146 is a net price: the unit price, unless it was tax-inclusive or quantity x price is more than 0.01 away
    from the rounded line amount (a yen price times half a unit): then the stored amount over the quantity, written
    with four more decimals, so that quantity x price = line amount holds (PEPPOL-EN16931-R120, 0.02 slack)."""
    gap = abs(quantity * unit_price - amount).scaleb(-decimals(currency))
    if not (inclusive and rate) and gap <= Decimal("0.01"):
        return unit_price
    net = (Decimal(amount) / quantity).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return int(net) if net == net.to_integral_value() else net


def _net_of(line, inv: dict) -> int:
    """The line's amount after the invoice discount, by the same rule as totals.py."""
    from_discount = (Decimal(line.line_total) * Decimal(inv.get("discount_percent") or 0) / 100)
    return line.line_total - int(from_discount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
