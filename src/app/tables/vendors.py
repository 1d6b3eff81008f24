"""Vendors (businesses), the users who log in for them, and login throttling."""

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
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
    # Quotes too (services/quotes): own sequence and pattern; accepted quotes may become invoices by themselves.
    quote_number_pattern = Varchar(length=60, default="QUO-{year}-{seq}")
    next_quote_seq = Integer(default=1)
    quote_auto_convert = Boolean(default=False)
    # Business details printed on documents (services/business.py checks them).
    logo_png = Text(default="")  # base64 PNG, already resized; "" = no logo
    address = Text(default="")
    country = Varchar(length=2, default="")  # ISO 3166-1 alpha-2
    vat_id = Varchar(length=32, default="")
    company_number = Varchar(length=64, default="")
    phone = Varchar(length=50, default="")
    website = Varchar(length=200, default="")
    bank_name = Varchar(length=120, default="")
    iban = Varchar(length=34, default="")
    bic = Varchar(length=11, default="")
    accent_color = Varchar(length=7, default="#4f46e5")
    default_notes = Text(default="")
    default_footer = Text(default="")
    attach_einvoices = Boolean(default=False)  # invoice emails carry the Factur-X PDF and the UBL XML
    language = Varchar(length=5, default="en")  # the customer documents' language when a customer has none
    attach_credit_einvoices = Boolean(default=False)  # credit-note emails carry the Factur-X PDF and the UBL XML
    tax_rounding = Varchar(length=8, default="line")  # "line": tax rounded per line; "rate": once per rate
    require_two_factor = Boolean(default=False)  # every member enrols in two-factor at next sign-in
    created_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)  # closed by its owner: nobody signs in, the data is kept


class User(Table, tablename="app_user"):
    """A person who logs in on behalf of a vendor."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    email = Varchar(length=254, unique=True)
    password_hash = Varchar(length=255)
    is_owner = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    email_verified = Boolean(default=False)  # until then the vendor cannot email invoices
    totp_secret = Text(default="")  # encrypted (app.encryption); "" = two-factor off
    totp_enabled_at = Timestamptz(null=True, default=None)  # set once enrolment is confirmed by a code
    password_changed_at = Timestamptz(null=True, default=None)


class LoginThrottle(Table):
    """Login attempts per key (services/login_throttle.py): an account and address pair, an address, an account."""

    email = Varchar(length=254, unique=True)  # the hashed key ("pair:...", "address:...", "account:...")
    failures = Integer(default=0)
    window_started_at = Timestamptz(default=TimestamptzNow())
    locked_until = Timestamptz(null=True, default=None)
    lockouts = Integer(default=0)  # delays so far: each one lasts twice as long as the last
    notified_at = Timestamptz(null=True, default=None)
