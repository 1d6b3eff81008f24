"""Portal sign-in: signed single-use links mailed to the customer's address on file, and portal sessions.

A link is `<nonce>.<signature>`: the signature (HMAC of the nonce with SECRET_KEY) refuses a tampered or made-up
link before the database is read, and only a hash of the nonce is stored, so the table never holds a usable
link. Using a link is one conditional UPDATE (unused and not expired), so two clicks cannot both sign in.
A portal session is a random key in its own cookie (path /portal), stored hashed, bound to one customer of one
vendor; vendor sessions and portal sessions never read each other's cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from app.db import write_transaction
from app.errors import DomainError, NotFound
from app.i18n import N_, Texts, language_of, texts_for, texts_for_customer
from app.live.announce import announce_vendor_changed
from app.services import outbox_queue as mail
from app.services.clock import utcnow
from app.settings import get_settings
from app.tables.customers import Customer
from app.tables.mail import OutboxMessage
from app.tables.portal import PortalLink, PortalRequest, PortalSession
from app.tables.vendors import Vendor

LINK_LIFETIME = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(hours=8)
THROTTLE_WINDOW = timedelta(minutes=15)
LINKS_PER_CUSTOMER = 3  # links mailed to one customer per window, whoever asks
REQUESTS_PER_ADDRESS = 10  # asks from one client address per window, matched or not
COOKIE = "payport_portal"


class PortalSignedOut(DomainError):
    """No portal session (or an expired one): the customer signs in with a link first.

    `language` is the customer's when the session was theirs (else ''), for the page that says so.
    """

    def __init__(self, message: str, language: str = "") -> None:
        super().__init__(message)
        self.language = language


class LinkUnusable(NotFound):
    """The sign-in link is made up, tampered with, used already or expired (all look the same).

    `language` is the link's customer's when the link was real (used or expired), else ''.
    """

    def __init__(self, message: str = N_("This sign-in link is not valid any more."), language: str = "") -> None:
        super().__init__(message)
        self.language = language


class TooManyRequests(DomainError):
    """This address asked for links too often; it may ask again later."""


@dataclass(frozen=True)
class PortalViewer:
    """Who a portal session belongs to: one customer of one vendor."""

    vendor_id: int
    customer_id: int


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _sign(nonce: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"portal-link:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def _nonce_of(token: str) -> str | None:
    """The nonce of a well-signed token, or None for anything tampered or malformed."""
    nonce, _, signature = (token or "").partition(".")
    if not nonce or len(token) > 200 or not hmac.compare_digest(_sign(nonce), signature):
        return None
    return nonce


def link_url(token: str) -> str:
    """The address the email carries."""
    return f"{get_settings().app_base_url}/portal/sign-in/{token}"


async def _address_allowed(address: str, now: datetime) -> bool:
    key = _hash(f"portal-address:{address}")
    await PortalRequest.delete().where(PortalRequest.created_at < now - THROTTLE_WINDOW)  # the log stays short
    recent = await PortalRequest.count().where(
        (PortalRequest.address_hash == key) & (PortalRequest.created_at > now - THROTTLE_WINDOW))
    await PortalRequest.insert(PortalRequest(address_hash=key, created_at=now))
    return recent < REQUESTS_PER_ADDRESS


async def _customer_allowed(customer_id: int, now: datetime) -> bool:
    recent = await PortalLink.count().where(
        (PortalLink.customer == customer_id) & (PortalLink.created_at > now - THROTTLE_WINDOW))
    return recent < LINKS_PER_CUSTOMER


def _message(t: Texts, name: str, vendor: str, url: str) -> str:
    """The sign-in email's text in the customer's language."""
    return "\n\n".join((
        t("Hello %(name)s,", name=name),
        t("Use this link to see all your invoices, payments and statements from %(vendor)s:", vendor=vendor), url,
        t("The link works once and for 30 minutes. If you did not ask for it, you can ignore this email."))) + "\n"


async def _queue_link(customer: Customer, vendor: dict, now: datetime) -> None:
    """Make a link and queue its email to the address on file, in one transaction."""
    nonce = secrets.token_urlsafe(24)
    token = f"{nonce}.{_sign(nonce)}"
    await PortalLink.insert(PortalLink(vendor=customer.vendor, customer=customer.id, token_hash=_hash(nonce),
                                       email=customer.email, expires_at=now + LINK_LIFETIME, created_at=now))
    sender, reply_to = mail.sender_for(vendor)
    t = texts_for_customer(customer, vendor)
    text = _message(t, customer.name, vendor["name"], link_url(token))
    open_portal = t("Open your portal")
    parts = text.strip().split("\n\n")
    html = "".join(f'<p><a href="{escape(link_url(token))}">{escape(open_portal)}</a></p>' if part == link_url(token)
                   else f"<p>{escape(part)}</p>" for part in parts)
    await OutboxMessage.insert(OutboxMessage(
        vendor=customer.vendor, invoice=None, kind=OutboxMessage.Kind.portal_link,
        dedupe_key=f"portal-link:{_hash(nonce)[:40]}", sender=sender, reply_to=reply_to, to=customer.email,
        subject=t("Your sign-in link for %(vendor)s", vendor=vendor["name"])[:300], text=text, html=html,
        status=OutboxMessage.Status.queued, next_attempt_at=now, created_at=now,
    ))


async def _vendor_row(vendor_id: int) -> dict:
    return await Vendor.select(Vendor.name, Vendor.email, Vendor.language).where(Vendor.id == vendor_id).first()


async def request_link(customer_id: int, typed_email: str, address: str) -> None:
    """The customer asked from a pay page: mail a link when the typed email is the one on file.

    The answer is the same whether it matched or not; TooManyRequests only for an address asking too often.
    """
    now = utcnow()
    queued = False
    async with write_transaction():
        if not await _address_allowed(address, now):
            raise TooManyRequests(N_("Too many sign-in links were asked for from here. Try again in 15 minutes."))
        customer = await Customer.objects().where(Customer.id == customer_id).first()
        typed = typed_email.strip().casefold()
        if (customer and customer.email and hmac.compare_digest(typed.encode(), customer.email.strip().casefold().encode())
                and await _customer_allowed(customer.id, now)):
            await _queue_link(customer, await _vendor_row(customer.vendor), now)
            queued = True
    if queued:
        mail.wake_worker()
        announce_vendor_changed(customer.vendor, "outbox")


async def send_link(vendor_id: int, customer_id: int) -> str:
    """The vendor sends the customer a link (to the address on file); returns that address."""
    now = utcnow()
    async with write_transaction():
        customer = await Customer.objects().where(
            (Customer.id == customer_id) & (Customer.vendor == vendor_id)).first()
        if customer is None:
            raise NotFound("That customer does not exist.")
        if not customer.email:
            raise TooManyRequests("This customer has no email address on file.")
        if not await _customer_allowed(customer.id, now):
            raise TooManyRequests("Several sign-in links went to this customer in the last 15 minutes. "
                                  "Wait a few minutes before sending another.")
        await _queue_link(customer, await _vendor_row(vendor_id), now)
    mail.wake_worker()
    announce_vendor_changed(vendor_id, "outbox")
    return customer.email


async def check_link(token: str) -> PortalLink:
    """The link behind a token, when it can still be used (for the confirmation page); else LinkUnusable."""
    nonce = _nonce_of(token)
    link = None if nonce is None else await PortalLink.objects().where(PortalLink.token_hash == _hash(nonce)).first()
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        raise LinkUnusable(language=await _language(link.customer, link.vendor) if link else "")
    return link


async def _language(customer_id: int, vendor_id: int) -> str:
    """The customer's language, else the vendor's, else English."""
    customer = await Customer.select(Customer.language).where(Customer.id == customer_id).first()
    vendor = await Vendor.select(Vendor.language).where(Vendor.id == vendor_id).first()
    return language_of(customer, vendor)


async def link_texts(link: PortalLink) -> Texts:
    """The language of the link's customer (else the vendor's), for the confirmation page."""
    return texts_for(await _language(link.customer, link.vendor))


async def use_link(token: str) -> str:
    """Spend the link (once) and open a portal session; returns the session key for the cookie."""
    nonce = _nonce_of(token)
    if nonce is None:
        raise LinkUnusable()
    now = utcnow()
    key = secrets.token_urlsafe(32)
    async with write_transaction():
        spent = await PortalLink.update({PortalLink.used_at: now}).where(
            (PortalLink.token_hash == _hash(nonce)) & PortalLink.used_at.is_null() & (PortalLink.expires_at > now)
        ).returning(PortalLink.vendor, PortalLink.customer)
        if spent:
            await PortalSession.delete().where(PortalSession.expires_at < now)
            await PortalSession.insert(PortalSession(vendor=spent[0]["vendor"], customer=spent[0]["customer"],
                                                     key_hash=_hash(key), expires_at=now + SESSION_LIFETIME))
    if not spent:
        await check_link(token)  # raises LinkUnusable, in the language of a used or expired link's customer
        raise LinkUnusable()
    return key


async def viewer_for(key: str | None) -> PortalViewer:
    """The customer a portal cookie signs in, or PortalSignedOut."""
    if not key or len(key) > 200:
        raise PortalSignedOut(N_("Sign in to your portal with the link from your email."))
    row = await PortalSession.select(PortalSession.vendor, PortalSession.customer, PortalSession.expires_at).where(
        PortalSession.key_hash == _hash(key)).first()
    if row is None or row["expires_at"] <= utcnow():
        raise PortalSignedOut(N_("Your portal session has ended. Ask for a new sign-in link."),
                              await _language(row["customer"], row["vendor"]) if row else "")
    return PortalViewer(row["vendor"], row["customer"])


async def sign_out(key: str | None) -> str:
    """End the portal session of this cookie (nothing to do without one); its customer's language, else ''."""
    if not key or len(key) > 200:
        return ""
    ended = await PortalSession.delete().where(PortalSession.key_hash == _hash(key)).returning(
        PortalSession.vendor, PortalSession.customer)
    return await _language(ended[0]["customer"], ended[0]["vendor"]) if ended else ""
