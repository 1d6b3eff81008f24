"""A Stripe sandbox server and an app pointed at it, both real uvicorn processes with their own state."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import LiveServer, server_env, start_server
from tests.servers import start_process, stop_process, wait_until_ready
from tests.support import ROOT, free_port

PLATFORM_KEY = "sk_test_payport_platform"
ONBOARDING_DELAY = 3


@dataclass
class StripeStack:
    """The app, the sandbox it talks to, and the app's environment."""

    app: LiveServer
    sandbox_url: str

    def sandbox(self, method: str, path: str, data: dict | None = None) -> dict:
        """Call the sandbox (API with the platform key, or a /_sandbox test route)."""
        body = "&".join(f"{k}={v}" for k, v in (data or {}).items()).encode() if data is not None else None
        request = urllib.request.Request(
            f"{self.sandbox_url}{path}", data=body, method=method, headers={"Authorization": f"Bearer {PLATFORM_KEY}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:  # a decline answers 402 with the card error: still an answer
            if error.code >= 500:
                raise
            return json.loads(error.read())

    def wait_for_webhooks(self) -> None:
        """Block until the sandbox has delivered every pending event (its own test route, not a sleep)."""
        self.sandbox("POST", "/_sandbox/deliveries/wait?timeout=10", {})

    def seed_invoice(self, email: str, currency: str = "USD", total: int | None = None) -> int:
        """A draft invoice for the vendor of `email` (three lines, or one line of `total`), in the app's database."""
        out = subprocess.run(
            [sys.executable, "-m", "tests.e2e.stripe.seed", email, currency, *([str(total)] if total else [])],
            env=self.app.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        return int(out.stdout.strip().splitlines()[-1])


def _start_sandbox(port: int, data_dir: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "stripe_sandbox", "--port", str(port), "--db", str(data_dir / "sandbox.sqlite3"),
            "--fast-retries", "--allow-local-webhooks",
            # As on Stripe, activation comes a moment after the details are submitted (a second account.updated):
            # the settings page shows "Pending review" and turns "Stripe Connected" live.
            "--onboarding-delay", str(ONBOARDING_DELAY)]
    return start_process(args, f"http://127.0.0.1:{port}/dashboard", log=data_dir / "sandbox.log")


@pytest.fixture(scope="session")
def stripe_stack() -> Iterator[StripeStack]:
    """Sandbox first, then the app (which registers its webhook endpoints there at start)."""
    env, drop = server_env("stripe")
    port = free_port()
    sandbox_url = f"http://127.0.0.1:{port}"
    sandbox = _start_sandbox(port, Path(env["PAYPORT_DATA_DIR"]))
    stack = None
    try:
        env.update(
            STRIPE_SECRET_KEY=PLATFORM_KEY,
            STRIPE_API_BASE=sandbox_url,
            PLATFORM_FEE_PERCENT="2.5",
            PLATFORM_FEE_FIXED="30",
            STRIPE_RECONCILE_SECONDS="0",
            PLATFORM_REFUND_APPLICATION_FEE="1",
        )
        app = LiveServer(url=env["APP_BASE_URL"], env=env, process=start_server(env))
        stack = StripeStack(app, sandbox_url)
        wait_until_ready(lambda: len(stack.sandbox("GET", "/v1/webhook_endpoints")["data"]) == 2,
                         lambda: app.process.poll() is None, "webhook registration")
        yield stack
    finally:
        if stack is not None:
            stop_process(stack.app.process)
        stop_process(sandbox)
        drop()
