"""Server-side session rows; the browser only holds an opaque random id."""

from piccolo.columns import Bytea, Integer, Timestamptz, Varchar
from piccolo.table import Table


class SessionRecord(Table):
    """One browser session: its data and when it expires (UTC)."""

    key = Varchar(length=128, unique=True)
    data = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)
    # Who and where, for the person's list of active sessions (copied from the data when it is written).
    user_id = Integer(null=True, default=None, index=True)
    user_agent = Varchar(length=300, default="")
    address = Varchar(length=64, default="")
    created_at = Timestamptz(null=True, default=None)
    last_seen_at = Timestamptz(null=True, default=None)
