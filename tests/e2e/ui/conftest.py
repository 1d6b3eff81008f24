"""UI checks: a browser context that lets axe-core be injected under the app's CSP, and the Stripe stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.stripe.conftest import stripe_stack  # noqa: F401  (the pay page needs Stripe)


@pytest.fixture
def checked_page(browser: Browser) -> Iterator[Page]:
    """A desktop page whose context bypasses the CSP only for scripts the test injects (axe-core)."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()
