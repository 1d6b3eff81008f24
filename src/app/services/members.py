"""Members and roles of a vendor, invitations by email, removal (which ends the member's sessions) and
ownership transfer.

Roles, lowest first: viewer (read-only, exports), staff (customers, invoices, sending, payments), admin (everything
but the Stripe connection and members), owner (everything). Only the owner manages members.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from html import escape

from app.db import after_commit, write_transaction
from app.errors import NotAllowed, NotFound
from app.live.announce import announce_session_ended, announce_vendor_changed
from app.parsing import is_one_line
from app.services import outbox_queue
from app.services.accounts import (
    FormErrors, display_name, forget_user, forget_vendor_users, hash_password, normalise_email, validate_email,
    verify_password,
)
from app.services.clock import utcnow
from app.settings import get_settings
from app.tables.mail import OutboxMessage
from app.tables.members import Invitation, Membership
from app.tables.sessions import SessionRecord
from app.tables.vendors import User, Vendor

ROLES = ("viewer", "staff", "admin", "owner")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
ROLE_LABELS = {"viewer": "Viewer", "staff": "Staff", "admin": "Admin", "owner": "Owner"}
INVITABLE = ("viewer", "staff", "admin")  # the owner is made by a transfer, never by an invitation
INVITATION_DAYS = 7


class InvalidInvitation(NotAllowed):
    """The link is tampered with, used, revoked or expired."""


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role.title())


# ---- reading -------------------------------------------------------------------------------------------


async def list_members(vendor_id: int) -> list[dict]:
    """The vendor's members, owner first, each with email, role and display name."""
    rows = await Membership.select(
        Membership.id, Membership.role, Membership.name, Membership.created_at,
        Membership.user.id.as_alias("user_id"), Membership.user.email.as_alias("email"),
        Membership.user.last_login_at.as_alias("last_login_at"),
    ).where(Membership.vendor == vendor_id).order_by(Membership.id)
    for row in rows:
        row["display_name"] = display_name(row["name"], row["email"])
        row["role_label"] = role_label(row["role"])
    return sorted(rows, key=lambda r: -ROLE_RANK.get(r["role"], 0))


async def pending_invitations(vendor_id: int) -> list[dict]:
    """Invitations not yet accepted, revoked or expired."""
    rows = await Invitation.select().where(
        (Invitation.vendor == vendor_id) & Invitation.accepted_at.is_null() & Invitation.revoked_at.is_null()
        & (Invitation.expires_at > utcnow())).order_by(Invitation.id, ascending=False)
    for row in rows:
        row["role_label"] = role_label(row["role"])
    return rows


async def get_member(vendor_id: int, member_id: int) -> dict:
    """One membership of this vendor, or NotFound (another vendor's id looks like a missing one)."""
    row = await Membership.select(
        Membership.id, Membership.role, Membership.name, Membership.user.id.as_alias("user_id"),
        Membership.user.email.as_alias("email"),
    ).where((Membership.id == member_id) & (Membership.vendor == vendor_id)).first()
    if row is None:
        raise NotFound("That member does not exist.")
    row["display_name"] = display_name(row["name"], row["email"])
    return row


async def login_vendor(user_id: int, home_vendor: int) -> int | None:
    """The vendor a fresh sign-in lands on: the home vendor when still a member there, else the first one open."""
    rows = await Membership.select(Membership.vendor).where(
        (Membership.user == user_id) & Membership.vendor.closed_at.is_null()).order_by(Membership.id)
    vendors = [row["vendor"] for row in rows]
    if home_vendor in vendors:
        return home_vendor
    return vendors[0] if vendors else None


async def is_member(user_id: int, vendor_id: int) -> bool:
    """True when the person belongs to that open vendor (the vendor switcher asks before switching)."""
    return await Membership.exists().where(
        (Membership.user == user_id) & (Membership.vendor == vendor_id) & Membership.vendor.closed_at.is_null())


# ---- invitation tokens ---------------------------------------------------------------------------------


