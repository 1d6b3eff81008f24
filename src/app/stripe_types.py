"""Small typed results of Stripe calls and events, so nothing outside the gateway handles Stripe's objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AccountInfo:
    """What PayPort needs to know about a Stripe account."""

    id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: tuple[str, ...]
    display_name: str
    livemode: bool = False
    disabled_reason: str = ""  # requirements.disabled_reason, e.g. "requirements.pending_verification"
    pending_verification: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckoutSessionInfo:
    """A Checkout Session as PayPort tracks it."""

    id: str
    status: str  # open | complete | expired
    payment_status: str  # paid | unpaid | no_payment_required
    url: str
    amount_total: int
    currency: str  # upper case, like ours
    payment_intent: str
    expires_at: int
    client_reference_id: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundInfo:
    """A Stripe Refund as PayPort counts it."""

    id: str
    amount: int
    currency: str  # upper case
    status: str  # pending | requires_action | succeeded | failed | canceled
    payment_intent: str
    charge: str
    failure_reason: str = ""
    reason: str = ""
    balance_transaction: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BalanceTxnInfo:
    """A balance transaction: what moved in the account's settlement currency, and Stripe's fee."""

    id: str
    amount: int
    fee: int
    net: int
    currency: str  # upper case, the settlement currency
    exchange_rate: float | None = None
    created: int = 0
    type: str = ""
    source: str = ""  # the charge, refund or fee it moved money for


@dataclass(frozen=True)
class ChargeInfo:
    """What the fee figures need of a charge."""

    id: str
    amount: int
    currency: str
    balance_transaction: str
    application_fee: str
    payment_intent: str
    vendor_hint: str = ""  # the metadata's payport_vendor_id: whose invoice the charge paid
    transfer: str = ""  # a destination charge's transfer to the connected account


@dataclass(frozen=True)
class WebhookEndpointInfo:
    """A registered webhook endpoint; `secret` is only known right after creation."""

    id: str
    url: str
    metadata: dict[str, str]
    secret: str = ""
    enabled_events: tuple[str, ...] = ()
    api_version: str = ""  # "" = the account's default version
    status: str = "enabled"  # enabled | disabled


@dataclass(frozen=True)
class EventInfo:
    """A Stripe event as a plain dict plus the fields routing needs."""

    id: str
    type: str
    account: str
    livemode: bool
    created: int
    object: dict[str, Any]


@dataclass(frozen=True)
class CardInfo:
    """A saved card (a PaymentMethod of type card): where it hangs and what the customer recognises it by."""

    id: str
    customer: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class IntentInfo:
    """An off-session PaymentIntent's outcome: succeeded, or why not (decline or authentication needed)."""

    id: str
    status: str  # succeeded | requires_payment_method | requires_action | processing | ...
    amount: int
    currency: str  # upper case
    error_code: str = ""  # card_declined | authentication_required | ...
    decline_code: str = ""  # insufficient_funds | generic_decline | ...
    message: str = ""


def plain(obj: Any) -> dict[str, Any]:
    """A Stripe object (or an already decoded dict) as a plain dict."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def account_info(obj: Any) -> AccountInfo:
    """An AccountInfo from a Stripe account object or dict."""
    data = plain(obj)
    settings = (data.get("settings") or {}).get("dashboard") or {}
    profile = data.get("business_profile") or {}
    requirements = data.get("requirements") or {}
    due = requirements.get("currently_due") or []
    return AccountInfo(
        id=data["id"],
        charges_enabled=bool(data.get("charges_enabled")),
        payouts_enabled=bool(data.get("payouts_enabled")),
        details_submitted=bool(data.get("details_submitted")),
        requirements_due=tuple(due),
        display_name=settings.get("display_name") or profile.get("name") or data.get("email") or "",
        livemode=bool(data.get("livemode", False)),
        disabled_reason=requirements.get("disabled_reason") or "",
        pending_verification=tuple(requirements.get("pending_verification") or ()),
    )


def session_info(obj: Any) -> CheckoutSessionInfo:
    """A CheckoutSessionInfo from a Stripe checkout.session object or dict."""
    data = plain(obj)
    intent = data.get("payment_intent") or ""
    return CheckoutSessionInfo(
        id=data["id"],
        status=data.get("status") or "",
        payment_status=data.get("payment_status") or "",
        url=data.get("url") or "",
        amount_total=int(data.get("amount_total") or 0),
        currency=(data.get("currency") or "").upper(),
        payment_intent=intent if isinstance(intent, str) else intent.get("id", ""),
        expires_at=int(data.get("expires_at") or 0),
        client_reference_id=data.get("client_reference_id") or "",
        metadata=dict(data.get("metadata") or {}),
    )


def endpoint_info(obj: Any) -> WebhookEndpointInfo:
    """A webhook endpoint (with its secret when Stripe just created it)."""
    data = plain(obj)
    return WebhookEndpointInfo(
        data["id"], data.get("url") or "", dict(data.get("metadata") or {}), data.get("secret") or "",
        tuple(data.get("enabled_events") or ()), data.get("api_version") or "", data.get("status") or "enabled",
    )


def event_info(data: dict[str, Any]) -> EventInfo:
    """An EventInfo from a decoded event payload."""
    return EventInfo(
        id=str(data.get("id") or ""),
        type=str(data.get("type") or ""),
        account=str(data.get("account") or ""),
        livemode=bool(data.get("livemode")),
        created=int(data.get("created") or 0),
        object=dict((data.get("data") or {}).get("object") or {}),
    )


class MalformedEvent(ValueError):
    """A signed payload shaped like an event whose fields do not have Stripe's types; says which field."""


