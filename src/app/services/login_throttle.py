"""Login throttling by account and client address, counted before the password is checked.

Each attempt is counted first, with one atomic UPDATE on its (account, address) row, so concurrent guesses
cannot all reach the password hash. Past the limit the pair waits, one minute the first time and twice as
long each time after (up to an hour). A delay binds only that pair (and an address guessing at many accounts),
so a stranger's guesses never lock the owner out from their own address. Failures against an account from
anywhere are also counted, and past NOTICE_AFTER the owner gets one email per window through the outbox.
Rows are keyed by a hash, so no address or email is kept in clear here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from app.db import write_transaction
from app.services import outbox_queue as mail
from app.tables.mail import OutboxMessage
from app.tables.vendors import LoginThrottle, User, Vendor

PAIR_LIMIT = 5  # attempts per account and address in a window
ADDRESS_LIMIT = 30  # failed attempts per address, whatever the account
NOTICE_AFTER = 5  # failures against one account, from anywhere, that tell its owner
WINDOW = timedelta(minutes=15)
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)


class LoginThrottled(Exception):
    """Too many attempts for this account from this address; try again after `retry_after`."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__("too many failed logins")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Counted:
    """One throttle row after an attempt was counted on it."""

    failures: int
    locked_until: datetime | None
    notify: bool = False


def _key(kind: str, *parts: str) -> str:
    return f"{kind}:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def delay_after(lockouts: int) -> timedelta:
    """How long the n-th delay (0-based) of one pair lasts: 1, 2, 4 ... minutes, at most an hour."""
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(lockouts, 12))


async def _count(key: str, limit: int, now: datetime) -> Counted:
    """Add one to the row's count atomically (the UPDATE locks it on PostgreSQL); start a delay past limit."""
    await LoginThrottle.insert(LoginThrottle(email=key, failures=0, window_started_at=now, lockouts=0)).on_conflict(
        action="DO NOTHING")
    row = (await LoginThrottle.update({LoginThrottle.failures: LoginThrottle.failures + 1}).where(
        LoginThrottle.email == key).returning(*LoginThrottle.all_columns()))[0]
    if row["locked_until"] and row["locked_until"] > now:
        return Counted(row["failures"], row["locked_until"])
    failures, started, notify = row["failures"], row["window_started_at"], False
    if now - started > WINDOW:
        failures, started = 1, now
    values = {LoginThrottle.failures: failures, LoginThrottle.window_started_at: started}
    locked_until = None
    if failures > limit:
        locked_until = now + delay_after(row["lockouts"])
        values.update({LoginThrottle.locked_until: locked_until, LoginThrottle.lockouts: row["lockouts"] + 1,
                       LoginThrottle.failures: 0, LoginThrottle.window_started_at: now})
    if key.startswith("account:") and failures >= NOTICE_AFTER and not (
            row["notified_at"] and now - row["notified_at"] < WINDOW):
        notify = True
        values[LoginThrottle.notified_at] = now
    await LoginThrottle.update(values).where(LoginThrottle.email == key)
    return Counted(failures, locked_until, notify)


def _pair(kind: str) -> str:
    """The key prefix of an (account, address) pair: sign-in, the two-factor step and the reset form count apart."""
    return "pair" if kind == "login" else f"{kind}-pair"


async def reserve_attempt(email: str, address: str, now: datetime, kind: str = "login") -> None:
    """Count this attempt before any password check; raise LoginThrottled while the pair or address waits.

    `kind` is "login" (password), "2fa" (the code step) or "reset" (the forgot-password form).
    """
    async with write_transaction():
        pair = await _count(_key(_pair(kind), email, address), PAIR_LIMIT, now)
        address_row = await LoginThrottle.select(LoginThrottle.locked_until).where(
            LoginThrottle.email == _key("address", address)).first()
    waits = [t for t in (pair.locked_until, address_row and address_row["locked_until"]) if t and t > now]
    if waits:
        raise LoginThrottled(max(waits) - now)


async def record_failure(email: str, address: str, now: datetime) -> int | None:
    """A wrong password: count it for the address and the account; the account's failures when to tell its owner."""
    async with write_transaction():
        await _count(_key("address", address), ADDRESS_LIMIT, now)
        account = await _count(_key("account", email), 10**9, now)  # never locks: it only counts for the notice
    return account.failures if account.notify else None


async def record_success(email: str, address: str, kind: str = "login") -> None:
    """The right password: this pair starts afresh (the account's and the address's counts stay)."""
    async with write_transaction():
        await LoginThrottle.delete().where(LoginThrottle.email == _key(_pair(kind), email, address))


async def record_code_failure(user: User, address: str, now: datetime) -> None:
    """A wrong two-factor code after the right password: count it, and tell the owner once per window.

    Whoever it is knows the password, so the notice says so and asks for a new one.
    """
    async with write_transaction():
        await _count(_key("address", address), ADDRESS_LIMIT, now)
        account = await _count(_key("account", "2fa", user.email), 10**9, now)
    if account.notify:
        await queue_guessing_notice(user, account.failures, now, CODE_NOTICE_TEXT, "code-guessing")


CODE_NOTICE_TEXT = (
    "Someone signed in to your PayPort account ({email}) with the right password but entered a wrong two-factor "
    "code {failures} times in the last {minutes} minutes.\n\nYour account is still protected by two-factor, "
    "but whoever it is knows your password: change it now on Account security, or reset it from the login "
    "page.\n"
)
NOTICE_TEXT = (
    "Someone has tried to log in to your PayPort account ({email}) with a wrong password {failures} times "
    "in the last {minutes} minutes.\n\nIf this was you, there is nothing to do. If not, your account is still "
    "safe: each address that guesses is slowed down, and you can always log in from your own. Use a long, "
    "unique password.\n"
)


async def queue_guessing_notice(user: User, failures: int, now: datetime, template: str = "",
                                kind: str = "login-guessing") -> None:
    """Email the owner (through the outbox) that their account is being guessed at; once per window."""
    vendor = await Vendor.select(Vendor.name, Vendor.email).where(Vendor.id == user.vendor).first()
    sender, _ = mail.sender_for({"name": "PayPort", "email": ""})
    text = (template or NOTICE_TEXT).format(email=user.email, failures=failures, minutes=int(WINDOW.total_seconds() // 60))
    html = "".join(f"<p>{escape(part)}</p>" for part in text.strip().split("\n\n"))
    window = int(now.timestamp() // WINDOW.total_seconds())
    async with write_transaction():
        await OutboxMessage.insert(OutboxMessage(
            vendor=user.vendor, invoice=None, kind=OutboxMessage.Kind.security_notice,
            dedupe_key=f"{kind}:{user.id}:{window}", sender=sender, reply_to="", to=user.email, cc="",
            subject=(f"{'Wrong two-factor codes on' if template else 'Failed logins to'} your PayPort account for "
                     f"{vendor['name'] if vendor else user.email}")[:300],
            text=text, html=html, status=OutboxMessage.Status.queued, next_attempt_at=now, created_at=now,
        )).on_conflict(action="DO NOTHING")
    mail.wake_worker()
