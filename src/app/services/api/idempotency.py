"""Idempotency-Key on POST: the first answer is stored; the same key and body replay it, another body is refused."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from app.db import write_transaction
from app.errors import Conflict, NotAllowed
from app.services.clock import utcnow
from app.tables.api import ApiIdempotency

KEEP = timedelta(hours=24)  # as Stripe: a key may be reused after a day


class IdempotencyMismatch(Conflict):
    """The key was used with a different request body."""


class IdempotencyInProgress(Conflict):
    """The first request with this key has not finished yet."""


@dataclass(frozen=True)
class Answer:
    """What a POST answered: HTTP status and the JSON body as text."""

    status: int
    body: str


def request_hash(method: str, path: str, body: bytes) -> str:
    """Same key is the same request only for the same route and body."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


async def _claim(api_key_id: int, name: str, digest: str) -> Answer | None:
    """Take the key for this request (None), or return the stored answer of an earlier one."""
    async with write_transaction():
        row = await ApiIdempotency.select().where(ApiIdempotency.key_name == name).first()
        if row is not None and utcnow() - row["created_at"] > KEEP:
            await ApiIdempotency.delete().where(ApiIdempotency.id == row["id"])
            row = None
        if row is None:
            await ApiIdempotency.insert(ApiIdempotency(api_key=api_key_id, key_name=name, request_hash=digest,
                                                       created_at=utcnow()))
            return None
    if row["request_hash"] != digest:
        raise IdempotencyMismatch("Keys for idempotent requests can only be used with the same parameters they "
                                  "were first used with. Try using a key other than this one.")
    if not row["status"]:
        raise IdempotencyInProgress("A request with this Idempotency-Key is still being handled; retry shortly.")
    return Answer(row["status"], row["body"])


async def run_once(api_key_id: int, key: str, digest: str, produce: Callable[[], Awaitable[Answer]]) -> Answer:
    """The stored answer for (api key, key), or produce it now and store it; a failure frees the key."""
    if not key.isprintable() or len(key) > 255:
        raise NotAllowed("An Idempotency-Key is at most 255 printable characters.")
    name = f"{api_key_id}:{key}"
    try:
        stored = await _claim(api_key_id, name, digest)
    except Exception as exc:
        if "unique" not in str(exc).lower():
            raise
        # PostgreSQL: a concurrent first request inserted the key between our read and our insert.
        raise IdempotencyInProgress("A request with this Idempotency-Key is still being handled; retry shortly.")
    if stored is not None:
        return stored
    try:
        answer = await produce()
    except BaseException:
        await ApiIdempotency.delete().where(ApiIdempotency.key_name == name)
        raise
    await ApiIdempotency.update({ApiIdempotency.status: answer.status, ApiIdempotency.body: answer.body}).where(
        ApiIdempotency.key_name == name)
    return answer
