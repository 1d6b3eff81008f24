"""Stripe connections, payment links, Checkout attempts, payments and the webhook inbox."""

from enum import Enum

from piccolo.columns import JSON, BigInt, Boolean, Date, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.invoices import Invoice
from app.tables.vendors import Vendor


class StripeConnection(Table):
    """How one vendor takes card payments: a Connect Express account or its own secret key."""

    class Mode(str, Enum):
        connect = "connect"
        key = "key"

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.cascade, unique=True)
    mode = Varchar(length=16, choices=Mode)
    account_id = Varchar(length=64, null=True, default=None, index=True)
    account_name = Varchar(length=200, default="")
    charges_enabled = Boolean(default=False)
    payouts_enabled = Boolean(default=False)
    details_submitted = Boolean(default=False)
    requirements_due = JSON(default=[])
    # Stripe's requirements.disabled_reason while charges are off (e.g. "requirements.pending_verification").
    disabled_reason = Varchar(length=100, default="")
    # The vendor disconnected PayPort from Stripe's side (account.application.deauthorized): no payments until
    # they connect again.
    deauthorized_at = Timestamptz(null=True, default=None)
    livemode = Boolean(default=False)
    # Guards the one Express account creation, so a double click or a retry reuses it.
    create_idempotency_key = Varchar(length=64, default="")
    secret_key_enc = Text(default="")
    secret_key_last4 = Varchar(length=4, default="")
    webhook_endpoint_id = Varchar(length=64, default="")
    webhook_secret_enc = Text(default="")
    # Path segment of the vendor's own webhook URL (key mode): names the endpoint, proves nothing.
    webhook_token = Varchar(length=64, null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class PlatformWebhookEndpoint(Table):
    """A webhook endpoint the app registered on the platform account (sandbox), with its secret."""

    kind = Varchar(length=16, unique=True)  # "platform" or "connect"
    endpoint_id = Varchar(length=64)
    url = Text()
    secret_enc = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class PaymentLink(Table):
    """The one permanent customer payment URL of an invoice: /pay/<token>."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    invoice = ForeignKey(references=Invoice, null=False, on_delete=OnDelete.restrict, unique=True)
    token = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class CheckoutAttempt(Table):
    """One Checkout Session for an invoice; the request that creates it is stored with its idempotency key."""

    class Status(str, Enum):
        creating = "creating"
        open = "open"
        complete = "complete"
        expired = "expired"
        failed = "failed"

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    invoice = ForeignKey(references=Invoice, null=False, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=16, default=Status.creating, choices=Status, index=True)
    # The account the session lives on: "" for the platform (Connect destination charges), else the vendor's.
    stripe_account = Varchar(length=64, default="")
    session_id = Varchar(length=255, null=True, default=None, unique=True)
    url = Text(default="")
    amount = BigInt()
    currency = Varchar(length=3)
    application_fee = BigInt(default=0)
    idempotency_key = Varchar(length=64, unique=True)
    request_params = JSON(default={})
    expires_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Payment(Table):
    """Money received for an invoice: one row per Stripe PaymentIntent, or one payment recorded by hand."""

    class Method(str, Enum):
        stripe = "stripe"
        bank_transfer = "bank_transfer"
        cash = "cash"
        check = "check"
        card = "card"
        other = "other"

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    invoice = ForeignKey(references=Invoice, null=False, on_delete=OnDelete.restrict, index=True)
    # The PaymentIntent id for Stripe payments; "manual_<hex>" for payments recorded by hand.
    payment_intent = Varchar(length=255, unique=True)
    method = Varchar(length=24, default=Method.stripe, choices=Method)
    reference = Varchar(length=200, default="")
    note = Text(default="")
    # The account the charge lives on: "" for the platform (Connect destination charges), else the vendor's.
    stripe_account = Varchar(length=64, default="")
    charge = Varchar(length=255, default="")
    amount = BigInt()
    currency = Varchar(length=3)
    application_fee = BigInt(default=0)
    amount_refunded = BigInt(default=0)
    # Ledger figures read from Stripe (balance transaction, application fee); null until read.
    balance_transaction = Varchar(length=255, default="")
    stripe_fee = BigInt(null=True, default=None)
    net = BigInt(null=True, default=None)
    application_fee_id = Varchar(length=255, default="")
    application_fee_refunded = BigInt(default=0)
    settlement_currency = Varchar(length=3, default="")
    settlement_amount = BigInt(null=True, default=None)
    settlement_fee = BigInt(null=True, default=None)
    settlement_net = BigInt(null=True, default=None)
    paid_at = Timestamptz(default=TimestamptzNow())
    deleted_at = Timestamptz(null=True, default=None)
    deleted_reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Refund(Table):
    """Money returned on one payment: through Stripe (one row per Refund id) or recorded by hand."""

    class Status(str, Enum):
        requested = "requested"  # saved before the call to Stripe; its idempotency key guards the call
        pending = "pending"
        requires_action = "requires_action"
        succeeded = "succeeded"
        failed = "failed"
        canceled = "canceled"

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    invoice = ForeignKey(references=Invoice, null=False, on_delete=OnDelete.restrict, index=True)
    payment = ForeignKey(references=Payment, null=False, on_delete=OnDelete.restrict, index=True)
    stripe_refund_id = Varchar(length=255, null=True, default=None, unique=True)
    idempotency_key = Varchar(length=64, null=True, default=None, unique=True)
    manual = Boolean(default=False)
    amount = BigInt()
    currency = Varchar(length=3)
    status = Varchar(length=24, default=Status.requested, choices=Status, index=True)
    reason = Varchar(length=40, default="")
    note = Text(default="")
    failure_reason = Text(default="")
    refund_application_fee = Boolean(default=False)
    # Ledger figures read from Stripe for this refund; null until read.
    balance_transaction = Varchar(length=255, default="")
    stripe_fee = BigInt(null=True, default=None)
    net = BigInt(null=True, default=None)
    application_fee_refunded = BigInt(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class WebhookInbox(Table):
    """Every Stripe event received once per source: the unique key makes redelivery harmless.

    The key is scoped by the endpoint it came through, so an event id forged on one vendor's own endpoint can
    never shadow the real event arriving on another.
    """

    event_key = Varchar(length=320, unique=True)  # "<source>:<event id>"
    event_id = Varchar(length=255, index=True)
    source = Varchar(length=40)  # platform | connect | vendor-<id>
    type = Varchar(length=100)
    account = Varchar(length=64, default="")
    vendor = ForeignKey(references=Vendor, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    outcome = Text(default="")
    received_at = Timestamptz(default=TimestamptzNow(), index=True)


class LedgerCheck(Table):
    """One day's totals of one kind (payments or refunds) in one currency, PayPort's beside Stripe's."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.cascade, index=True)
    account = Varchar(length=64, default="")
    day = Date()
    currency = Varchar(length=3)
    kind = Varchar(length=16)  # "payments" | "refunds"
    ours_gross = BigInt(default=0)
    ours_fee = BigInt(default=0)
    ours_net = BigInt(default=0)
    stripe_gross = BigInt(default=0)
    stripe_fee = BigInt(default=0)
    stripe_net = BigInt(default=0)
    matched = Boolean(default=True)
    checked_at = Timestamptz(default=TimestamptzNow())
