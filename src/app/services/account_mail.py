"""Emails about a person's account (reset, verification, email change, notices), queued in the outbox."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from html import escape

from app.db import write_transaction
from app.services import outbox_queue as mail
from app.settings import get_settings
from app.tables.mail import OutboxMessage


def link(path: str) -> str:
    """An absolute link into the app, on its public base URL."""
    return get_settings().app_base_url.rstrip("/") + path


def _html(text: str) -> str:
    """Paragraphs of escaped text; a line that is a link becomes a clickable one."""
    parts = []
    for part in text.strip().split("\n\n"):
        if part.startswith(("http://", "https://")) and "\n" not in part:
            parts.append(f'<p><a href="{escape(part)}">{escape(part)}</a></p>')
        else:
            parts.append("<p>" + escape(part).replace("\n", "<br>") + "</p>")
    return "".join(parts)


async def queue(vendor_id: int, to: str, subject: str, text: str, dedupe_key: str | None = None) -> None:
    """Queue one account email to `to`; the worker delivers it (or /outbox keeps it in development)."""
    now = datetime.now(timezone.utc)
    sender, _ = mail.sender_for({"name": "PayPort", "email": ""})
    async with write_transaction():
        await OutboxMessage.insert(OutboxMessage(
            vendor=vendor_id, invoice=None, kind=OutboxMessage.Kind.security_notice,
            dedupe_key=(dedupe_key or f"account:{secrets.token_hex(16)}")[:120], sender=sender, reply_to="",
            to=to, cc="", subject=subject[:300], text=text, html=_html(text),
            status=OutboxMessage.Status.queued, next_attempt_at=now, created_at=now,
        )).on_conflict(action="DO NOTHING")
    mail.wake_worker()


async def recent(limit: int = 50) -> list[dict]:
    """The latest account emails of every vendor (the development mailbox; never offered in production)."""
    return await OutboxMessage.select(
        OutboxMessage.id, OutboxMessage.to, OutboxMessage.subject, OutboxMessage.status, OutboxMessage.created_at,
    ).where(OutboxMessage.kind == OutboxMessage.Kind.security_notice).order_by(
        OutboxMessage.id, ascending=False).limit(limit)


async def one(message_id: int) -> dict | None:
    """One account email with its text, or None."""
    return await OutboxMessage.select(
        OutboxMessage.id, OutboxMessage.to, OutboxMessage.subject, OutboxMessage.text, OutboxMessage.status,
        OutboxMessage.created_at,
    ).where((OutboxMessage.id == message_id) & (OutboxMessage.kind == OutboxMessage.Kind.security_notice)).first()
