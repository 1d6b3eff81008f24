"""Browser tests against a real sandbox process (python -m stripe_sandbox) on a free port."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from tests.servers import start_process, stop_process
from tests.support import free_port

PLATFORM_KEY = "sk_test_payport_platform"
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results" / "screens"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not os.path.exists(CHROMIUM):
        return browser_type_launch_args
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


@pytest.fixture(scope="session")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    db = tmp_path_factory.mktemp("sandbox") / "sandbox.sqlite3"
    command = [sys.executable, "-m", "stripe_sandbox", "--port", str(port), "--db", str(db), "--fast-retries",
               "--allow-local-webhooks"]
    url = f"http://127.0.0.1:{port}"
    process = start_process(command, f"{url}/_sandbox/webhooks/switches")
    yield url
    stop_process(process, timeout=10)


@pytest.fixture
def client(sandbox_url: str) -> stripe.StripeClient:
    httpx.post(f"{sandbox_url}/_sandbox/reset").raise_for_status()
    return stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": sandbox_url}, max_network_retries=0)


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
