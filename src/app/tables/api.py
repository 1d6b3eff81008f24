"""Integrations: API keys, stored answers of Idempotency-Key requests, outgoing webhook endpoints and deliveries."""

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.vendors import Vendor


class ApiKey(Table):
    """A vendor's secret for /api/v1; only its sha256 is stored, the secret is shown once."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=100)
    scope = Varchar(length=8, default="read")  # "read" or "write" (write includes read)
    key_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=16)  # the first characters, so the list tells keys apart
    created_by = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class ApiIdempotency(Table):
    """One POST per (key, Idempotency-Key): the body's hash and the answer given, replayed on a retry."""

    api_key = ForeignKey(references=ApiKey, null=False, on_delete=OnDelete.cascade, index=True)
    key_name = Varchar(length=320, unique=True)  # "<api key id>:<Idempotency-Key>"
    request_hash = Varchar(length=64)
    status = Integer(default=0)  # 0 while the first request is still running
    body = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class ApiRateWindow(Table):
    """Requests of one key in one fixed window, counted by every worker in one UPSERT (unique key + start)."""

    api_key = ForeignKey(references=ApiKey, null=False, on_delete=OnDelete.cascade)
    window_start = BigInt()  # unix seconds, a multiple of the window length
    hits = Integer(default=0)


class WebhookEndpoint(Table):
    """A URL a vendor's integration listens on, for the events it chose; its secret is stored encrypted."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    url = Text()
    events = Text(default="")  # comma separated event types
    secret_enc = Text(default="")
    enabled = Boolean(default=True)
    disabled_reason = Text(default="")
    failures = Integer(default=0)  # consecutive failed deliveries
    failing_since = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table):
    """One event for one endpoint: the queue row the worker sends, retries with backoff, and logs."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    endpoint = ForeignKey(references=WebhookEndpoint, null=False, on_delete=OnDelete.cascade)
    event_id = Varchar(length=40)
    event_type = Varchar(length=60)
    payload = Text()
    status = Varchar(length=16, default="pending")  # pending | sending | succeeded | failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    claimed_at = Timestamptz(null=True, default=None)
    response_status = Integer(null=True, default=None)
    last_error = Text(default="")
    delivered_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # Set when queued for a fact (an invoice overdue on a date...): several workers queue it once. None on replays.
    dedupe_key = Varchar(length=120, null=True, default=None, unique=True)


class ImportJob(Table):
    """A CSV check or import running in the background: rows done of rows total, then its report (JSON)."""

    vendor = ForeignKey(references=Vendor, null=False, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=16)  # customers | invoices
    dry_run = Boolean(default=True)
    status = Varchar(length=16, default="running")  # running | done | failed
    phase = Varchar(length=16, default="checking")  # checking | importing
    rows_total = Integer(default=0)
    rows_done = Integer(default=0)
    report = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
