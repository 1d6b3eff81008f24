"""A vendor's Stripe connection: Connect Express onboarding or its own secret key, and the platform fee."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app import encryption
from app.db import write_transaction
from app.errors import NotAllowed
from app.live.announce import announce_vendor_changed
from app.money import format_money
from app.services.clock import utcnow
from app.services.payments.endpoints import can_register, ensure_endpoint, platform_webhook_url
from app.services.payments.currencies import picker_currencies
from app.settings import get_settings
from app.stripe_gateway import AccountInfo, StripeRejected, get_gateway
from app.tables.payments import StripeConnection
from app.tables.vendors import Vendor

Mode = StripeConnection.Mode
REQUIREMENT_LABELS = {
    "business_profile.mcc": "Business category",
    "business_profile.url": "Business website",
    "external_account": "Bank account for payouts",
    "representative.first_name": "Representative's name",
    "representative.last_name": "Representative's name",
    "tos_acceptance.date": "Acceptance of Stripe's terms of service",
    "tos_acceptance.ip": "Acceptance of Stripe's terms of service",
    "representative.verification.document": "Identity document of the representative",
}
# Stripe's requirements.disabled_reason values, as the vendor reads them.
DISABLED_REASONS = {
    "requirements.pending_verification": "Stripe is verifying the details you submitted.",
    "requirements.past_due": "Stripe needs more information; payments stay off until it is provided.",
    "action_required.requested_capabilities": "Card payments still have to be requested on the account.",
    "under_review": "Stripe is reviewing the account.",
    "listed": "Stripe is reviewing the account against sanctions lists.",
    "platform_paused": "The platform has paused payments on this account.",
    "rejected.fraud": "Stripe rejected the account (suspected fraud).",
    "rejected.terms_of_service": "Stripe rejected the account (terms of service).",
    "rejected.listed": "Stripe rejected the account (sanctions lists).",
    "rejected.incomplete_verification": "Stripe rejected the account (verification not completed in time).",
    "rejected.other": "Stripe rejected the account.",
    "other": "Stripe has disabled payments on the account.",
}


@dataclass(frozen=True)
class ConnectionState:
    """What Settings > Stripe shows."""

    connection: StripeConnection | None
    platform_available: bool
    fee_percent: Decimal
    fee_fixed: int
    currency: str = "USD"

    @property
    def fee_text(self) -> str:
        """The platform fee in words, e.g. "2.5% + $0.30", or "" when there is none."""
        if not (self.fee_percent or self.fee_fixed):
            return ""
        fixed = f" + {format_money(self.fee_fixed, self.currency)}" if self.fee_fixed else ""
        return f"{self.fee_percent.normalize():f}%{fixed}"

    @property
    def ready(self) -> bool:
        conn = self.connection
        return bool(conn and conn.account_id and conn.charges_enabled and not conn.deauthorized_at)

    @property
    def phase(self) -> str:
        """Where onboarding stands: none, deauthorized, creating, details_due, reviewing, restricted or ready."""
        conn = self.connection
        if conn is None:
            return "none"
        if conn.deauthorized_at:
            return "deauthorized"
        if not conn.account_id:
            return "creating"
        if self.ready:
            return "ready"
        if not conn.details_submitted:
            return "details_due"
        if conn.disabled_reason in ("", "requirements.pending_verification", "under_review", "listed") and not self.missing:
            return "reviewing"
        return "restricted"

    @property
    def disabled_text(self) -> str:
        """Why Stripe has card payments off, in words ("" when they are on or Stripe gave no reason)."""
        reason = self.connection.disabled_reason if self.connection else ""
        if not reason or self.ready:
            return ""
        return DISABLED_REASONS.get(reason, f"Stripe has payments off ({reason.replace('_', ' ')}).")

    @property
    def missing(self) -> list[str]:
        """Onboarding items still due, in words, without repeats."""
        due = (self.connection.requirements_due if self.connection else None) or []
        due = json.loads(due) if isinstance(due, str) else due
        return list(
            dict.fromkeys(
                REQUIREMENT_LABELS.get(item, item.replace("_", " ").replace(".", ": ").capitalize()) for item in due
            )
        )


def platform_available() -> bool:
    """True when the platform has a Stripe key, so Connect Express can be offered."""
    return bool(get_settings().stripe_secret_key)


async def get_connection(vendor_id: int) -> StripeConnection | None:
    """The vendor's connection row, if any."""
    return await StripeConnection.objects().where(StripeConnection.vendor == vendor_id).first()


async def connection_state(vendor_id: int) -> ConnectionState:
    """Everything the Stripe settings section needs."""
    settings = get_settings()
    vendor = await Vendor.select(Vendor.default_currency).where(Vendor.id == vendor_id).first()
    return ConnectionState(
        await get_connection(vendor_id),
        platform_available(),
        settings.platform_fee_percent,
        settings.platform_fee_fixed,
        vendor["default_currency"] if vendor else "USD",
    )


