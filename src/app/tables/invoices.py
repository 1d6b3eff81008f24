"""Invoices, their lines, their activity timeline and reusable templates."""

from decimal import Decimal
from enum import Enum

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.customers import Customer
from app.tables.vendors import Vendor


class Invoice(Table):
    """A bill to one customer; amounts are integer minor units of `currency`."""

    class Status(str, Enum):
        draft = "draft"
        sent = "sent"
        partially_paid = "partially_paid"
        paid = "paid"
        partially_refunded = "partially_refunded"
        refunded = "refunded"
        void = "void"

    class Method(str, Enum):
        manual = "manual"
        stripe = "stripe"

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    customer = ForeignKey(references=Customer, null=False, on_delete=OnDelete.restrict, index=True)
    # Assigned at the first send; unique per vendor (index made in the migration).
    number = Varchar(length=64, null=True, default=None)
    status = Varchar(length=24, default=Status.draft, choices=Status, index=True)
    currency = Varchar(length=3)
    issue_date = Date()
    due_date = Date(null=True, default=None)
    terms = Varchar(length=24, default="due_on_receipt")
    discount_percent = Numeric(digits=(7, 4), default=Decimal(0))
    prices_include_tax = Boolean(default=False)  # unit prices entered tax-inclusive (gross)
    notes = Text(default="")
    footer = Text(default="")
    subtotal = BigInt(default=0)
    discount_total = BigInt(default=0)
    tax_total = BigInt(default=0)
    total = BigInt(default=0)
    # Kept by services/balance.py from the payment, refund and credit rows (never set by hand), so lists,
    # dashboards and exports aggregate them in the database: amount_due = total - credited - (paid - refunded).
    amount_paid = BigInt(default=0)
    amount_refunded = BigInt(default=0)
    amount_credited = BigInt(default=0)
    amount_due = BigInt(default=0)
    # The customer may pay part of the balance online, at least `partial_minimum` (minor units).
    allow_partial = Boolean(default=False)
    partial_minimum = BigInt(default=0)
    # With a payment schedule (services/instalments.py keeps these in settle()): the earliest instalment not
    # yet covered, its date and what remains of it. Null/0 without a schedule or once all are covered.
    next_due_date = Date(null=True, default=None)
    next_due_amount = BigInt(default=0)
    sent_at = Timestamptz(null=True, default=None)
    sent_method = Varchar(length=16, null=True, default=None, choices=Method)
    paid_at = Timestamptz(null=True, default=None)
    paid_method = Varchar(length=40, default="")
    paid_reference = Varchar(length=200, default="")
    voided_at = Timestamptz(null=True, default=None)
    void_reason = Text(default="")
    needs_attention = Boolean(default=False)
    # The customer opened the pay page (services/quotes/views.py): first and last time, how many times.
    first_viewed_at = Timestamptz(null=True, default=None)
    last_viewed_at = Timestamptz(null=True, default=None)
    view_count = Integer(default=0)
    attention_reason = Text(default="")
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # The recurring profile that made this invoice ("From recurring profile ..."); a plain id, since the
    # profile table refers to this one.
    recurring_profile_id = Integer(null=True, default=None)


class Instalment(Table):
    """One part of an invoice's payment schedule; amounts sum to the invoice total exactly."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    invoice = ForeignKey(references=Invoice, null=False, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    due_date = Date()
    amount = BigInt()
    # The percent the vendor typed (null when given as an amount); the amount is what counts.
    percent = Numeric(digits=(7, 4), null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class InvoiceLine(Table):
    """One line of an invoice: quantity x unit price, taxed at tax_rate percent."""

    invoice = ForeignKey(references=Invoice, null=False, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    description = Text()
    quantity = Numeric(digits=(14, 4))
    unit_price = BigInt()
    tax_rate = Numeric(digits=(7, 4), default=Decimal(0))
    line_total = BigInt(default=0)
    tax_amount = BigInt(default=0)
    tax_rate_ref = Integer(null=True, default=None)  # the named TaxRate chosen, when one was
    tax_category = Varchar(length=2, default="")  # its EN 16931 category; "" = derived from the rate


class InvoiceActivity(Table):
    """A timeline entry: created, edited, sent, paid, payment failed, voided..."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    invoice = ForeignKey(references=Invoice, null=False, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=40)
    message = Text()
    data = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = Varchar(length=120, default="")  # who did it: a member's name, "Stripe webhook", "automatically"


class InvoiceTemplate(Table):
    """A vendor's saved starting point for new invoices (lines, terms, notes)."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=120)
    currency = Varchar(length=3, default="USD")
    terms = Varchar(length=24, default="due_on_receipt")
    lines = JSON(default=[])
    notes = Text(default="")
    footer = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
