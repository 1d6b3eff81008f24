"""PayPort's own Prometheus metrics (requests and latency come from Litestar's Prometheus middleware).

Plain prometheus_client objects, so services record facts without knowing about HTTP. With several worker
processes set PROMETHEUS_MULTIPROC_DIR (README, "Production"): the gauges below then add up across processes.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

SSE_STREAMS = Gauge("payport_sse_streams_open", "Browser event streams open now", multiprocess_mode="livesum")
WEBHOOK_EVENTS = Counter("payport_webhook_events_total", "Stripe webhook deliveries received, by event type and outcome",
                         ["type", "outcome"])
OUTBOX_MESSAGES = Gauge("payport_outbox_messages", "Outbox rows by status (queued + sending is the queue's depth)",
                        ["status"], multiprocess_mode="mostrecent")
OUTBOX_FAILURES = Counter("payport_outbox_failures_total", "Failed delivery attempts, by what followed (retry or failed)",
                          ["result"])
RECONCILIATION_RUNS = Counter("payport_reconciliation_runs_total", "Reconciliation rounds with Stripe, by outcome",
                              ["outcome"])
SCHEDULER_LAG = Gauge("payport_scheduler_lag_seconds",
                      "How late a background loop's last round started after it was due", ["loop"],
                      multiprocess_mode="max")


def record_webhook(event_type: str, outcome: str) -> None:
    """Count one webhook delivery (type '-' when the body was refused before it could be read)."""
    WEBHOOK_EVENTS.labels(event_type[:100] or "-", outcome).inc()


def record_lag(loop: str, seconds: float) -> None:
    """Note how late `loop` started its round (never below zero: early wake-ups are on time)."""
    SCHEDULER_LAG.labels(loop).set(max(seconds, 0.0))
