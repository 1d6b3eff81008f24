"""Production layout: Caddy (tls internal, HTTP/2) in front of two PayPort processes on PostgreSQL.

Eight tabs of one vendor hold their event streams over one HTTP/2 connection (over HTTP/1.1 a browser would stall
the seventh), the streams land on both processes, and a Stripe webhook handled by one process reaches every tab.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from app.stripe_gateway import sign_payload
from tests.e2e.conftest import server_env
from tests.e2e.live.pages import live_status, record_stream
from tests.e2e.pages import new_account, sign_up
from tests.servers import start_process, stop_process, wait_until_ready
from tests.support import ROOT, free_port

CONNECT_SECRET = "whsec_caddy_connect_0123456789"
METRICS_TOKEN = "caddy-e2e-metrics-token-0123"
TABS = 8

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="PostgreSQL only: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test "
                                       "(processes share live updates through LISTEN/NOTIFY)")


def _caddy() -> str:
    if shutil.which("caddy") is None:  # installed when missing, as Chromium is
        subprocess.run([str(ROOT / "scripts" / "install-caddy")], check=True)
    return shutil.which("caddy") or "caddy"


CADDYFILE = """{{
	admin off
	skip_install_trust
	auto_https disable_redirects
	http_port {http_port}
	https_port {https_port}
	storage file_system {storage}
}}
https://127.0.0.1:{https_port} {{
	tls internal
	reverse_proxy 127.0.0.1:{one} 127.0.0.1:{two} {{
		lb_policy round_robin
		flush_interval -1
	}}
}}
"""


def _answers_over_tls(url: str) -> bool:
    insecure = ssl.create_default_context()
    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE  # Caddy's own local CA
    try:
        with urllib.request.urlopen(url, timeout=1, context=insecure) as response:
            return response.status == 200
    except OSError:
        return False


class Stack:
    """Caddy on https://127.0.0.1:<port> and the two app processes behind it."""

    def __init__(self) -> None:
        self.env, self._drop = server_env("caddy")
        self.https_port, self.ports = free_port(), (free_port(), free_port())
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.env.update(APP_BASE_URL=self.url, STRIPE_CONNECT_WEBHOOK_SECRET=CONNECT_SECRET,
                        STRIPE_WEBHOOK_SECRET="whsec_caddy_platform_0123456789", PAYPORT_METRICS_TOKEN=METRICS_TOKEN)
        self.env.pop("PAYPORT_LIVE_BACKEND", None)  # as deployed: LISTEN/NOTIFY on PostgreSQL
        self.data = Path(self.env["PAYPORT_DATA_DIR"])
        self.processes: list[subprocess.Popen] = []

    def start(self) -> Stack:
        for port in self.ports:
            args = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
            self.processes.append(start_process(args, f"http://127.0.0.1:{port}/readyz", env={**self.env, "PORT": str(port)},
                                                log=self.data / f"app-{port}.log"))
        caddyfile = self.data / "Caddyfile"
        caddyfile.write_text(CADDYFILE.format(http_port=free_port(), https_port=self.https_port, one=self.ports[0],
                                              two=self.ports[1], storage=self.data / "caddy"))
        log = open(self.data / "caddy.log", "ab")  # noqa: SIM115  (the child keeps it open)
        caddy = subprocess.Popen([_caddy(), "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
                                 env={**os.environ, "HOME": str(self.data)}, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(caddy)
        wait_until_ready(lambda: _answers_over_tls(f"{self.url}/healthz"), lambda: caddy.poll() is None, "caddy", 30)
        return self

    def open_streams(self, port: int) -> float:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                         headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            text = response.read().decode()
        return next(float(line.split()[1]) for line in text.splitlines() if line.startswith("payport_sse_streams_open "))

    def connect_account(self, email: str, account: str) -> None:
        """The vendor's Connect account row, as onboarding would have left it (charges not yet enabled)."""
        script = (
            "import asyncio\nfrom app.tables.payments import StripeConnection\nfrom app.tables.vendors import User\n"
            "async def main():\n"
            f"    user = await User.objects().where(User.email == {email!r}).first()\n"
            f"    await StripeConnection(vendor=user.vendor, mode='connect', account_id={account!r}).save()\n"
            "asyncio.run(main())\n")
        subprocess.run([sys.executable, "-c", script], env=self.env, cwd=ROOT, check=True)

    def webhook_to(self, port: int, event: dict) -> dict:
        """Deliver a signed Connect event to one process directly, as Stripe would reach it."""
        body = json.dumps(event).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/stripe", data=body, method="POST",
                                         headers={"Stripe-Signature": sign_payload(body, CONNECT_SECRET),
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                stop_process(process)
        self._drop()


@pytest.fixture
def stack() -> Iterator[Stack]:
    running = Stack().start()
    yield running
    running.stop()


def test_eight_tabs_over_http2_follow_a_webhook_handled_by_either_process(browser: Browser, stack: Stack):
    context = browser.new_context(ignore_https_errors=True)
    vendor = new_account("Caddy Works")
    first = context.new_page()
    sign_up(first, stack.url, vendor)
    stack.connect_account(vendor.email, "acct_caddy_e2e")
    tabs, logs = [], []
    for _ in range(TABS):
        tab = context.new_page()
        logs.append(record_stream(context, tab))
        tab.goto(f"{stack.url}/")
        tabs.append(tab)
    for tab in tabs:
        expect(live_status(tab)).to_have_text("Live")
        assert tab.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol") == "h2"
    deadline = time.monotonic() + 10
    while sum(counts := [stack.open_streams(port) for port in stack.ports]) < TABS and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sum(counts) >= TABS and all(count > 0 for count in counts), counts  # streams on both processes

    for n, port in enumerate(stack.ports):  # a webhook handled by each process in turn reaches all eight tabs
        event = {"id": f"evt_caddy_{n}_{time.time_ns()}", "object": "event", "type": "account.updated",
                 "created": int(time.time()), "livemode": False, "account": "acct_caddy_e2e",
                 "data": {"object": {"id": "acct_caddy_e2e", "object": "account", "charges_enabled": n == 0,
                                     "payouts_enabled": False, "details_submitted": True}}}
        assert stack.webhook_to(port, event)["received"] is True
        deadline = time.monotonic() + 10
        while any(log.names().count("stripe-changed") < n + 1 for log in logs) and time.monotonic() < deadline:
            tabs[0].wait_for_timeout(100)
        assert [log.names().count("stripe-changed") for log in logs] == [n + 1] * TABS
    context.close()
