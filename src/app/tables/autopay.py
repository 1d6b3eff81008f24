"""Saved cards (a Stripe Customer and its card per PayPort customer) and off-session autopay attempts."""

from enum import Enum

from piccolo.columns import BigInt, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.vendors import Vendor


class SavedCard(Table):
    """One PayPort customer's Stripe Customer on one Stripe account ("" = the platform, Connect) and its card.

    The row exists once the Stripe Customer does; the card columns are filled when a card is saved and emptied
    when it is removed.
    """

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.cascade, index=True)
    customer = ForeignKey(references=Customer, null=False, on_delete=OnDelete.cascade, index=True)
    stripe_account = Varchar(length=64, default="")
    stripe_customer = Varchar(length=64, index=True)  # unique per (customer, stripe_account): see the migration
    payment_method = Varchar(length=64, default="")
    brand = Varchar(length=32, default="")
    last4 = Varchar(length=4, default="")
    exp_month = Integer(default=0)
    exp_year = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class AutopayAttempt(Table):
    """One off-session charge of an invoice's amount due; attempt numbers 1..4 per invoice (unique)."""

    class Status(str, Enum):
        creating = "creating"
        succeeded = "succeeded"
        failed = "failed"  # declined: the next try is at next_retry_at (None: no more tries)
        requires_action = "requires_action"  # the bank wants the customer to authenticate
        error = "error"  # Stripe could not be reached: the same key is used again

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.cascade, index=True)
    invoice = ForeignKey(references=Invoice, null=False, on_delete=OnDelete.cascade, index=True)
    attempt = Integer(default=1)
    status = Varchar(length=20, choices=Status, default=Status.creating)
    idempotency_key = Varchar(length=80)
    stripe_account = Varchar(length=64, default="")
    payment_method = Varchar(length=64, default="")
    payment_intent = Varchar(length=64, default="")
    amount = BigInt(default=0)
    currency = Varchar(length=3, default="")
    error_code = Varchar(length=64, default="")
    message = Text(default="")
    next_retry_at = Timestamptz(null=True, default=None, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