def _signature(nonce: str) -> str:
    key = hashlib.sha256(b"payport-invitation:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()[:32]


def invitation_token(nonce: str) -> str:
    """The token in the invitation link: the nonce and its HMAC, so a changed character is refused unread."""
    return f"{nonce}.{_signature(nonce)}"


async def check_invitation(token: str) -> dict:
    """The open invitation behind a link, with its vendor's name; InvalidInvitation otherwise."""
    nonce, _, signature = (token or "").partition(".")
    if not nonce or not hmac.compare_digest(signature, _signature(nonce)):
        raise InvalidInvitation("This invitation link is not valid. Ask for a new invitation.")
    row = await Invitation.select(*Invitation.all_columns(), Invitation.vendor.name.as_alias("vendor_name"),
                                  Invitation.vendor.closed_at.as_alias("vendor_closed_at")).where(
        Invitation.nonce == nonce).first()
    if row is None or row["revoked_at"] is not None or row["vendor_closed_at"] is not None:
        raise InvalidInvitation("This invitation is no longer valid. Ask for a new invitation.")
    if row["accepted_at"] is not None:
        raise InvalidInvitation("This invitation was already used. Log in instead.")
    if row["expires_at"] <= utcnow():
        raise InvalidInvitation("This invitation expired (links are valid for seven days). Ask for a new one.")
    row["role_label"] = role_label(row["role"])
    row["has_account"] = await User.exists().where(User.email == row["email"])
    return row


# ---- changes -------------------------------------------------------------------------------------------


def _check_role(role: str, allowed: tuple[str, ...]) -> dict[str, str]:
    return {} if role in allowed else {"role": "Choose Viewer, Staff or Admin."}


async def invite(vendor_id: int, email: str, role: str, inviter: str) -> dict:
    """Invite `email` with `role`: an invitation row and its email in the outbox, in one transaction."""
    email = normalise_email(email)
    errors = _check_role(role, INVITABLE)
    if message := validate_email(email):
        errors["email"] = message
    if errors:
        raise FormErrors(errors)
    vendor = await Vendor.select(Vendor.name, Vendor.email).where(Vendor.id == vendor_id).first()
    if vendor is None:
        raise NotFound("That business does not exist.")
    now = utcnow()
    nonce = secrets.token_urlsafe(24)
    link = f"{get_settings().app_base_url.rstrip('/')}/invitations/{invitation_token(nonce)}"
    sender, reply_to = outbox_queue.sender_for(vendor)
    label = role_label(role)
    text = (f"{inviter} invited you to join {vendor['name']} on PayPort as {label}.\n\n"
            f"Accept the invitation: {link}\n\nThe link works once and is valid for seven days.")
    html = (f"<p>{escape(inviter)} invited you to join <strong>{escape(vendor['name'])}</strong> on PayPort as "
            f"{label}.</p><p><a href=\"{escape(link)}\">Accept the invitation</a></p>"
            f"<p>The link works once and is valid for seven days.</p>")
    async with write_transaction():
        user = await User.select(User.id).where(User.email == email).first()
        if user and await Membership.exists().where(
                (Membership.user == user["id"]) & (Membership.vendor == vendor_id)):
            raise FormErrors({"email": "This person is already a member."})
        invitation = Invitation(vendor=vendor_id, email=email, role=role, nonce=nonce, invited_by=inviter[:120],
                                expires_at=now + timedelta(days=INVITATION_DAYS), created_at=now)
        await invitation.save()
        await OutboxMessage.insert(OutboxMessage(
            vendor=vendor_id, invoice=None, kind=OutboxMessage.Kind.invitation, dedupe_key=f"invitation:{nonce}",
            sender=sender, reply_to=reply_to, to=email, cc="",
            subject=f"You are invited to {vendor['name']} on PayPort"[:300], text=text, html=html,
            status=OutboxMessage.Status.queued, next_attempt_at=now, created_at=now,
        ))
    outbox_queue.wake_worker()
    announce_vendor_changed(vendor_id, "members")
    return {"id": invitation.id, "email": email, "role": role, "link": link}


async def revoke_invitation(vendor_id: int, invitation_id: int) -> None:
    """Withdraw an open invitation: its link stops working."""
    updated = await Invitation.update({Invitation.revoked_at: utcnow()}).where(
        (Invitation.id == invitation_id) & (Invitation.vendor == vendor_id) & Invitation.accepted_at.is_null()
    ).returning(Invitation.id)
    if not updated:
        raise NotFound("That invitation does not exist.")


@dataclass(frozen=True)
class Accepted:
    user_id: int
    vendor_id: int


def _accept_errors(name: str, password: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter your name."
    elif len(name) > 120:
        errors["name"] = "Keep the name under 120 characters."
    elif not is_one_line(name):
        errors["name"] = "Write the name on one line, without control characters."
    if len(password) < 10:
        errors["password"] = "Use at least 10 characters."
    elif len(password) > 1024:
        errors["password"] = "Use at most 1024 characters."
    return errors


async def accept(token: str, name: str, password: str) -> Accepted:
    """Accept an invitation: a new person sets a name and password, an existing one signs in with theirs.

    The invitation is spent in the same transaction as the membership is made, so a link works once.
    """
    invitation = await check_invitation(token)
    name = (name or "").strip()
    existing = await User.objects().where(User.email == invitation["email"]).first()
    if existing is None:
        if errors := _accept_errors(name, password):
            raise FormErrors(errors)
        password_hash = await hash_password(password)
    else:
        if name and (errors := _accept_errors(name, "x" * 10)):  # the name is optional for them
            raise FormErrors(errors)
        if not await verify_password(existing.password_hash, password):
            raise FormErrors({"password": "Wrong password for this account."})
    async with write_transaction():
        spent = await Invitation.update({Invitation.accepted_at: utcnow()}).where(
            (Invitation.id == invitation["id"]) & Invitation.accepted_at.is_null()
            & Invitation.revoked_at.is_null()).returning(Invitation.id)
        if not spent:
            raise InvalidInvitation("This invitation was already used. Log in instead.")
        if existing is None:
            user = User(vendor=invitation["vendor"], email=invitation["email"], password_hash=password_hash,
                        is_owner=False)
            await user.save()
            user_id = user.id
        else:
            user_id = existing.id
        if not await Membership.exists().where(
                (Membership.user == user_id) & (Membership.vendor == invitation["vendor"])):
            await Membership.insert(Membership(user=user_id, vendor=invitation["vendor"], role=invitation["role"],
                                               name=name[:120]))
    forget_user(user_id)
    announce_vendor_changed(invitation["vendor"], "members")
    return Accepted(user_id=user_id, vendor_id=invitation["vendor"])


async def change_role(vendor_id: int, member_id: int, role: str) -> dict:
    """Give a member another role (never owner: that is a transfer); the owner's own role stays."""
    member = await get_member(vendor_id, member_id)
    if errors := _check_role(role, INVITABLE):
        raise FormErrors(errors)
    if member["role"] == "owner":
        raise NotAllowed("The owner's role changes only by transferring ownership.")
    await Membership.update({Membership.role: role}).where(Membership.id == member_id)
    forget_user(member["user_id"])
    announce_vendor_changed(vendor_id, "members")
    return {**member, "role": role}


def _session_keys(rows: list[dict], user_id: int, vendor_id: int | None) -> list[str]:
    keys = []
    for row in rows:
        try:
            data = json.loads(bytes(row["data"]))
        except (ValueError, TypeError):
            continue
        if isinstance(data, dict) and data.get("user_id") == user_id and (
                vendor_id is None or data.get("vendor_id") in (vendor_id, None)):
            keys.append(row["key"])
    return keys


async def end_sessions(user_id: int, vendor_id: int | None = None) -> int:
    """End every session of this person (on `vendor_id` only, when given), in every process; how many ended."""
    rows = await SessionRecord.select(SessionRecord.key, SessionRecord.data)
    keys = _session_keys(rows, user_id, vendor_id)
    for key in keys:
        await SessionRecord.delete().where(SessionRecord.key == key)
        announce_session_ended(key)
    forget_user(user_id)
    return len(keys)


async def remove_member(vendor_id: int, member_id: int) -> dict:
    """Take a member out of the vendor and end their sessions there at once; the owner cannot be removed."""
    member = await get_member(vendor_id, member_id)
    if member["role"] == "owner":
        raise NotAllowed("The owner cannot be removed. Transfer ownership first.")
    async with write_transaction():
        await Membership.delete().where(Membership.id == member_id)
    forget_user(member["user_id"])
    await end_sessions(member["user_id"], vendor_id)
    # Every open page of the vendor asks whether it is still signed in; the removed member's is sent to login.
    after_commit(("members", vendor_id), lambda: announce_vendor_changed(vendor_id, "members"))
    return member


async def transfer_ownership(vendor_id: int, owner_user_id: int, member_id: int) -> dict:
    """Make an admin the owner; the old owner becomes an admin."""
    member = await get_member(vendor_id, member_id)
    if member["role"] != "admin":
        raise NotAllowed("Ownership goes to an admin: make this member an admin first.")
    async with write_transaction():
        await Membership.update({Membership.role: "admin"}).where(
            (Membership.vendor == vendor_id) & (Membership.user == owner_user_id) & (Membership.role == "owner"))
        await Membership.update({Membership.role: "owner"}).where(Membership.id == member_id)
        await User.update({User.is_owner: False}).where((User.id == owner_user_id) & (User.vendor == vendor_id))
    forget_user(owner_user_id)
    forget_user(member["user_id"])
    announce_vendor_changed(vendor_id, "members")
    return member


# ---- closing the account -------------------------------------------------------------------------------


async def check_close(vendor_id: int, user_id: int, password: str, typed_name: str) -> dict[str, str]:
    """Field errors for closing the account: the owner's password and the business name typed exactly."""
    errors: dict[str, str] = {}
    vendor = await Vendor.select(Vendor.name).where(Vendor.id == vendor_id).first()
    user = await User.select(User.password_hash).where(User.id == user_id).first()
    if vendor is None or user is None:
        raise NotFound("That business does not exist.")
    if (typed_name or "").strip() != vendor["name"]:
        errors["confirm_name"] = f"Type the business name exactly: {vendor['name']}"
    if not password or not await verify_password(user["password_hash"], password):
        errors["password"] = "Wrong password."
    return errors


async def close_vendor(vendor_id: int) -> int:
    """Mark the vendor closed (nobody signs in to it, every route refuses it) and end every member's session
    there; no row is deleted. Returns how many sessions ended."""
    async with write_transaction():
        await Vendor.update({Vendor.closed_at: utcnow()}).where(
            (Vendor.id == vendor_id) & Vendor.closed_at.is_null())
        await Invitation.update({Invitation.revoked_at: utcnow()}).where(
            (Invitation.vendor == vendor_id) & Invitation.accepted_at.is_null() & Invitation.revoked_at.is_null())
    ended = 0
    for row in await Membership.select(Membership.user).where(Membership.vendor == vendor_id):
        ended += await end_sessions(row["user"], vendor_id)
    forget_vendor_users(vendor_id)
    announce_vendor_changed(vendor_id, "members")
    return ended


async def ensure_member(vendor_id: int, email: str, name: str, role: str, password: str) -> int:
    """A person with this email as a member of the vendor with this role, created with the password when new
    (the demo vendor's team); returns the user id. Nothing changes for someone already there."""
    email = normalise_email(email)
    user = await User.select(User.id).where(User.email == email).first()
    password_hash = None if user else await hash_password(password)
    async with write_transaction():
        if user is None:
            row = User(vendor=vendor_id, email=email, password_hash=password_hash, is_owner=False)
            await row.save()
            user_id = row.id
        else:
            user_id = user["id"]
        if not await Membership.exists().where((Membership.user == user_id) & (Membership.vendor == vendor_id)):
            await Membership.insert(Membership(user=user_id, vendor=vendor_id, role=role, name=name[:120]))
    forget_user(user_id)
    return user_id


async def rename(vendor_id: int, user_id: int, name: str) -> str:
    """Set the name a member's actions are shown under in this business; FormErrors when it is not one line."""
    name = (name or "").strip()
    if errors := {k: v for k, v in _accept_errors(name, "x" * 10).items() if k == "name"}:
        raise FormErrors(errors)
    await Membership.update({Membership.name: name}).where(
        (Membership.vendor == vendor_id) & (Membership.user == user_id))
    forget_user(user_id)
    return name
