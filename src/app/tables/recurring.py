"""Recurring profiles (an invoice made again each period) and the claim of each period they made."""

from decimal import Decimal
from enum import Enum

from piccolo.columns import JSON, Date, ForeignKey, Integer, Numeric, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.vendors import Vendor


class RecurringProfile(Table):
    """What to bill a customer each period; `lines` hold minor-unit prices of `currency`."""

    class Status(str, Enum):
        active = "active"
        paused = "paused"
        cancelled = "cancelled"
        finished = "finished"

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    customer = ForeignKey(references=Customer, null=False, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=120)
    currency = Varchar(length=3)
    # [{"description", "quantity" (decimal text), "unit_price" (minor units), "tax_rate" (decimal text)}]
    lines = JSON(default=[])
    discount_percent = Numeric(digits=(7, 4), default=Decimal(0))
    notes = Text(default="")
    footer = Text(default="")
    terms_days = Integer(default=0)
    # weekly, weeks (every `every` weeks), monthly (on `day_of_month`, clamped), monthly_last, quarterly, yearly
    frequency = Varchar(length=16, default="monthly")
    every = Integer(default=1)
    day_of_month = Integer(default=1)
    start_date = Date()
    end_mode = Varchar(length=8, default="never")  # never, count, date
    end_count = Integer(null=True, default=None)
    end_date = Date(null=True, default=None)
    action = Varchar(length=8, default="draft")  # draft, send, autopay
    catch_up = Varchar(length=8, default="all")  # all, latest
    status = Varchar(length=12, default=Status.active, choices=Status, index=True)
    # The next period not yet made (vendor-local date); null once the profile has ended.
    next_date = Date(null=True, default=None, index=True)
    invoices_made = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class RecurringPeriod(Table):
    """One period a profile made (or skipped): unique per (profile, period_date), the exactly-once claim."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    profile = ForeignKey(references=RecurringProfile, null=False, on_delete=OnDelete.cascade)
    period_date = Date()
    invoice = ForeignKey(references=Invoice, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
