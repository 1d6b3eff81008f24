"""An offline, stateful Stripe-compatible server for PayPort's tests and local runs."""
