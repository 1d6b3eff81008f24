"""Credit notes against one invoice, their lines, and the customer's credit balance they can leave behind."""

from enum import Enum

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, Numeric, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.customers import Customer
from app.tables.invoices import Invoice, InvoiceLine
from app.tables.vendors import Vendor


class CreditNote(Table):
    """Money taken off one invoice; amounts are minor units of the invoice's currency.

    Of `total`, `amount_refunded` went back to the customer's card or account and `amount_kept` became the
    customer's credit balance (both only for the part the invoice had already been paid beyond its new total).
    """

    class Mode(str, Enum):
        lines = "lines"
        amount = "amount"

    class Excess(str, Enum):
        none = "none"
        refund = "refund"
        keep = "keep"

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    invoice = ForeignKey(references=Invoice, null=False, on_delete=OnDelete.restrict, index=True)
    customer = ForeignKey(references=Customer, null=False, on_delete=OnDelete.restrict, index=True)
    # Unique per vendor (index made in the migration).
    number = Varchar(length=64)
    mode = Varchar(length=16, choices=Mode)
    reason = Text(default="")
    currency = Varchar(length=3)
    subtotal = BigInt(default=0)
    discount_total = BigInt(default=0)
    tax_total = BigInt(default=0)
    total = BigInt(default=0)
    excess = Varchar(length=16, default=Excess.none, choices=Excess)
    amount_refunded = BigInt(default=0)
    amount_kept = BigInt(default=0)
    # The form's key: a double submit finds the note it already made (and so never refunds twice).
    request_key = Varchar(length=64, unique=True)
    # [{"payment": id, "refund": id, "amount": n}]: the refunds this note asked for.
    refunds = JSON(default=[])
    issue_date = Timestamptz(default=TimestamptzNow())
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class CreditNoteLine(Table):
    """A credited quantity of one invoice line, with its figures by the invoice rounding rule."""

    credit_note = ForeignKey(references=CreditNote, null=False, on_delete=OnDelete.cascade, index=True)
    invoice_line = ForeignKey(references=InvoiceLine, null=True, default=None, on_delete=OnDelete.set_null,
                              index=True)
    position = Integer(default=0)
    description = Text()
    quantity = Numeric(digits=(14, 4))
    unit_price = BigInt()
    tax_rate = Numeric(digits=(7, 4))
    line_total = BigInt(default=0)
    discount = BigInt(default=0)
    tax_amount = BigInt(default=0)


class CustomerCredit(Table):
    """One movement of a customer's credit balance in one currency: + kept from a credit note, - applied.

    `invoice` is the invoice the movement belongs to: the credited one for +, the one paid with it for -.
    So an invoice's credits are its credit notes' totals minus the sum of its movements.
    """

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    customer = ForeignKey(references=Customer, null=False, on_delete=OnDelete.restrict, index=True)
    invoice = ForeignKey(references=Invoice, null=False, on_delete=OnDelete.restrict, index=True)
    credit_note = ForeignKey(references=CreditNote, null=True, default=None, on_delete=OnDelete.restrict)
    currency = Varchar(length=3)
    amount = BigInt()
    request_key = Varchar(length=64, null=True, default=None, unique=True)
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
