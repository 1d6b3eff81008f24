"""Named tax rates: a vendor's reusable rates ("VAT 19%"), each with its EN 16931 VAT category."""

from decimal import Decimal

from piccolo.columns import Boolean, ForeignKey, Numeric, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.vendors import Vendor


class TaxRate(Table, tablename="tax_rate"):
    """One rate; in use it is archived, never deleted, so old invoices keep their name and category."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=60)
    percent = Numeric(digits=(7, 4), default=Decimal(0))
    category = Varchar(length=2, default="S")  # UNTDID 5305: S, Z, E, AE, K, G, O
    is_default = Boolean(default=False)
    archived_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
