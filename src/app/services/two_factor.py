"""Two-factor sign-in: TOTP enrolment with a QR code, recovery codes, and the "trust this browser" cookie."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
from datetime import datetime, timezone

import pyotp
import segno

from app.db import write_transaction
from app.encryption import SecretUnreadable, decrypt, encrypt
from app.services import login_throttle
from app.services.accounts import FormErrors, verify_password
from app.settings import get_settings
from app.tables.security import RecoveryCode
from app.tables.vendors import User, Vendor

ISSUER = "PayPort"
RECOVERY_CODES = 10
TRUST_SECONDS = 30 * 24 * 3600
TRUST_COOKIE = "payport_trusted"
WRONG_CODE = "That code is not right. Enter the 6 digits your app shows now, or a recovery code."


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def qr_svg(uri: str) -> str:
    """The provisioning URI as an inline SVG QR code."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, omitsize=True,
                                    title="QR code for your authenticator app", nl=False)
    return out.getvalue().decode()


async def _user(user_id: int) -> dict:
    return await User.select(User.id, User.email, User.vendor, User.password_hash, User.totp_secret,
                             User.totp_enabled_at).where(User.id == user_id).first()


def _pending_token(user_id: int, secret: str) -> str:
    return encrypt(f"{user_id}:{secret}")


def _pending_secret(user_id: int, token: str) -> str:
    """The secret a setup form carries (encrypted and bound to the person); "" when it is not theirs."""
    try:
        owner, secret = decrypt(token or "").split(":", 1)
    except (SecretUnreadable, ValueError):
        return ""
    return secret if owner == str(user_id) else ""


async def enrolment(user_id: int, pending: str = "") -> dict:
    """A new secret (URI, QR, and the encrypted copy the form carries); nothing is stored until confirm().

    `pending` is the form's copy after a wrong code, so the QR already scanned stays the same.
    """
    user = await _user(user_id)
    if user["totp_enabled_at"]:
        return {"enabled": True}
    secret = _pending_secret(user_id, pending) or pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user["email"], issuer_name=ISSUER)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return {"enabled": False, "secret": secret, "grouped": grouped, "uri": uri, "qr": qr_svg(uri),
            "pending": _pending_token(user_id, secret)}


def _totp_ok(secret: str, code: str) -> bool:
    code = code.replace(" ", "")
    return len(code) == 6 and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


async def confirm(user_id: int, pending: str, code: str) -> list[str]:
    """Turn two-factor on once a code from the app matches the form's secret; the ten recovery codes back."""
    user = await _user(user_id)
    secret = _pending_secret(user_id, pending)
    if user["totp_enabled_at"] or not secret:
        raise FormErrors({"code": "Start again: open two-factor setup from Account security."})
    if not _totp_ok(secret, code):
        raise FormErrors({"code": "That code is not right. Enter the 6 digits your app shows now."})
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)]
    now = datetime.now(timezone.utc)
    async with write_transaction():
        await User.update({User.totp_secret: encrypt(secret), User.totp_enabled_at: now}).where(User.id == user_id)
        await RecoveryCode.delete().where(RecoveryCode.user == user_id)
        await RecoveryCode.insert(*[RecoveryCode(user=user_id, code_hash=_code_hash(c), created_at=now) for c in codes])
    return codes


async def disable(user_id: int, password: str) -> None:
    """Turn two-factor off (the password is needed); the secret and recovery codes are deleted."""
    user = await _user(user_id)
    if not await verify_password(user["password_hash"], password):
        raise FormErrors({"disable_password": "That is not your current password."})
    async with write_transaction():
        await User.update({User.totp_secret: "", User.totp_enabled_at: None}).where(User.id == user_id)
        await RecoveryCode.delete().where(RecoveryCode.user == user_id)


async def is_enabled(user_id: int) -> bool:
    """True when the person signs in with a second factor."""
    return bool((await _user(user_id))["totp_enabled_at"])


async def must_enrol(user_id: int) -> bool:
    """True when the vendor requires two-factor and the person has not turned it on."""
    user = await _user(user_id)
    if user["totp_enabled_at"]:
        return False
    return bool(await Vendor.exists().where((Vendor.id == user["vendor"]) & (Vendor.require_two_factor == True)))  # noqa: E712


async def check_code(user_id: int, code: str) -> bool:
    """A current TOTP code, or an unused recovery code (spent by this call)."""
    user = await _user(user_id)
    if not user["totp_enabled_at"]:
        return False
    code = (code or "").strip()
    if _totp_ok(decrypt(user["totp_secret"]), code):
        return True
    async with write_transaction():
        spent = await RecoveryCode.update({RecoveryCode.used_at: datetime.now(timezone.utc)}).where(
            (RecoveryCode.user == user_id) & (RecoveryCode.code_hash == _code_hash(code))
            & RecoveryCode.used_at.is_null()).returning(RecoveryCode.id)
    return bool(spent)


async def record_wrong_code(user_id: int, address: str, now: datetime) -> None:
    """Count a wrong code for the address and the account; past the limit the owner is told by email."""
    user = await User.objects().where(User.id == user_id).first()
    if user is not None:
        await login_throttle.record_code_failure(user, address, now)


async def recovery_codes_left(user_id: int) -> int:
    """How many recovery codes are still unused."""
    return await RecoveryCode.count().where((RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null())


async def set_required(vendor_id: int, required: bool) -> None:
    """The owner's setting: every member must use two-factor (enrolment at their next sign-in)."""
    async with write_transaction():
        await Vendor.update({Vendor.require_two_factor: required}).where(Vendor.id == vendor_id)


async def is_required(vendor_id: int) -> bool:
    """The vendor's "Require two-factor for every member" setting."""
    row = await Vendor.select(Vendor.require_two_factor).where(Vendor.id == vendor_id).first()
    return bool(row and row["require_two_factor"])


def _signature(payload: str) -> str:
    key = hashlib.sha256(b"payport-trusted-browser:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def trust_cookie(user_id: int, now: float | None = None) -> str:
    """The signed value of "Trust this browser for 30 days", bound to the person."""
    payload = f"{user_id}.{int((now or time.time()) + TRUST_SECONDS)}"
    return f"{payload}.{_signature(payload)}"


def trusted(value: str | None, user_id: int, now: float | None = None) -> bool:
    """True when the cookie was signed by us for this person and has not expired."""
    try:
        uid, expires, signature = (value or "").split(".")
        fresh = int(expires) > (now or time.time())
    except ValueError:
        return False
    return (hmac.compare_digest(signature, _signature(f"{uid}.{expires}")) and uid == str(user_id) and fresh)
