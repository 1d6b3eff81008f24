"""Customers a vendor bills."""

from piccolo.columns import Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.vendors import Vendor


class Customer(Table):
    """A client of a vendor; archived rather than deleted once invoiced."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=200)
    email = Varchar(length=254)
    phone = Varchar(length=50, default="")
    billing_address = Text(default="")
    tax_id = Varchar(length=64, default="")
    currency = Varchar(length=3, default="USD")
    country = Varchar(length=2, default="")  # ISO 3166-1 alpha-2; tax_id is the VAT id
    # Intra-EU B2B: the customer accounts for the VAT (category AE, the legal note on the invoice).
    reverse_charge = Boolean(default=False)
    language = Varchar(length=5, default="")  # documents they see; "" = the vendor's language
    notes = Text(default="")
    archived_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
