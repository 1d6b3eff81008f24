"""Single-use email links: a random token goes out, only its SHA-256 is stored, and it works once and in time."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from app.db import write_transaction
from app.tables.security import AccountToken

RESET = "reset"
VERIFY = "verify"
EMAIL = "email"
LIFETIMES = {RESET: timedelta(hours=1), VERIFY: timedelta(days=3), EMAIL: timedelta(hours=24)}


class TokenInvalid(Exception):
    """The link is unknown, already used, expired, or for another purpose."""


@dataclass(frozen=True)
class Redeemed:
    """A token that has just been spent."""

    user_id: int
    new_email: str


def token_hash(token: str) -> str:
    """What the table keeps instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(user_id: int, purpose: str, new_email: str = "", now: datetime | None = None) -> str:
    """A fresh token for the person; earlier unused ones of the same purpose stop working."""
    now = now or datetime.now(timezone.utc)
    token = secrets.token_urlsafe(32)
    async with write_transaction():
        await AccountToken.update({AccountToken.used_at: now}).where(
            (AccountToken.user == user_id) & (AccountToken.purpose == purpose) & AccountToken.used_at.is_null())
        await AccountToken.insert(AccountToken(
            user=user_id, purpose=purpose, token_hash=token_hash(token), new_email=new_email,
            expires_at=now + LIFETIMES[purpose], created_at=now))
    return token


def _valid(purpose: str, token: str, now: datetime):
    return ((AccountToken.token_hash == token_hash(token or "")) & (AccountToken.purpose == purpose)
            & AccountToken.used_at.is_null() & (AccountToken.expires_at > now))


async def peek(purpose: str, token: str, now: datetime | None = None) -> int:
    """The person a still-valid token belongs to, without spending it; raise TokenInvalid."""
    now = now or datetime.now(timezone.utc)
    row = await AccountToken.select(AccountToken.user).where(_valid(purpose, token, now)).first()
    if row is None:
        raise TokenInvalid(purpose)
    return row["user"]


async def redeem(purpose: str, token: str, now: datetime | None = None) -> Redeemed:
    """Spend the token (one conditional UPDATE, so two clicks cannot both win); raise TokenInvalid."""
    now = now or datetime.now(timezone.utc)
    async with write_transaction():
        rows = await AccountToken.update({AccountToken.used_at: now}).where(
            _valid(purpose, token, now)).returning(AccountToken.user, AccountToken.new_email)
    if not rows:
        raise TokenInvalid(purpose)
    return Redeemed(rows[0]["user"], rows[0]["new_email"])
