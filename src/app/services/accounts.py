"""Vendor sign-up, login with per-account throttling, and password hashing off the event loop."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from app.db import write_transaction
from app.settings import get_settings
from app.tables.members import Membership
from app.tables.vendors import User, Vendor
from app.parsing import is_one_line
from app.services import account_mail, account_tokens, login_throttle
from app.services.login_throttle import LoginThrottled  # noqa: F401  (controllers catch it from here)

# Names end up in email headers (From: "Acme Ltd" <...>): a line break there would inject headers.
ONE_LINE = "Write the name on one line, without control characters."
MAX_FAILURES = login_throttle.PAIR_LIMIT
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    """The process's argon2 hasher, at the cost the settings choose."""
    return PasswordHasher.from_parameters(get_settings().argon2_parameters)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verifying against this keeps unknown emails as slow as known ones."""
    return _hasher().hash("payport-timing-equaliser")


class FormErrors(ValueError):
    """Field-level validation errors: {field: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class SignupForm:
    business_name: str
    email: str
    password: str


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return (email or "").strip().lower()


def validate_email(email: str) -> str | None:
    """An error message for an invalid address, or None."""
    if not email:
        return "Enter an email address."
    if len(email) > 254 or not EMAIL_RE.match(email):
        return "Enter a valid email address, like name@example.com."
    return None


async def hash_password(password: str) -> str:
    """Argon2 hash, computed in a worker thread so the event loop keeps serving."""
    return await asyncio.to_thread(_hasher().hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the stored argon2 hash."""
    try:
        return await asyncio.to_thread(_hasher().verify, password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def _validate_signup(form: SignupForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form.business_name.strip():
        errors["business_name"] = "Enter your business name."
    elif len(form.business_name) > 200:
        errors["business_name"] = "Keep the business name under 200 characters."
    elif not is_one_line(form.business_name):
        errors["business_name"] = ONE_LINE
    if message := validate_email(form.email):
        errors["email"] = message
    if len(form.password) < 10:
        errors["password"] = "Use at least 10 characters."
    elif len(form.password) > 1024:
        errors["password"] = "Use at most 1024 characters."
    return errors


SIGNUP_TAKEN_TEXT = (
    "Someone (perhaps you) tried to create a PayPort account with this email address, {email}, which "
    "already has one.\n\nIf it was you, log in instead:\n\n{login}\n\nForgot your password? Reset it here:"
    "\n\n{forgot}\n\nIf it was not you, there is nothing to do: no account was created and yours is unchanged.\n"
)
VERIFY_TEXT = (
    "Welcome to PayPort, {business}.\n\nConfirm that {email} is your address by opening this link (it works "
    "once, for three days):\n\n{link}\n\nUntil then you can set up customers and invoices, but PayPort "
    "does not email invoices for you.\n"
)


async def queue_verification(user_id: int, vendor_id: int, email: str, business: str) -> None:
    """Email a fresh verification link to the person (an earlier link stops working)."""
    token = await account_tokens.issue(user_id, account_tokens.VERIFY)
    text = VERIFY_TEXT.format(business=business, email=email, link=account_mail.link(f"/verify-email/{token}"))
    await account_mail.queue(vendor_id, email, "Confirm your email address for PayPort", text)


async def sign_up(form: SignupForm, verified: bool = False) -> User | None:
    """Create a vendor and its owner user and email a verification link; raise FormErrors on bad input.

    A registered email creates nothing: its owner is told by email and None comes back, so the answer to the
    visitor is the same either way (whoever signs up does not learn which addresses are registered).
    `verified` (the demo vendor, test factories) skips the verification email.
    """
    form = SignupForm(form.business_name.strip(), normalise_email(form.email), form.password)
    if errors := _validate_signup(form):
        raise FormErrors(errors)
    password_hash = await hash_password(form.password)
    async with write_transaction():
        existing = await User.select(User.id, User.vendor).where(User.email == form.email).first()
        if existing is None:
            vendor = Vendor(name=form.business_name, email=form.email)
            await vendor.save()
            user = User(vendor=vendor.id, email=form.email, password_hash=password_hash, is_owner=True,
                        email_verified=verified)
            await user.save()
            await Membership.insert(Membership(user=user.id, vendor=vendor.id, role="owner", name=""))
    if existing is not None:
        text = SIGNUP_TAKEN_TEXT.format(email=form.email, login=account_mail.link("/login"),
                                        forgot=account_mail.link("/forgot-password"))
        await account_mail.queue(existing["vendor"], form.email, "Someone tried to sign up with your email", text)
        return None
    if not verified:
        await queue_verification(user.id, vendor.id, form.email, form.business_name)
    return user


async def vendor_verified(vendor_id: int) -> bool:
    """True when the vendor's owner has confirmed their email address (needed to email invoices)."""
    return await User.exists().where(User.id.is_in(Membership.owners(vendor_id))
                                     & (User.email_verified == True))  # noqa: E712


async def authenticate(email: str, password: str, now: datetime | None = None, address: str = "") -> User | None:
    """The user for these credentials, or None; raise LoginThrottled while this account and address wait.

    The attempt is counted before the password is checked, so a burst of guesses reaches the hash at most
    login_throttle.PAIR_LIMIT times.
    """
    email = normalise_email(email)[:254]
    now = now or datetime.now(timezone.utc)
    await login_throttle.reserve_attempt(email, address, now)
    user = await User.objects().where(User.email == email).first()
    ok = await verify_password(user.password_hash if user else _dummy_hash(), password)
    if user is None or not ok:
        failures = await login_throttle.record_failure(email, address, now)
        if user is not None and failures:
            await login_throttle.queue_guessing_notice(user, failures, now)
        return None
    await login_throttle.record_success(email, address)
    await User.update({User.last_login_at: now}).where(User.id == user.id)
    return user


# The member behind a session is read at most every USER_CACHE_SECONDS per process (it was a query per request).
USER_CACHE_SECONDS = 2.0
_users: dict[tuple[int, int], tuple[float, dict | None]] = {}


def display_name(name: str, email: str) -> str:
    """A member's name as shown in timelines: the name they gave, else the part of the email before the @."""
    return (name or "").strip() or (email or "").split("@")[0]


async def load_user(user_id: int, vendor_id: int | None = None) -> dict | None:
    """The signed-in member: id, email, vendor id, name and time zone, role, name and the vendors they belong to.

    None when the person is not (or no longer) a member of that vendor, or the vendor is closed. Briefly cached
    in this process; removing a member or changing a role forgets the cache (forget_user).
    """
    now = time.monotonic()
    if vendor_id is None:
        home = await User.select(User.vendor).where(User.id == user_id).first()
        if home is None:
            return None
        vendor_id = home["vendor"]
    cached = _users.get((user_id, vendor_id))
    if cached and now - cached[0] < USER_CACHE_SECONDS:
        return cached[1]
    member = await Membership.select(
        Membership.user.id.as_alias("id"), Membership.user.email.as_alias("email"),
        Membership.vendor.id.as_alias("vendor_id"), Membership.vendor.name.as_alias("vendor_name"),
        Membership.vendor.timezone.as_alias("vendor_timezone"), Membership.vendor.closed_at.as_alias("closed_at"),
        Membership.role, Membership.name,
    ).where((Membership.user == user_id) & (Membership.vendor == vendor_id)).first()
    row = None
    if member is not None and member.pop("closed_at") is None:
        member["name"] = display_name(member["name"], member["email"])
        member["vendors"] = tuple((v["vendor"], v["vendor_name"]) for v in await Membership.select(
            Membership.vendor, Membership.vendor.name.as_alias("vendor_name")).where(
            (Membership.user == user_id) & Membership.vendor.closed_at.is_null()).order_by(Membership.id))
        row = member
    if len(_users) > 10_000:
        _users.clear()
    _users[(user_id, vendor_id)] = (now, row)
    return row


def forget_user(user_id: int) -> None:
    """Drop a person's cached memberships (removed, role changed), so the next request reads them again."""
    for key in [key for key in _users if key[0] == user_id]:
        _users.pop(key, None)


def forget_vendor_users(vendor_id: int) -> None:
    """Drop cached members of a vendor whose name or state changed, so the next request reads them again."""
    for key, (_, row) in list(_users.items()):
        if row is None or key[1] == vendor_id or any(v[0] == vendor_id for v in row["vendors"]):
            _users.pop(key, None)
