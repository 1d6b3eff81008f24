"""Vendors (businesses), the users who log in for them, and login throttling."""

from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Vendor(Table):
    """A business that bills its customers through PayPort."""

    name = Varchar(length=200)
    email = Varchar(length=254)
    timezone = Varchar(length=64, default="UTC")
    default_currency = Varchar(length=3, default="USD")
    invoice_prefix = Varchar(length=20, default="INV-")
    # Placeholders: {prefix}, {year}, {seq} (zero-padded to invoice_number_padding).
    invoice_number_pattern = Varchar(length=60, default="{prefix}{year}-{seq}")
    invoice_number_padding = Integer(default=4)
    next_invoice_seq = Integer(default=1)
    # Credit notes have their own sequence and pattern (same placeholders, same padding).
    credit_note_number_pattern = Varchar(length=60, default="CN-{year}-{seq}")
    next_credit_note_seq = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class User(Table, tablename="app_user"):
    """A person who logs in on behalf of a vendor."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    email = Varchar(length=254, unique=True)
    password_hash = Varchar(length=255)
    is_owner = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class LoginThrottle(Table):
    """Login attempts per key (services/login_throttle.py): an account and address pair, an address, an account."""

    email = Varchar(length=254, unique=True)  # the hashed key ("pair:...", "address:...", "account:...")
    failures = Integer(default=0)
    window_started_at = Timestamptz(default=TimestamptzNow())
    locked_until = Timestamptz(null=True, default=None)
    lockouts = Integer(default=0)  # delays so far: each one lasts twice as long as the last
    notified_at = Timestamptz(null=True, default=None)
