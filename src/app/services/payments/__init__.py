"""Payments: the Stripe connection, payment links, Checkout, the ledger, webhook events, reconciliation."""
