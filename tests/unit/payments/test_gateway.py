"""The gateway's promises: Stripe errors become messages a vendor can act on; signatures; secrets at rest."""

from __future__ import annotations

import time

import pytest
import stripe

from app import encryption
from app.errors import Conflict
from app.settings import get_settings
from app.stripe_gateway import (
    SignatureInvalid,
    StripeKeyRejected,
    StripeRejected,
    StripeUnavailable,
    is_retryable,
    sign_payload,
    translate,
    verify_signature,
)


@pytest.mark.parametrize(
    "error,kind,words,retry",
    [
        (stripe.APIConnectionError("boom"), StripeUnavailable, "could not be reached", True),
        (stripe.RateLimitError("slow down"), StripeUnavailable, "too many requests", True),
        (stripe.APIError("oops"), StripeUnavailable, "temporary problem", True),
        (stripe.AuthenticationError("Invalid API Key provided"), StripeKeyRejected, "rejected the secret key", False),
        (stripe.PermissionError("no access to checkout"), StripeKeyRejected, "restricted key", False),
        (
            stripe.CardError("Your card was declined.", "card", "card_declined"),
            StripeRejected,
            "card was declined",
            False,
        ),
        (stripe.InvalidRequestError("No such account", "account"), StripeRejected, "No such account", False),
        (stripe.IdempotencyError("Keys for idempotent requests"), Conflict, "still working", True),
    ],
)
def test_stripe_errors_become_actionable_messages(error, kind, words, retry):
    ours = translate(error)
    assert isinstance(ours, kind) and words in ours.message
    assert is_retryable(ours) is retry


def test_any_of_several_signatures_passes_and_time_is_checked_both_ways():
    body, now = b'{"id": "evt_1"}', int(time.time())
    good = sign_payload(body, "whsec_b", now)
    header = f"t={now},v1={'0' * 64},{good.split(',')[1]}"
    assert verify_signature(body, header, ["whsec_a", "whsec_b"]) == 1
    for skew in (-301, 301):
        with pytest.raises(SignatureInvalid):
            verify_signature(body, sign_payload(body, "whsec_b", now + skew), ["whsec_b"])
    assert verify_signature(body, sign_payload(body, "whsec_b", now - 299), ["whsec_b"]) == 0


def test_secrets_are_encrypted_and_unreadable_with_another_secret_key(monkeypatch):
    token = encryption.encrypt("sk_test_123")
    assert "sk_test_123" not in token and encryption.decrypt(token) == "sk_test_123"
    assert encryption.encrypt("sk_test_123") != token  # random IV per value
    monkeypatch.setenv("SECRET_KEY", "another-secret-key-that-is-long-enough-0123456789")
    get_settings.cache_clear()
    try:
        with pytest.raises(encryption.SecretUnreadable):
            encryption.decrypt(token)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
