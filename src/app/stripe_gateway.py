"""The only module that talks to Stripe: async calls, our own small result types, errors a vendor can act on."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import stripe

from app.errors import Conflict, NotAllowed, ServiceUnavailable
from app.settings import get_settings
from app.stripe_types import (
    AccountInfo,
    BalanceTxnInfo,
    CardInfo,
    ChargeInfo,
    IntentInfo,
    card_info,
    intent_info,
    RefundInfo,
    CheckoutSessionInfo,
    EventInfo,
    WebhookEndpointInfo,
    account_info,
    balance_txn_info,
    charge_info,
    endpoint_info,
    refund_info,
    reversals_by_refund,
    MalformedEvent,  # noqa: F401  (controllers catch it from here)
    checked_event_info,  # noqa: F401
    event_info,
    plain,
    session_info,
)

# The version this SDK's types describe: endpoints PayPort creates are pinned to it, so events arrive in the shape
# the code reads even when the account's default version is older or newer.
API_VERSION: str = stripe.api_version
TIMEOUT_SECONDS = 10.0
NETWORK_RETRIES = 2
SIGNATURE_TOLERANCE = 300
WEBHOOK_EVENTS = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.payment_failed",
    "charge.refunded",
    "refund.created",
    "refund.updated",
    "refund.failed",
    "payment_method.attached",
    "payment_method.detached",
    "account.updated",
    "account.application.deauthorized",
]


class StripeUnavailable(ServiceUnavailable):
    """Stripe could not be reached or answered with a temporary failure; a retry is safe."""


class StripeRejected(NotAllowed):
    """Stripe refused the request for a reason the vendor or customer can fix."""


class StripeKeyRejected(StripeRejected):
    """Stripe does not accept this secret key."""


class SignatureInvalid(Exception):
    """A webhook body does not carry a valid, fresh signature from a known secret."""


def _message(exc: stripe.StripeError) -> str:
    return (exc.user_message or str(getattr(exc, "_message", "")) or "no details").rstrip(".")


def translate(exc: stripe.StripeError) -> Exception:
    """Our exception for a Stripe SDK error, worded for the person who can act on it."""
    if isinstance(exc, stripe.APIConnectionError):
        return StripeUnavailable("Stripe could not be reached. Nothing was changed; please try again in a moment.")
    if isinstance(exc, stripe.RateLimitError):
        return StripeUnavailable(
            "Stripe is receiving too many requests right now. Nothing was changed; try again in a minute."
        )
    if isinstance(exc, stripe.AuthenticationError):
        return StripeKeyRejected(
            "Stripe rejected the secret key. Check that it is complete and not rolled or revoked "
            "in your Stripe dashboard."
        )
    if isinstance(exc, stripe.PermissionError):
        return StripeKeyRejected(
            f"The key does not have the permissions PayPort needs ({_message(exc)}). Use a secret key, or a restricted "
            "key with write access to Checkout Sessions and Webhook Endpoints."
        )
    if isinstance(exc, stripe.CardError):
        return StripeRejected(f"The card was declined: {_message(exc)}.")
    if isinstance(exc, stripe.IdempotencyError):
        return Conflict(
            "Stripe is still working on the same request. Nothing was changed twice; try again in a moment."
        )
    if isinstance(exc, stripe.InvalidRequestError):
        return StripeRejected(f"Stripe refused the request: {_message(exc)}.")
    return StripeUnavailable("Stripe had a temporary problem. Nothing was changed; please try again in a moment.")


def is_retryable(exc: Exception) -> bool:
    """True when the same request may succeed later (keep its idempotency key)."""
    return isinstance(exc, (StripeUnavailable, Conflict))


# What `payport stripe check` reads to learn what a key may do: name -> the SDK service listed.
PROBES = {
    "accounts": "accounts",
    "checkout_sessions": "checkout.sessions",
    "webhook_endpoints": "webhook_endpoints",
    "events": "events",
    "refunds": "refunds",
    "balance_transactions": "balance_transactions",
}


@dataclass(frozen=True)
class Probe:
    """Whether a read of one resource worked: ok | permission | auth | connect_disabled | unavailable | refused."""

    resource: str
    outcome: str
    message: str


def _probe_outcome(exc: stripe.StripeError) -> str:
    if isinstance(exc, stripe.AuthenticationError):
        return "auth"
    if isinstance(exc, stripe.PermissionError):
        return "permission"
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)):
        return "unavailable"
    # Stripe answers a platform that never signed up for Connect with this wording on /v1/accounts.
    if "connect" in _message(exc).lower() and isinstance(exc, stripe.InvalidRequestError):
        return "connect_disabled"
    return "refused"


class StripeGateway(Protocol):
    """What the services need from Stripe; StripeClientGateway and the test fake implement it."""

    async def create_express_account(
        self, email: str, business_name: str, vendor_id: int, idempotency_key: str
    ) -> AccountInfo: ...
    async def retrieve_account(self, account_id: str) -> AccountInfo: ...
    async def retrieve_own_account(self, api_key: str) -> AccountInfo: ...
    async def create_onboarding_link(self, account_id: str, refresh_url: str, return_url: str) -> str: ...
    async def create_login_link(self, account_id: str) -> str: ...
    async def create_checkout_session(
        self, params: dict[str, Any], idempotency_key: str, api_key: str | None = None
    ) -> CheckoutSessionInfo: ...
    async def retrieve_checkout_session(self, session_id: str, api_key: str | None = None) -> CheckoutSessionInfo: ...
    async def expire_checkout_session(self, session_id: str, api_key: str | None = None) -> CheckoutSessionInfo: ...
    async def create_webhook_endpoint(
        self, url: str, connect: bool, metadata: dict[str, str], api_key: str | None = None
    ) -> WebhookEndpointInfo: ...
    async def list_webhook_endpoints(self, api_key: str | None = None) -> list[WebhookEndpointInfo]: ...
    async def update_webhook_endpoint(
        self, endpoint_id: str, enabled_events: list[str], api_key: str | None = None
    ) -> WebhookEndpointInfo: ...
    async def probe(self, resource: str, api_key: str | None = None) -> Probe: ...
    async def delete_webhook_endpoint(self, endpoint_id: str, api_key: str | None = None) -> None: ...
    async def list_undelivered_events(self, since: int, api_key: str | None = None) -> list[EventInfo]: ...
    async def create_refund(
        self, params: dict[str, Any], idempotency_key: str, api_key: str | None = None
    ) -> RefundInfo: ...
    async def retrieve_refund(self, refund_id: str, api_key: str | None = None) -> RefundInfo: ...
    async def retrieve_payment_charge(self, payment_intent: str, api_key: str | None = None) -> ChargeInfo: ...
    async def retrieve_balance_transaction(self, txn_id: str, api_key: str | None = None) -> BalanceTxnInfo: ...
    async def retrieve_charge(self, charge_id: str, api_key: str | None = None) -> ChargeInfo: ...
    async def retrieve_application_fee_refunded(self, fee_id: str) -> tuple[int, int]: ...
    async def transfer_reversals(self, transfer_id: str) -> dict[str, int]: ...
    async def list_balance_transactions(
        self, created_from: int, created_to: int, api_key: str | None = None, account: str | None = None
    ) -> list[BalanceTxnInfo]: ...
    async def create_customer(self, params: dict[str, Any], idempotency_key: str, api_key: str | None = None) -> str: ...
    async def retrieve_payment_method(self, method_id: str, api_key: str | None = None) -> CardInfo: ...
    async def detach_payment_method(self, method_id: str, api_key: str | None = None) -> None: ...
    async def setup_session_card(self, session_id: str, api_key: str | None = None) -> CardInfo | None: ...
    async def intent_card(self, intent_id: str, api_key: str | None = None) -> CardInfo | None: ...
    async def charge_off_session(
        self, params: dict[str, Any], idempotency_key: str, api_key: str | None = None
    ) -> IntentInfo: ...


class StripeClientGateway:
    """StripeGateway over the official SDK's async calls."""

    def __init__(
        self,
        platform_key: str,
        api_base: str = "",
        *,
        timeout: float = TIMEOUT_SECONDS,
        retries: int = NETWORK_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.platform_key = platform_key
        self.api_base = api_base
        self.timeout = timeout
        self.retries = retries
        self.transport = transport
        self._clients: dict[str, stripe.StripeClient] = {}

    def _client(self, api_key: str | None) -> stripe.StripeClient:
        key = api_key or self.platform_key
        if not key:
            raise StripeUnavailable("Stripe is not configured on this PayPort server (STRIPE_SECRET_KEY is unset).")
        if key not in self._clients:
            http = stripe.HTTPXClient(timeout=self.timeout)
            if self.transport is not None:  # tests: an in-process sandbox
                http._client_async = httpx.AsyncClient(transport=self.transport)
            addresses = {"api": self.api_base} if self.api_base else {}
            self._clients[key] = stripe.StripeClient(
                key, base_addresses=addresses, max_network_retries=self.retries, http_client=http
            )
        return self._clients[key]

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except stripe.StripeError as exc:
            raise translate(exc) from exc

    async def create_express_account(
        self, email: str, business_name: str, vendor_id: int, idempotency_key: str
    ) -> AccountInfo:
        """Create the vendor's Express account (once: the key is persisted before the call)."""
        params: dict[str, Any] = {
            "type": "express",
            "email": email,
            "business_profile": {"name": business_name},
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
            "metadata": {"payport_vendor_id": str(vendor_id)},
        }
        client = self._client(None)
        account = await self._call(client.v1.accounts.create_async(params, {"idempotency_key": idempotency_key}))
        return account_info(account)

    async def retrieve_account(self, account_id: str) -> AccountInfo:
        """A connected account, read with the platform key."""
        return account_info(await self._call(self._client(None).v1.accounts.retrieve_async(account_id)))

    async def retrieve_own_account(self, api_key: str) -> AccountInfo:
        """The account a vendor's own key belongs to; also proves the key works."""
        client = self._client(api_key)
        try:
            account = await client.v1.accounts.retrieve_current_async()
        except stripe.StripeError as exc:
            self._clients.pop(api_key, None)
            raise translate(exc) from exc
        return account_info(account)

    async def create_onboarding_link(self, account_id: str, refresh_url: str, return_url: str) -> str:
        """A one-time Express onboarding URL."""
        params = {
            "account": account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        }
        link = await self._call(self._client(None).v1.account_links.create_async(params))
        return link.url

    async def create_login_link(self, account_id: str) -> str:
        """A single-use link into the vendor's Express dashboard (payouts, balance, details)."""
        link = await self._call(self._client(None).v1.accounts.login_links.create_async(account_id))
        return link.url

    async def create_checkout_session(
        self, params: dict[str, Any], idempotency_key: str, api_key: str | None = None
    ) -> CheckoutSessionInfo:
        """Create a Checkout Session; the same key and params return the same session."""
        client = self._client(api_key)
        session = await self._call(
            client.v1.checkout.sessions.create_async(params, {"idempotency_key": idempotency_key})
        )
        return session_info(session)

    async def retrieve_checkout_session(self, session_id: str, api_key: str | None = None) -> CheckoutSessionInfo:
        """A Checkout Session's current state."""
        return session_info(await self._call(self._client(api_key).v1.checkout.sessions.retrieve_async(session_id)))

    async def expire_checkout_session(self, session_id: str, api_key: str | None = None) -> CheckoutSessionInfo:
        """Close an open session so it can take no payment."""
        return session_info(await self._call(self._client(api_key).v1.checkout.sessions.expire_async(session_id)))

    async def create_webhook_endpoint(
        self, url: str, connect: bool, metadata: dict[str, str], api_key: str | None = None
    ) -> WebhookEndpointInfo:
        """Register an endpoint for the events PayPort handles; the answer carries its signing secret."""
        params: dict[str, Any] = {
            "url": url, "enabled_events": WEBHOOK_EVENTS, "metadata": metadata, "api_version": API_VERSION,
        }
        if connect:
            params["connect"] = True
        return endpoint_info(await self._call(self._client(api_key).v1.webhook_endpoints.create_async(params)))

    async def list_webhook_endpoints(self, api_key: str | None = None) -> list[WebhookEndpointInfo]:
        """Every endpoint registered on the account (first 100)."""
        page = await self._call(self._client(api_key).v1.webhook_endpoints.list_async({"limit": 100}))
        return [endpoint_info(item) for item in page.data]

    async def update_webhook_endpoint(
        self, endpoint_id: str, enabled_events: list[str], api_key: str | None = None
    ) -> WebhookEndpointInfo:
        """Set an endpoint's enabled events (Stripe cannot change its API version: that needs a new endpoint)."""
        client = self._client(api_key)
        params: dict[str, Any] = {"enabled_events": enabled_events}
        return endpoint_info(await self._call(client.v1.webhook_endpoints.update_async(endpoint_id, params)))

    async def probe(self, resource: str, api_key: str | None = None) -> Probe:
        """Read one object of a resource (PROBES) to learn whether the key may, and the account can, use it."""
        client = self._client(api_key)
        service = client.v1
        for part in PROBES[resource].split("."):
            service = getattr(service, part)
        try:
            await service.list_async({"limit": 1})
        except stripe.StripeError as exc:
            return Probe(resource, _probe_outcome(exc), _message(exc))
        return Probe(resource, "ok", "")

    async def delete_webhook_endpoint(self, endpoint_id: str, api_key: str | None = None) -> None:
        """Remove an endpoint; one already gone counts as removed."""
        try:
            await self._call(self._client(api_key).v1.webhook_endpoints.delete_async(endpoint_id))
        except StripeRejected:
            return

    async def list_undelivered_events(self, since: int, api_key: str | None = None) -> list[EventInfo]:
        """Events since a time that some endpoint has not acknowledged (first 100)."""
        params: dict[str, Any] = {
            "created": {"gte": since},
            "delivery_success": False,
            "types": WEBHOOK_EVENTS,
            "limit": 100,
        }
        page = await self._call(self._client(api_key).v1.events.list_async(params))
        return [event_info(plain(item)) for item in page.data]

    async def create_refund(
        self, params: dict[str, Any], idempotency_key: str, api_key: str | None = None
    ) -> RefundInfo:
        """Refund a payment; the same key and params return the same refund."""
        client = self._client(api_key)
        return refund_info(await self._call(client.v1.refunds.create_async(params, {"idempotency_key": idempotency_key})))

    async def retrieve_refund(self, refund_id: str, api_key: str | None = None) -> RefundInfo:
        """A refund's current state."""
        return refund_info(await self._call(self._client(api_key).v1.refunds.retrieve_async(refund_id)))

    async def retrieve_payment_charge(self, payment_intent: str, api_key: str | None = None) -> ChargeInfo:
        """The successful charge of a PaymentIntent (its balance transaction and application fee ids)."""
        client = self._client(api_key)
        intent = await self._call(client.v1.payment_intents.retrieve_async(payment_intent))
        charge_id = plain(intent).get("latest_charge")
        charge_id = charge_id.get("id") if isinstance(charge_id, dict) else charge_id
        if not charge_id:
            raise StripeRejected("Stripe has no charge for this payment yet.")
        return charge_info(await self._call(client.v1.charges.retrieve_async(charge_id)))

    async def retrieve_charge(self, charge_id: str, api_key: str | None = None) -> ChargeInfo:
        """A charge by id (the ledger check asks whose invoice an unknown charge paid)."""
        return charge_info(await self._call(self._client(api_key).v1.charges.retrieve_async(charge_id)))

    async def retrieve_balance_transaction(self, txn_id: str, api_key: str | None = None) -> BalanceTxnInfo:
        """A balance transaction: amount, Stripe's fee and the net, in the settlement currency."""
        txn = await self._call(self._client(api_key).v1.balance_transactions.retrieve_async(txn_id))
        return balance_txn_info(txn)

    async def retrieve_application_fee_refunded(self, fee_id: str) -> tuple[int, int]:
        """The platform's application fee on a charge: (amount, amount refunded), read with the platform key."""
        fee = plain(await self._call(self._client(None).v1.application_fees.retrieve_async(fee_id)))
        return int(fee.get("amount") or 0), int(fee.get("amount_refunded") or 0)

    async def transfer_reversals(self, transfer_id: str) -> dict[str, int]:
        """What each refund took back from a destination charge's transfer: {refund id: amount reversed}."""
        client = self._client(None)
        transfer = plain(await self._call(client.v1.transfers.retrieve_async(transfer_id)))
        reversals = (transfer.get("reversals") or {}).get("data") or []
        if (transfer.get("reversals") or {}).get("has_more"):
            listed = await self._call(client.v1.transfers.reversals.list_async(transfer_id, {"limit": 100}))
            reversals = plain(listed).get("data") or []
        return reversals_by_refund(reversals)

    async def list_balance_transactions(
        self, created_from: int, created_to: int, api_key: str | None = None, account: str | None = None
    ) -> list[BalanceTxnInfo]:
        """Balance transactions created in [from, to) on the account (every page)."""
        client = self._client(api_key)
        params: dict[str, Any] = {"created": {"gte": created_from, "lt": created_to}, "limit": 100}
        options: dict[str, Any] = {"stripe_account": account} if account else {}
        found: list[BalanceTxnInfo] = []
        while True:
            page = await self._call(client.v1.balance_transactions.list_async(params, options))
            found += [balance_txn_info(item) for item in page.data]
            if not page.has_more or not page.data:
                return found
            params["starting_after"] = page.data[-1].id

    async def create_customer(self, params: dict[str, Any], idempotency_key: str, api_key: str | None = None) -> str:
        """A Stripe Customer to save cards on (once per key); returns its id."""
        client = self._client(api_key)
        return (await self._call(client.v1.customers.create_async(params, {"idempotency_key": idempotency_key}))).id

    async def retrieve_payment_method(self, method_id: str, api_key: str | None = None) -> CardInfo:
        """A saved card: its customer, brand, last 4 digits and expiry."""
        return card_info(await self._call(self._client(api_key).v1.payment_methods.retrieve_async(method_id)))

    async def detach_payment_method(self, method_id: str, api_key: str | None = None) -> None:
        """Remove a saved card from its customer; one already detached counts as removed."""
        try:
            await self._call(self._client(api_key).v1.payment_methods.detach_async(method_id))
        except StripeRejected:
            return

    async def setup_session_card(self, session_id: str, api_key: str | None = None) -> CardInfo | None:
        """The card a completed setup-mode Checkout Session saved (None while it is not complete)."""
        client = self._client(api_key)
        session = plain(await self._call(client.v1.checkout.sessions.retrieve_async(session_id, {"expand": ["setup_intent"]})))
        setup = session.get("setup_intent") or {}
        method = setup.get("payment_method") if isinstance(setup, dict) else None
        if session.get("status") != "complete" or not method:
            return None
        method = method if isinstance(method, str) else method.get("id")
        return await self.retrieve_payment_method(method, api_key)

    async def intent_card(self, intent_id: str, api_key: str | None = None) -> CardInfo | None:
        """The card a PaymentIntent was paid with, when it was saved on a customer (setup_future_usage)."""
        intent = plain(await self._call(self._client(api_key).v1.payment_intents.retrieve_async(intent_id)))
        method = intent.get("payment_method")
        method = method.get("id") if isinstance(method, dict) else method
        if not method or not intent.get("customer"):
            return None
        card = await self.retrieve_payment_method(method, api_key)
        return card if card.customer else None

    async def charge_off_session(
        self, params: dict[str, Any], idempotency_key: str, api_key: str | None = None
    ) -> IntentInfo:
        """Create and confirm an off-session PaymentIntent; a decline or authentication_required is an outcome."""
        client = self._client(api_key)
        try:
            intent = await client.v1.payment_intents.create_async(params, {"idempotency_key": idempotency_key})
        except stripe.CardError as exc:
            body = (exc.json_body or {}).get("error") or {}
            failed = body.get("payment_intent") or {}
            if not failed:
                raise translate(exc) from exc
            return intent_info(failed, body)
        except stripe.StripeError as exc:
            raise translate(exc) from exc
        return intent_info(intent)


def _timestamp(header: str) -> int:
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            return int(value)
    raise SignatureInvalid("The Stripe-Signature header has no timestamp.")


def verify_signature(payload: bytes, header: str, secrets: list[str], now: float | None = None) -> int:
    """Index of the secret that signed `payload`; raises SignatureInvalid (bad, stale or future)."""
    if not header:
        raise SignatureInvalid("The Stripe-Signature header is missing.")
    now = time.time() if now is None else now
    timestamp = _timestamp(header)
    # The SDK only rejects old timestamps; one from the future is as suspect as a stale one.
    if abs(now - timestamp) > SIGNATURE_TOLERANCE:
        raise SignatureInvalid("The signature timestamp is outside the 300 second tolerance.")
    text = payload.decode("utf-8", errors="strict")
    for index, secret in enumerate(secrets):
        try:
            stripe.WebhookSignature.verify_header(text, header, secret, tolerance=None)
        except stripe.SignatureVerificationError:
            continue
        return index
    raise SignatureInvalid("No signature matches a known signing secret.")


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header for a payload (tests and tools)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload.decode()}", secret)
    return f"t={timestamp},v1={signature}"


def is_sandbox_base(api_base: str) -> bool:
    """True when the API base is set and is not Stripe's own (the offline sandbox)."""
    return bool(api_base) and "api.stripe.com" not in api_base


_gateway: StripeGateway | None = None


def get_gateway() -> StripeGateway:
    """The process-wide gateway, built from settings on first use."""
    global _gateway
    if _gateway is None:
        settings = get_settings()
        _gateway = StripeClientGateway(settings.stripe_secret_key, settings.stripe_api_base)
    return _gateway


def set_gateway(gateway: StripeGateway | None) -> None:
    """Tests: use this gateway (None rebuilds from settings next time)."""
    global _gateway
    _gateway = gateway
