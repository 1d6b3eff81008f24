"""Password reset, change of password and of email, email verification: the account's own safety."""

from __future__ import annotations

from datetime import datetime, timezone

from app.db import write_transaction
from app.services import account_mail, account_tokens, login_throttle, user_sessions
from app.services.account_tokens import TokenInvalid
from app.services.accounts import (FormErrors, forget_vendor_users, hash_password, normalise_email,
                                   queue_verification, validate_email, verify_password)
from app.tables.vendors import User, Vendor

__all__ = ["TokenInvalid"]

RESET_TEXT = (
    "Someone (hopefully you) asked to reset the password of your PayPort account, {email}.\n\n"
    "Choose a new password here (the link works once, for one hour):\n\n{link}\n\n"
    "If you did not ask, ignore this email: your password stays as it is.\n"
)
CHANGED_TEXT = (
    "The password of your PayPort account, {email}, was just changed, and every other session was signed "
    "out.\n\nIf this was not you, reset your password at once:\n\n{forgot}\n"
)
EMAIL_CONFIRM_TEXT = (
    "Confirm that PayPort should use {new} for your account from now on (the link works once, for 24 hours):"
    "\n\n{link}\n\nIf you did not ask for this, ignore this email.\n"
)
EMAIL_NOTICE_TEXT = (
    "Someone signed in to your PayPort account asked to change its email address from {old} to {new}.\n\n"
    "Nothing changes until the new address is confirmed. If this was not you, change your password now:"
    "\n\n{forgot}\n"
)
LINK_GONE = "This link has expired or was already used. Ask for a new one."


def _password_error(password: str) -> str | None:
    if len(password) < 10:
        return "Use at least 10 characters."
    if len(password) > 1024:
        return "Use at most 1024 characters."
    return None


async def request_password_reset(email: str, address: str, now: datetime | None = None) -> None:
    """Email a reset link when the address is registered; answer the same way when it is not.

    Throttled per address and email (login_throttle), so the form cannot be used to flood an inbox.
    """
    now = now or datetime.now(timezone.utc)
    email = normalise_email(email)[:254]
    if message := validate_email(email):
        raise FormErrors({"email": message})
    await login_throttle.reserve_attempt(email, address, now, kind="reset")
    user = await User.select(User.id, User.vendor).where(User.email == email).first()
    if user is None:
        return
    token = await account_tokens.issue(user["id"], account_tokens.RESET, now=now)
    text = RESET_TEXT.format(email=email, link=account_mail.link(f"/reset-password/{token}"))
    await account_mail.queue(user["vendor"], email, "Reset your PayPort password", text)


async def check_reset_token(token: str) -> None:
    """Raise TokenInvalid unless the reset link can still be used."""
    await account_tokens.peek(account_tokens.RESET, token)


async def _set_password(user_id: int, password: str) -> dict:
    password_hash = await hash_password(password)
    async with write_transaction():
        rows = await User.update({User.password_hash: password_hash,
                                  User.password_changed_at: datetime.now(timezone.utc)}).where(
            User.id == user_id).returning(User.id, User.email, User.vendor)
    return rows[0]


async def reset_password(token: str, password: str, confirm: str) -> None:
    """Spend the reset link, set the new password and end every session of the person."""
    if message := _password_error(password):
        raise FormErrors({"password": message})
    if password != confirm:
        raise FormErrors({"confirm": "The two passwords differ."})
    try:
        redeemed = await account_tokens.redeem(account_tokens.RESET, token)
    except TokenInvalid:
        raise FormErrors({"form": LINK_GONE}) from None
    user = await _set_password(redeemed.user_id, password)
    await user_sessions.end_all(user["id"])
    await _tell_password_changed(user)


async def _tell_password_changed(user: dict) -> None:
    text = CHANGED_TEXT.format(email=user["email"], forgot=account_mail.link("/forgot-password"))
    await account_mail.queue(user["vendor"], user["email"], "Your PayPort password was changed", text)


