"""Members of a vendor (a person's role in one business) and the invitations that make them."""

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.vendors import User, Vendor


class Membership(Table):
    """A person's role in one vendor: viewer < staff < admin < owner; unique per (user, vendor)."""

    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    role = Varchar(length=16, default="staff")
    name = Varchar(length=120, default="")
    created_at = Timestamptz(default=TimestamptzNow())

    @classmethod
    def owners(cls, vendor_id: int):
        """The user ids of the vendor's owner (a subquery): ownership is a membership role, not a user flag."""
        return cls.select(cls.user).where((cls.vendor == vendor_id) & (cls.role == "owner"))


class Invitation(Table):
    """An invitation by email: its signed link is single use and valid for seven days."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    email = Varchar(length=254)
    role = Varchar(length=16, default="staff")
    nonce = Varchar(length=64, unique=True)  # the signed link carries it; accepting clears it for good
    invited_by = Varchar(length=120, default="")
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
