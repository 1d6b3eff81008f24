"""The audit log: append-only entries of who did what to a vendor's account (services/audit.py writes them)."""

from piccolo.columns import JSON, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.vendors import Vendor


class AuditEntry(Table):
    """One event: sign-in, failed sign-in, settings, Stripe, key, member, export or refund. Never updated."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=24, index=True)
    actor = Varchar(length=254, default="")
    message = Varchar(length=500, default="")
    address = Varchar(length=64, default="")
    data = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
