"""Server-side session rows; the browser only holds an opaque random id."""

from piccolo.columns import Bytea, Timestamptz, Varchar
from piccolo.table import Table


class SessionRecord(Table):
    """One browser session: its data and when it expires (UTC)."""

    key = Varchar(length=128, unique=True)
    data = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)
