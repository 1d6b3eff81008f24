"""Mail e2e: the Stripe stack (sandbox + app) is shared with the Stripe feature's tests."""

from tests.e2e.stripe.conftest import stripe_stack  # noqa: F401  (fixture)
