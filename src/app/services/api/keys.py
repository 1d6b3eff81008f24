"""API keys: made in Settings with a name and a scope, the secret shown once, only its sha256 kept, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.errors import NotFound
from app.parsing import is_one_line
from app.services.clock import utcnow
from app.tables.api import ApiKey

SCOPES = {"read": "Read only", "write": "Read and write"}
PREFIX = "pp_live_"
TOUCH_EVERY = timedelta(minutes=1)  # last used is written at most this often per key


class KeyErrors(ValueError):
    """Field errors of the new key form: {field: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class CallerKey:
    """The key a request came with: whose data it reaches and what it may do."""

    id: int
    vendor_id: int
    scope: str
    name: str

    @property
    def can_write(self) -> bool:
        return self.scope == "write"


def hash_secret(secret: str) -> str:
    """The stored form of a key: sha256 of a 256-bit random secret needs no slow hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_key(vendor_id: int, name: str, scope: str, created_by: str = "") -> tuple[ApiKey, str]:
    """Make a key; returns the row and the secret, which is never shown again."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Give the key a name, e.g. the tool that will use it."
    elif len(name) > 100 or not is_one_line(name):
        errors["name"] = "Use one line of at most 100 characters."
    if scope not in SCOPES:
        errors["scope"] = "Choose Read only or Read and write."
    if errors:
        raise KeyErrors(errors)
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(vendor=vendor_id, name=name, scope=scope, key_hash=hash_secret(secret), prefix=secret[:12],
                 created_by=created_by[:254], created_at=utcnow())
    await row.save()
    return row, secret


async def list_keys(vendor_id: int) -> list[dict[str, Any]]:
    """The vendor's keys, newest first, revoked ones included (marked)."""
    return await ApiKey.select().where(ApiKey.vendor == vendor_id).order_by(ApiKey.id, ascending=False)


async def revoke_key(vendor_id: int, key_id: int) -> None:
    """Stop a key at once; revoking twice changes nothing."""
    row = await ApiKey.objects().where((ApiKey.id == key_id) & (ApiKey.vendor == vendor_id)).first()
    if row is None:
        raise NotFound("That API key does not exist.")
    if row.revoked_at is None:
        await ApiKey.update({ApiKey.revoked_at: utcnow()}).where(ApiKey.id == row.id)


async def authenticate(secret: str) -> CallerKey | None:
    """The live key for a secret, or None (unknown, revoked); notes when it was last used."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    row = await ApiKey.select().where(
        (ApiKey.key_hash == hash_secret(secret)) & ApiKey.revoked_at.is_null()).first()
    if row is None:
        return None
    now = utcnow()
    if row["last_used_at"] is None or now - row["last_used_at"] > TOUCH_EVERY:
        await ApiKey.update({ApiKey.last_used_at: now}).where(ApiKey.id == row["id"])
    return CallerKey(row["id"], row["vendor"], row["scope"], row["name"])
