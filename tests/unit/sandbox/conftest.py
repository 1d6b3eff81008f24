"""Fixtures: one sandbox server per test session (state reset before each test), SDK clients, a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import stripe

from stripe_sandbox.app import create_app
from stripe_sandbox.core import Sandbox
from tests.servers import ThreadedServer
from tests.unit.sandbox.helpers import PLATFORM_KEY, Receiver


def pytest_configure(config: pytest.Config) -> None:
    # The SDK's own HTTPXClient passes bytes as data=; that warning is stripe-python's, not ours.
    config.addinivalue_line("filterwarnings", "ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[ThreadedServer]:
    server = ThreadedServer(create_app(delivery_fast=True, allow_local_webhooks=True)).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_state(sandbox_server: ThreadedServer) -> None:
    httpx.post(f"{sandbox_server.url}/_sandbox/reset").raise_for_status()


@pytest.fixture
def base(sandbox_server: ThreadedServer) -> str:
    return sandbox_server.url


@pytest.fixture
def sandbox(sandbox_server: ThreadedServer) -> Sandbox:
    """The in-process state, for the few tests that must move time (expire a link, a session)."""
    return sandbox_server.app.state.sandbox


@pytest.fixture
def client(base: str) -> stripe.StripeClient:
    return stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": base}, max_network_retries=0)


@pytest.fixture
def async_client(base: str) -> stripe.StripeClient:
    return stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": base}, max_network_retries=0, http_client=stripe.HTTPXClient())


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver().start()
    yield rec
    rec.stop()
