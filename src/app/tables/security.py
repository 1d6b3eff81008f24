"""Account safety rows: single-use email tokens (reset, verification, email change) and recovery codes."""

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.vendors import User


class AccountToken(Table):
    """A link sent by email; only the SHA-256 of its token is kept, and it works once before it expires."""

    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    purpose = Varchar(length=16)  # services/account_tokens.py: reset, verify, email
    token_hash = Varchar(length=64, unique=True)
    new_email = Varchar(length=254, default="")  # the address an email change confirms
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class RecoveryCode(Table):
    """One of a person's ten two-factor recovery codes, hashed; used_at marks it spent."""

    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    code_hash = Varchar(length=64, unique=True)
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