_EVENT_FIELDS = (("id", str, 255), ("type", str, 100), ("account", str, 64), ("created", int, None),
                 ("livemode", bool, None))
_KIND_WORDS = {str: "text", int: "a whole number", bool: "true or false"}


def checked_event_info(data: dict[str, Any]) -> EventInfo:
    """event_info for a payload from a webhook, whose every routing field must have Stripe's type."""
    for name, kind, longest in _EVENT_FIELDS:
        value = data.get(name)
        if value is None and name not in ("id", "type"):
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise MalformedEvent(f"{name} is not {_KIND_WORDS[kind]}")
        if longest and len(value) > longest:
            raise MalformedEvent(f"{name} is longer than {longest} characters")
        if kind is int and not 0 <= value < 2**40:
            raise MalformedEvent(f"{name} is not a plausible time")
    body = data.get("data")
    if not isinstance(body, dict) or not isinstance(body.get("object"), dict):
        raise MalformedEvent("data.object is not an object")
    return event_info(data)
def _id(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def refund_info(obj: Any) -> RefundInfo:
    """A RefundInfo from a Stripe refund object or dict."""
    data = plain(obj)
    return RefundInfo(
        id=data["id"],
        amount=int(data.get("amount") or 0),
        currency=(data.get("currency") or "").upper(),
        status=data.get("status") or "pending",
        payment_intent=_id(data.get("payment_intent")),
        charge=_id(data.get("charge")),
        failure_reason=data.get("failure_reason") or "",
        reason=data.get("reason") or "",
        balance_transaction=_id(data.get("balance_transaction")),
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
    )


def balance_txn_info(obj: Any) -> BalanceTxnInfo:
    """A BalanceTxnInfo from a Stripe balance transaction."""
    data = plain(obj)
    rate = data.get("exchange_rate")
    return BalanceTxnInfo(
        id=data["id"], amount=int(data.get("amount") or 0), fee=int(data.get("fee") or 0),
        net=int(data.get("net") or 0), currency=(data.get("currency") or "").upper(),
        exchange_rate=float(rate) if rate is not None else None, created=int(data.get("created") or 0),
        type=data.get("type") or "",
        source=(data.get("source") or {}).get("id", "") if isinstance(data.get("source"), dict) else (data.get("source") or ""),
    )


def charge_info(obj: Any) -> ChargeInfo:
    """A ChargeInfo from a Stripe charge."""
    data = plain(obj)
    return ChargeInfo(
        id=data["id"], amount=int(data.get("amount") or 0), currency=(data.get("currency") or "").upper(),
        balance_transaction=_id(data.get("balance_transaction")), application_fee=_id(data.get("application_fee")),
        payment_intent=_id(data.get("payment_intent")),
        vendor_hint=str((data.get("metadata") or {}).get("payport_vendor_id") or ""),
        transfer=_id(data.get("transfer")),
    )


def reversals_by_refund(reversals: list[Any]) -> dict[str, int]:
    """{refund id: amount reversed} from a transfer's reversals (each names the refund that caused it)."""
    return {_id(r.get("source_refund")): int(r.get("amount") or 0) for r in map(plain, reversals)
            if r.get("source_refund")}


def card_info(obj: Any) -> CardInfo:
    """A CardInfo from a payment_method object or dict."""
    data = plain(obj)
    card = data.get("card") or {}
    customer = data.get("customer") or ""
    return CardInfo(
        id=str(data["id"]), customer=customer if isinstance(customer, str) else str(customer.get("id") or ""),
        brand=str(card.get("brand") or ""), last4=str(card.get("last4") or ""),
        exp_month=int(card.get("exp_month") or 0), exp_year=int(card.get("exp_year") or 0),
    )


def intent_info(obj: Any, error: dict[str, Any] | None = None) -> IntentInfo:
    """An IntentInfo from a payment_intent (and the card error that came with it, if any)."""
    data = plain(obj)
    error = error or data.get("last_payment_error") or {}
    return IntentInfo(
        id=str(data.get("id") or ""), status=str(data.get("status") or ""), amount=int(data.get("amount") or 0),
        currency=str(data.get("currency") or "").upper(), error_code=str(error.get("code") or ""),
        decline_code=str(error.get("decline_code") or ""), message=str(error.get("message") or ""),
    )