async def _check_current(user_id: int, password: str, field: str = "current_password") -> dict:
    row = await User.select(User.id, User.email, User.vendor, User.password_hash).where(User.id == user_id).first()
    if row is None or not await verify_password(row["password_hash"], password):
        raise FormErrors({field: "That is not your current password."})
    return row


async def change_password(user_id: int, current: str, password: str, confirm: str, keep_session: str | None) -> None:
    """Change the password (the current one is needed); every other session of the person ends."""
    errors = {}
    if message := _password_error(password):
        errors["password"] = message
    elif password != confirm:
        errors["confirm"] = "The two passwords differ."
    if errors:
        raise FormErrors(errors)
    await _check_current(user_id, current)
    user = await _set_password(user_id, password)
    await user_sessions.revoke_others(user_id, keep_session)
    await _tell_password_changed(user)


async def request_email_change(user_id: int, password: str, new_email: str) -> str:
    """Send a confirmation link to the new address and a notice to the old one; the new address back."""
    new_email = normalise_email(new_email)
    if message := validate_email(new_email):
        raise FormErrors({"new_email": message})
    user = await _check_current(user_id, password, "password")
    if new_email == user["email"]:
        raise FormErrors({"new_email": "That is already your email address."})
    token = await account_tokens.issue(user_id, account_tokens.EMAIL, new_email=new_email)
    await account_mail.queue(user["vendor"], new_email, "Confirm your new email address for PayPort",
                             EMAIL_CONFIRM_TEXT.format(new=new_email, link=account_mail.link(f"/account/email/{token}")))
    await account_mail.queue(user["vendor"], user["email"], "Your PayPort email address is being changed",
                             EMAIL_NOTICE_TEXT.format(old=user["email"], new=new_email,
                                                      forgot=account_mail.link("/forgot-password")))
    return new_email


async def confirm_email_change(token: str) -> str:
    """Spend the confirmation link and switch the account to the new address (now verified)."""
    try:
        redeemed = await account_tokens.redeem(account_tokens.EMAIL, token)
    except TokenInvalid:
        raise FormErrors({"form": LINK_GONE}) from None
    async with write_transaction():
        if await User.exists().where((User.email == redeemed.new_email) & (User.id != redeemed.user_id)):
            raise FormErrors({"form": "Another PayPort account uses that address now. Nothing was changed."})
        user = await User.select(User.email, User.vendor).where(User.id == redeemed.user_id).first()
        await User.update({User.email: redeemed.new_email, User.email_verified: True}).where(
            User.id == redeemed.user_id)
        await Vendor.update({Vendor.email: redeemed.new_email}).where(
            (Vendor.id == user["vendor"]) & (Vendor.email == user["email"]))
    forget_vendor_users(user["vendor"])
    return redeemed.new_email


async def verify_email(token: str) -> dict:
    """Spend the verification link and mark the address verified; the person (to sign in) back."""
    try:
        redeemed = await account_tokens.redeem(account_tokens.VERIFY, token)
    except TokenInvalid:
        raise FormErrors({"form": LINK_GONE}) from None
    async with write_transaction():
        rows = await User.update({User.email_verified: True}).where(User.id == redeemed.user_id).returning(
            User.id, User.vendor)
    vendor = await Vendor.select(Vendor.name).where(Vendor.id == rows[0]["vendor"]).first()
    return {**rows[0], "business": vendor["name"] if vendor else ""}


async def resend_verification(user_id: int) -> None:
    """A new verification link for a person whose address is not verified yet (nothing when it is)."""
    row = await User.select(User.id, User.vendor, User.email, User.email_verified,
                            User.vendor.name.as_alias("business")).where(User.id == user_id).first()
    if row and not row["email_verified"]:
        await queue_verification(row["id"], row["vendor"], row["email"], row["business"])


async def account_state(user_id: int) -> dict:
    """What the security page shows about the person."""
    return await User.select(User.id, User.email, User.email_verified, User.password_changed_at,
                             User.totp_enabled_at, User.vendor).where(User.id == user_id).first()
