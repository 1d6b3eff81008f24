"""Quotes (estimates): an offer to one customer that they accept or decline online, then become an invoice."""

from decimal import Decimal
from enum import Enum

from piccolo.columns import JSON, BigInt, Date, ForeignKey, Integer, Numeric, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.vendors import Vendor


class Quote(Table):
    """An offer with the invoice's figures (minor units of `currency`) and an expiry date."""

    class Status(str, Enum):
        draft = "draft"
        sent = "sent"
        viewed = "viewed"
        accepted = "accepted"
        declined = "declined"
        converted = "converted"
        # "expired" is never stored: a sent or viewed quote past its expiry date reads Expired.

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    customer = ForeignKey(references=Customer, null=False, on_delete=OnDelete.restrict, index=True)
    # Assigned when the quote is first sent; unique per vendor (index made in the migration).
    number = Varchar(length=64, null=True, default=None)
    status = Varchar(length=24, default=Status.draft, choices=Status, index=True)
    currency = Varchar(length=3)
    issue_date = Date()
    expiry_date = Date()
    discount_percent = Numeric(digits=(7, 4), default=Decimal(0))
    notes = Text(default="")
    footer = Text(default="")
    subtotal = BigInt(default=0)
    discount_total = BigInt(default=0)
    tax_total = BigInt(default=0)
    total = BigInt(default=0)
    # The customer's page is /quote/<token>: unguessable, permanent (unique index in the migration).
    token = Varchar(length=64)
    sent_at = Timestamptz(null=True, default=None)
    first_viewed_at = Timestamptz(null=True, default=None)
    last_viewed_at = Timestamptz(null=True, default=None)
    view_count = Integer(default=0)
    accepted_at = Timestamptz(null=True, default=None)
    accepted_name = Varchar(length=200, default="")
    accepted_address = Varchar(length=64, default="")
    declined_at = Timestamptz(null=True, default=None)
    decline_reason = Text(default="")
    invoice = ForeignKey(references=Invoice, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    converted_at = Timestamptz(null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class QuoteLine(Table):
    """One line of a quote, the shape of an invoice line."""

    quote = ForeignKey(references=Quote, null=False, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    description = Text()
    quantity = Numeric(digits=(14, 4))
    unit_price = BigInt()
    tax_rate = Numeric(digits=(7, 4), default=Decimal(0))
    line_total = BigInt(default=0)
    tax_amount = BigInt(default=0)


class QuoteActivity(Table):
    """A quote's timeline entry: created, edited, sent, viewed, accepted, declined, converted."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    quote = ForeignKey(references=Quote, null=False, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=40)
    message = Text()
    data = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
