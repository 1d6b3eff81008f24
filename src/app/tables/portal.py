"""The customer portal: single-use sign-in links, portal sessions, and the request log that throttles asking."""

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.customers import Customer
from app.tables.vendors import Vendor


class PortalLink(Table):
    """A sign-in link mailed to one customer of one vendor; only a hash of its secret is kept."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.cascade, index=True)
    customer = ForeignKey(references=Customer, null=False, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)
    email = Varchar(length=254)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class PortalSession(Table):
    """A signed-in portal browser, limited to one customer of one vendor; the cookie holds the secret."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.cascade, index=True)
    customer = ForeignKey(references=Customer, null=False, on_delete=OnDelete.cascade, index=True)
    key_hash = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())


class PortalRequest(Table):
    """One ask for a sign-in link, by hashed client address: the per-address throttle counts these."""

    address_hash = Varchar(length=64, index=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