async def is_ready(vendor_id: int) -> bool:
    """True when the vendor can take card payments (Stripe connected, charges enabled)."""
    row = (
        await StripeConnection.select(StripeConnection.charges_enabled, StripeConnection.account_id)
        .where(StripeConnection.vendor == vendor_id)
        .first()
    )
    return bool(row and row["account_id"] and row["charges_enabled"])


async def offered_currencies(vendor_id: int, keep: str = "") -> tuple[str, ...]:
    """The currencies a picker offers this vendor: only those Stripe charges in once Stripe is connected.

    `keep` (the value already chosen, e.g. on an older invoice) stays offered so editing never changes it silently.
    """
    connected = await StripeConnection.exists().where(StripeConnection.vendor == vendor_id)
    offered = picker_currencies(stripe_used=connected)
    return offered if not keep or keep in offered else tuple(sorted((*offered, keep)))


def api_key_for(connection: StripeConnection) -> str | None:
    """The key to call Stripe with for this vendor: its own in key mode, else the platform's (None)."""
    if connection.mode == Mode.key and connection.secret_key_enc:
        return encryption.decrypt(connection.secret_key_enc)
    return None


def platform_fee(amount: int, connection: StripeConnection | None) -> int:
    """The platform's fee on a payment in minor units: percent (half-up) plus fixed; Connect only."""
    if connection is None or connection.mode != Mode.connect:
        return 0
    settings = get_settings()
    percent = (Decimal(amount) * settings.platform_fee_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(0, min(amount, int(percent) + settings.platform_fee_fixed))


async def _claim_connect_row(vendor_id: int) -> StripeConnection:
    async with write_transaction():
        row = await get_connection(vendor_id)
        if row is not None and row.deauthorized_at:
            # The old account no longer lets PayPort in: connecting again starts a new Express account.
            await StripeConnection.delete().where(StripeConnection.id == row.id)
            row = None
        if row is None:
            row = StripeConnection(vendor=vendor_id, mode=Mode.connect, create_idempotency_key=uuid.uuid4().hex)
            await row.save()
        elif row.mode != Mode.connect:
            raise NotAllowed(
                "This account is connected with its own Stripe key. Disconnect it first to use Stripe Connect."
            )
        return row


async def start_onboarding(vendor_id: int, refresh_url: str, return_url: str) -> str:
    """Create the vendor's Express account once (idempotent) and return a fresh onboarding URL."""
    if not platform_available():
        raise NotAllowed("Stripe Connect is not available on this server. Add your own Stripe secret key instead.")
    row = await _claim_connect_row(vendor_id)
    if not row.account_id:
        vendor = await Vendor.objects().where(Vendor.id == vendor_id).first()
        account = await get_gateway().create_express_account(
            vendor.email, vendor.name, vendor_id, row.create_idempotency_key
        )
        await _save_account(vendor_id, account)
        row.account_id = account.id
    url = await get_gateway().create_onboarding_link(row.account_id, refresh_url, return_url)
    announce_vendor_changed(vendor_id, "stripe")
    return url


async def fresh_onboarding_link(vendor_id: int, refresh_url: str, return_url: str) -> str | None:
    """A new onboarding URL for the vendor's existing Express account, or None; changes no row."""
    row = await get_connection(vendor_id)
    if not platform_available() or row is None or row.mode != Mode.connect or not row.account_id:
        return None
    return await get_gateway().create_onboarding_link(row.account_id, refresh_url, return_url)


async def _save_account(vendor_id: int, account: AccountInfo) -> None:
    async with write_transaction():
        await StripeConnection.update(
            {
                StripeConnection.account_id: account.id,
                StripeConnection.account_name: account.display_name,
                StripeConnection.charges_enabled: account.charges_enabled,
                StripeConnection.payouts_enabled: account.payouts_enabled,
                StripeConnection.details_submitted: account.details_submitted,
                StripeConnection.requirements_due: list(account.requirements_due),
                StripeConnection.disabled_reason: account.disabled_reason[:100],
                StripeConnection.livemode: account.livemode,
                StripeConnection.updated_at: utcnow(),
            }
        ).where((StripeConnection.vendor == vendor_id) & StripeConnection.deauthorized_at.is_null())


async def refresh_status(vendor_id: int) -> ConnectionState:
    """Read the connected account again (after onboarding returns) and store what changed."""
    row = await get_connection(vendor_id)
    if row is not None and row.account_id and not row.deauthorized_at:
        if row.mode == Mode.connect:
            account = await get_gateway().retrieve_account(row.account_id)
        else:
            account = await get_gateway().retrieve_own_account(api_key_for(row) or "")
        await _save_account(vendor_id, account)
    announce_vendor_changed(vendor_id, "stripe")
    return await connection_state(vendor_id)


async def apply_account_update(account: AccountInfo) -> int | None:
    """An account.updated event: store the new status; returns the vendor it belongs to."""
    row = await StripeConnection.objects().where(StripeConnection.account_id == account.id).first()
    if row is None:
        return None
    await _save_account(row.vendor, account)
    return row.vendor


async def apply_deauthorization(account_id: str) -> int | None:
    """account.application.deauthorized: the vendor removed PayPort on Stripe; payments stop until they reconnect."""
    row = await StripeConnection.objects().where(StripeConnection.account_id == account_id).first()
    if row is None:
        return None
    await StripeConnection.update(
        {StripeConnection.charges_enabled: False, StripeConnection.payouts_enabled: False,
         StripeConnection.deauthorized_at: utcnow(), StripeConnection.updated_at: utcnow()}
    ).where(StripeConnection.id == row.id)
    return row.vendor


async def express_dashboard_link(vendor_id: int) -> str:
    """A single-use login link into the vendor's Express dashboard (Connect vendors who finished onboarding)."""
    row = await get_connection(vendor_id)
    if row is None or row.mode != Mode.connect or not row.account_id or row.deauthorized_at:
        raise NotAllowed("The Express dashboard is for vendors connected with Stripe Connect.")
    if not row.details_submitted:
        raise NotAllowed("Finish Stripe onboarding first; the Express dashboard opens once your details are in.")
    try:
        return await get_gateway().create_login_link(row.account_id)
    except StripeRejected as exc:
        raise NotAllowed(f"Stripe could not open your Express dashboard: {exc.message}") from exc


class KeyInvalid(NotAllowed):
    """The pasted text is not a Stripe secret or restricted key."""


def check_key_format(key: str) -> str:
    """The trimmed key, or KeyInvalid with what is wrong."""
    key = key.strip()
    if key.startswith("pk_"):
        raise KeyInvalid(
            "That is a publishable key (pk_...). Paste the secret key (sk_...) or a restricted key (rk_...)."
        )
    if not key.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")) or len(key) < 20 or " " in key:
        raise KeyInvalid(
            "A Stripe secret key starts with sk_live_, sk_test_, rk_live_ or rk_test_. "
            "Copy it again from Developers > API keys."
        )
    return key


async def connect_with_key(vendor_id: int, raw_key: str) -> ConnectionState:
    """Check the key with Stripe, register the webhook endpoint on that account, store both encrypted."""
    key = check_key_format(raw_key)
    existing = await get_connection(vendor_id)
    if existing is not None and existing.account_id:
        raise NotAllowed("Stripe is already connected. Disconnect it first to use a different account or key.")
    account = await get_gateway().retrieve_own_account(key)
    token = secrets.token_urlsafe(24)
    endpoint_id, secret = await _register_vendor_endpoint(vendor_id, token, key)
    async with write_transaction():
        await StripeConnection.delete().where(StripeConnection.vendor == vendor_id)
        await StripeConnection(
            vendor=vendor_id,
            mode=Mode.key,
            account_id=account.id,
            account_name=account.display_name,
            charges_enabled=account.charges_enabled,
            payouts_enabled=account.payouts_enabled,
            details_submitted=account.details_submitted,
            requirements_due=list(account.requirements_due),
            livemode=key.startswith(("sk_live_", "rk_live_")),
            secret_key_enc=encryption.encrypt(key),
            secret_key_last4=key[-4:],
            webhook_endpoint_id=endpoint_id,
            webhook_secret_enc=encryption.encrypt(secret) if secret else "",
            webhook_token=token,
        ).save()
        announce_vendor_changed(vendor_id, "stripe")  # sent once this transaction commits
    return await connection_state(vendor_id)


async def _register_vendor_endpoint(vendor_id: int, token: str, key: str) -> tuple[str, str]:
    """The vendor's own endpoint, once: earlier ones of ours on that account lost their secret and go.

    With a local base URL on real Stripe nothing is registered: reconciliation picks the events up instead.
    """
    if not can_register():
        return "", ""
    prefix = f"{platform_webhook_url()}/"
    mine = {"payport": "vendor", "payport_vendor_id": str(vendor_id)}
    try:
        ensured = await ensure_endpoint(
            f"{prefix}{token}", False, mine,
            lambda e: e.url.startswith(prefix) and all(e.metadata.get(k) == v for k, v in mine.items()),
            None, api_key=key,
        )
    except StripeRejected as exc:
        raise KeyInvalid(
            f"The key works but PayPort could not register its webhook on your account: {exc.message}"
        ) from exc
    return ensured.endpoint.id, ensured.secret


async def disconnect(vendor_id: int) -> str:
    """Forget the vendor's connection (removing our webhook from its own account); returns what it means."""
    row = await get_connection(vendor_id)
    if row is None:
        raise NotAllowed("Stripe is not connected.")
    if row.mode == Mode.key and row.webhook_endpoint_id:
        try:
            await get_gateway().delete_webhook_endpoint(row.webhook_endpoint_id, api_key=api_key_for(row))
        except Exception:  # the account may be gone or the key revoked; forgetting it locally still matters
            pass
    async with write_transaction():
        await StripeConnection.delete().where(StripeConnection.vendor == vendor_id)
        announce_vendor_changed(vendor_id, "stripe")  # sent once this transaction commits
    return (
        "Stripe is disconnected. Existing payment links keep their addresses, but customers cannot pay "
        "through them until you connect Stripe again."
    )


async def webhook_connection(token: str) -> StripeConnection | None:
    """The key-mode connection whose webhook URL carries this token."""
    return await StripeConnection.objects().where(StripeConnection.webhook_token == token).first()
