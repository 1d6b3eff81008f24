"""What an operator sees: /metrics behind its token, request ids on answers and in JSON log lines."""

from __future__ import annotations

import dataclasses
import http.server
import json
import os
import re
import sys
import threading
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.services.mail.delivery import count_by_status
from app.settings import get_settings
from tests.servers import start_process, stop_process
from tests.support import free_port
from tests.unit.fixtures import BASE_URL, logged_in_vendor

TOKEN = "metrics-token-for-the-unit-tests"


@pytest.fixture
async def scraped_app():
    """The app as deployed with PAYPORT_METRICS_TOKEN set."""
    app = create_app(dataclasses.replace(get_settings(), metrics_token=TOKEN))
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        yield test_client


def _value(text: str, name: str, **labels: str) -> float:
    """A sample's value in Prometheus text format (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def _scrape(client) -> str:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.text


async def test_without_a_token_configured_there_is_no_metrics_route(client):
    assert (await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong-token-wrong-token", TOKEN, f"Basic {TOKEN}"])
async def test_metrics_refuse_a_missing_or_wrong_token(scraped_app, header):
    headers = {"Authorization": header} if header else {}
    response = await scraped_app.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "payport_" not in response.text


async def test_requests_by_route_and_status_with_latency_histograms(scraped_app):
    before = _value(await _scrape(scraped_app), "payport_requests_total", path="/healthz", status_code="200")
    for _ in range(3):
        await scraped_app.get("/healthz")
    await logged_in_vendor(scraped_app)
    assert (await scraped_app.get("/invoices/987654321")).status_code == 404  # another vendor's or no invoice
    text = await _scrape(scraped_app)
    assert _value(text, "payport_requests_total", path="/healthz", status_code="200") == before + 3
    assert _value(text, "payport_requests_total", path="/invoices/{invoice_id}", status_code="404") >= 1
    assert "/invoices/987654321" not in text  # one series per route, not per id
    assert _value(text, "payport_request_duration_seconds_bucket", path="/healthz", le="+Inf") >= 3


async def test_webhook_events_are_counted_by_type_and_outcome(scraped_app):
    before = _value(await _scrape(scraped_app), "payport_webhook_events_total", type="-", outcome="refused")
    response = await scraped_app.post("/webhooks/stripe", content=b"{}", headers={"Stripe-Signature": "t=1,v1=00"})
    assert response.status_code in (400, 503)
    text = await _scrape(scraped_app)
    outcome = "refused" if response.status_code == 400 else "no_secret"
    assert _value(text, "payport_webhook_events_total", type="-", outcome=outcome) >= before + 1


async def test_outbox_depth_is_read_from_the_database_at_each_scrape(scraped_app):
    counts = await count_by_status()
    text = await _scrape(scraped_app)
    for status in ("queued", "sending", "failed"):
        assert _value(text, "payport_outbox_messages", status=status) == counts[status]
    for name in ("payport_outbox_failures_total", "payport_reconciliation_runs_total", "payport_scheduler_lag_seconds",
                 "payport_sse_streams_open"):
        assert f"# TYPE {name.removesuffix('_total')}" in text


async def test_a_well_formed_request_id_is_echoed_and_a_bad_one_replaced(client):
    given = "req-0123456789abcdef"
    assert (await client.get("/healthz", headers={"X-Request-ID": given})).headers["x-request-id"] == given
    for bad in ("short", "x" * 200, "<script>alert(1)</script>", ""):
        answered = (await client.get("/healthz", headers={"X-Request-ID": bad})).headers["x-request-id"]
        assert answered != bad and re.fullmatch(r"[0-9a-f]{32}", answered)


def test_json_log_lines_carry_the_request_id(tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "PAYPORT_LOG_FORMAT": "json", "PORT": str(port), "APP_BASE_URL": f"http://127.0.0.1:{port}"}
    server = start_process([sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
                           f"http://127.0.0.1:{port}/healthz", env=env, log=log)
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/readyz", headers={"X-Request-ID": "trace-4242-abcd"})
        assert answer.headers["x-request-id"] == "trace-4242-abcd"
    finally:
        stop_process(server)
    text = Path(log).read_text().splitlines()
    lines = [json.loads(line) for line in text if line.startswith("{")]
    assert [line for line in text if not line.startswith("{")] == [  # only what the CLI prints itself
        f"PayPort is running at http://127.0.0.1:{port}", "Demo login: demo@payport.local / payport-demo-2026"]
    ours = [line for line in lines if line["request_id"] == "trace-4242-abcd"]
    assert ours and ours[0]["logger"] == "app.access" and "GET /readyz 200" in ours[0]["message"]
    assert {"time", "level", "logger", "message", "request_id"} <= set(ours[0])
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # the server's own lines too
    assert all(line["request_id"] == "-" for line in lines if line["logger"] != "app.access")  # outside requests


class _Collector(http.server.BaseHTTPRequestHandler):
    """A stand-in OTLP/HTTP collector that keeps what it is sent."""

    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
        body = self.rfile.read(int(self.headers["content-length"]))
        _Collector.received.append((self.path, body))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


async def test_traces_go_to_the_otlp_endpoint_only_when_one_is_configured(client):
    assert not any(type(p).__name__ == "OpenTelemetryPlugin" for p in client.app.plugins)  # off by default
    collector = http.server.HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{collector.server_port}"
    app = create_app(dataclasses.replace(get_settings(), otel_endpoint=endpoint))
    try:
        async with AsyncTestClient(app=app, base_url=BASE_URL) as traced:
            assert (await traced.get("/healthz")).status_code == 200
        plugin = next(p for p in app.plugins if type(p).__name__ == "OpenTelemetryPlugin")
        assert plugin.config.tracer_provider.force_flush(5000)
    finally:
        collector.shutdown()
    paths = [path for path, _ in _Collector.received]
    assert "/v1/traces" in paths
    body = b"".join(body for _, body in _Collector.received)
    assert b"payport" in body and b"/healthz" in body  # the service name and the route's span
