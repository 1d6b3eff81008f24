"""A person's active sessions: list them, end one, all others, or all (each ends at once in every process)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from app.db import write_transaction
from app.live.announce import announce_session_ended
from app.tables.sessions import SessionRecord

BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
            ("Chromium/", "Chromium"), ("Safari/", "Safari"))
SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def describe_browser(user_agent: str) -> str:
    """A short name for a User-Agent, such as "Firefox on Windows"."""
    ua = user_agent or ""
    browser = next((name for mark, name in BROWSERS if mark in ua), "")
    if "HeadlessChrome" in ua:
        browser = "Chrome (headless)"
    system = next((name for mark, name in SYSTEMS if mark in ua), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (re.split(r"[\s/]", ua.strip())[0][:40] if ua.strip() else "Unknown browser")


async def list_sessions(user_id: int, current_key: str | None) -> list[dict]:
    """The person's sessions that have not expired, the most recently seen first."""
    now = datetime.now(timezone.utc)
    rows = await SessionRecord.select(
        SessionRecord.id, SessionRecord.key, SessionRecord.user_agent, SessionRecord.address,
        SessionRecord.created_at, SessionRecord.last_seen_at, SessionRecord.expires_at,
    ).where(SessionRecord.user_id == user_id)
    live = [r for r in rows if r["expires_at"] is None or r["expires_at"] > now]
    for row in live:
        row["browser"] = describe_browser(row["user_agent"])
        row["current"] = row.pop("key") == current_key
        row["seen"] = row["last_seen_at"] or row["created_at"]
    epoch = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(live, key=lambda r: (r["current"], r["seen"] or epoch), reverse=True)


async def _end(where) -> int:
    async with write_transaction():
        rows = await SessionRecord.delete().where(where).returning(SessionRecord.key)
    for row in rows:
        announce_session_ended(row["key"])
    return len(rows)


async def revoke(user_id: int, session_id: int) -> int:
    """End one of the person's sessions (another person's id ends nothing)."""
    return await _end((SessionRecord.user_id == user_id) & (SessionRecord.id == session_id))


async def revoke_others(user_id: int, current_key: str | None) -> int:
    """End every session of the person except the one making the request."""
    return await _end((SessionRecord.user_id == user_id) & (SessionRecord.key != (current_key or "")))


async def end_all(user_id: int) -> int:
    """End every session of the person (after a password reset, for one)."""
    return await _end(SessionRecord.user_id == user_id)
