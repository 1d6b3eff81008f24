"""Contract tests: the gateway's calls, the same assertions against the sandbox and against Stripe's test mode.

The sandbox leg always runs (a sandbox that, like Stripe, refuses local webhook URLs). The real-Stripe leg runs when
STRIPE_TEST_SECRET_KEY holds a test-mode secret key and is skipped otherwise, saying why (`pytest -rs` lists it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

os.environ.setdefault("PAYPORT_ENV", "test")
os.environ.setdefault("PAYPORT_DATA_DIR", tempfile.mkdtemp(prefix="payport-contract-"))
os.environ.setdefault("SECRET_KEY", "contract-test-secret-key-that-is-long-enough-0123")

from app.stripe_gateway import StripeClientGateway  # noqa: E402
from tests.servers import ThreadedServer  # noqa: E402

SANDBOX_KEY = "sk_test_payport_platform"
REAL_KEY_VARIABLE = "STRIPE_TEST_SECRET_KEY"


@dataclass
class Target:
    """Where the calls go: the gateway, and the key and address for set-up calls the gateway does not make."""

    name: str
    gateway: StripeClientGateway
    key: str
    api_base: str  # "" = api.stripe.com


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    """One strict sandbox server for the session."""
    from stripe_sandbox.app import create_app

    server = ThreadedServer(create_app(platform_key=SANDBOX_KEY)).start()
    yield server.url
    server.stop()


@pytest.fixture(params=["sandbox", "stripe-test-mode"])
def target(request: pytest.FixtureRequest) -> Target:
    """Each contract test runs once per target."""
    if request.param == "sandbox":
        url = request.getfixturevalue("sandbox_url")
        return Target("sandbox", StripeClientGateway(SANDBOX_KEY, url, retries=0), SANDBOX_KEY, url)
    key = os.environ.get(REAL_KEY_VARIABLE, "")
    if not key:
        pytest.skip(f"{REAL_KEY_VARIABLE} is not set: the real Stripe test-mode leg needs a test secret key (sk_test_...)")
    if not key.startswith(("sk_test_", "rk_test_")):
        pytest.skip(f"{REAL_KEY_VARIABLE} is not a test-mode key: contract tests never run on live mode")
    return Target("stripe-test-mode", StripeClientGateway(key), key, "")


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ANN001
    """Say plainly when the real-Stripe leg did not run."""
    if not os.environ.get(REAL_KEY_VARIABLE):
        terminalreporter.write_line(
            f"contract: real Stripe test-mode leg skipped ({REAL_KEY_VARIABLE} is not set); the sandbox leg ran."
        )
