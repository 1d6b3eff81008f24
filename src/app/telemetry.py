"""What an operator watches: Prometheus metrics, OpenTelemetry traces, JSON log lines with the request id."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from litestar.datastructures import MutableScopeHeaders
from litestar.logging import LoggingConfig
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from app.settings import Settings

REQUEST_ID_HEADER = "x-request-id"
# An id from the proxy is kept only if it cannot break a log line or a header: 8-128 safe characters.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_request_id: ContextVar[str] = ContextVar("request_id", default="-")
access_log = logging.getLogger("app.access")


def current_request_id() -> str:
    """The id of the request being handled ('-' outside one)."""
    return _request_id.get()


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Take X-Request-ID from the proxy when well-formed, else make one; log lines and the answer carry it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = given if _WELL_FORMED.match(given) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        started, status = time.perf_counter(), [0]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            access_log.info("%s %s %s %.1fms", scope["method"], scope["path"], status[0],
                            (time.perf_counter() - started) * 1000)
            _request_id.reset(token)

    return middleware


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _install_request_id_on_records() -> None:
    # Set where the record is made (the request's task): the queue handler formats it later in another thread.
    previous = logging.getLogRecordFactory()
    if getattr(previous, "payport_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _request_id.get()
        return record

    factory.payport_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def logging_config(settings: Settings) -> LoggingConfig:
    """Litestar's logging through its queue handler; JSON lines when PAYPORT_LOG_FORMAT=json."""
    _install_request_id_on_records()
    formatters = None
    if settings.log_format == "json":
        formatters = {"standard": {"()": "app.telemetry.JsonFormatter"}}
    loggers = {"app.access": {"level": "INFO" if settings.log_format == "json" else "WARNING",
                              "handlers": ["queue_listener"], "propagate": False}}
    return LoggingConfig(root={"level": "INFO", "handlers": ["queue_listener"]}, log_exceptions="debug",
                         loggers=loggers, **({"formatters": formatters} if formatters else {}))


def prometheus_config() -> PrometheusConfig:
    """Requests by route template and status, with latency histograms (Litestar's Prometheus middleware)."""
    # Streams last as long as a tab stays open: their duration says nothing, payport_sse_streams_open counts them.
    return PrometheusConfig(app_name="payport", prefix="payport", group_path=True,
                            exclude=["^/static/", "^/metrics$", "^/events$"])


def tracing_plugins(settings: Settings) -> list:
    """Litestar's OpenTelemetry plugin exporting spans over OTLP/HTTP, only when an endpoint is configured."""
    if not settings.otel_endpoint:
        return []
    provider = TracerProvider(resource=Resource.create({"service.name": "payport"}))
    # The variable names the collector's base URL, as OpenTelemetry's own SDKs read it; traces go to /v1/traces.
    exporter = OTLPSpanExporter(endpoint=f"{settings.otel_endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return [OpenTelemetryPlugin(OpenTelemetryConfig(tracer_provider=provider, exclude=["^/static/", "^/metrics$"]))]
