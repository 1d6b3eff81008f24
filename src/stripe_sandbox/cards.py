"""Stripe's test card numbers and the checks a card form makes before any charge exists."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Decline:
    """Why an issuer refused a card: Stripe's code, decline_code and customer-facing message."""

    code: str
    decline_code: str | None
    message: str
    outcome_type: str = "issuer_declined"
    network_status: str = "declined_by_network"


GENERIC = Decline("card_declined", "generic_decline", "Your card was declined.")
# Numbers from https://docs.stripe.com/testing; brand, funding and the outcome each produces.
TEST_CARDS: dict[str, tuple[str, str, Decline | None]] = {
    "4242424242424242": ("visa", "credit", None),
    "4000056655665556": ("visa", "debit", None),
    "5555555555554444": ("mastercard", "credit", None),
    "2223003122003222": ("mastercard", "credit", None),
    "5200828282828210": ("mastercard", "debit", None),
    "378282246310005": ("amex", "credit", None),
    "4000000000005126": ("visa", "credit", None),
    "4000002760003184": ("visa", "credit", None),
    "4000000000007726": ("visa", "credit", None),
    "4000000000000002": ("visa", "credit", GENERIC),
    "4000000000000341": ("visa", "credit", GENERIC),
    "4000000000009995": ("visa", "credit", Decline("card_declined", "insufficient_funds", "Your card has insufficient funds.")),
    "4000000000009987": ("visa", "credit", Decline("card_declined", "lost_card", "Your card was declined.")),
    "4000000000009979": ("visa", "credit", Decline("card_declined", "stolen_card", "Your card was declined.")),
    "4000000000000069": ("visa", "credit", Decline("expired_card", "expired_card", "Your card has expired.")),
    "4000000000000127": ("visa", "credit", Decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.")),
    "4000000000000119": (
        "visa",
        "credit",
        Decline("processing_error", "processing_error", "An error occurred while processing your card. Try again in a little bit."),
    ),
}
# Cards whose payments succeed but whose refunds do not simply succeed (docs.stripe.com/testing#refunds):
# 5126 "asynchronous refund failure" (succeeded, then failed with refund.failed), 7726 "pending refund".
REFUND_OUTCOMES: dict[str, tuple[str, str]] = {
    "4000000000005126": ("succeeded", "failed"),
    "4000000000007726": ("pending", "succeeded"),
}
# 3-D Secure required on every payment, including off-session ones (docs.stripe.com/testing#regulatory-cards).
AUTHENTICATION_REQUIRED = frozenset({"4000002760003184"})
AUTH_DECLINE = Decline(
    "authentication_required",
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
)
# Attaching (saving) succeeds, every charge is declined (docs.stripe.com/testing#declined-payments, "Decline after
# attaching"): the card that makes autopay fail after the customer saved it.
ATTACHES_THEN_DECLINES = frozenset({"4000000000000341"})
NON_TEST_CARD = Decline(
    "card_declined",
    "test_mode_live_card",
    "Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test "
    "cards, visit: https://stripe.com/docs/testing.",
)


@dataclass(frozen=True)
class Card:
    """A card as typed into the form, normalised."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str

    @property
    def last4(self) -> str:
        """Last four digits."""
        return self.number[-4:]

    @property
    def brand(self) -> str:
        """Card brand from the test table or the leading digit."""
        if self.number in TEST_CARDS:
            return TEST_CARDS[self.number][0]
        return {"4": "visa", "5": "mastercard", "3": "amex"}.get(self.number[:1], "unknown")

    @property
    def funding(self) -> str:
        """credit, debit or unknown."""
        return TEST_CARDS[self.number][1] if self.number in TEST_CARDS else "unknown"

    @property
    def fingerprint(self) -> str:
        """Stable per number, like Stripe's."""
        return hashlib.sha256(self.number.encode()).hexdigest()[:16]

    @property
    def decline(self) -> Decline | None:
        """The issuer's answer: None when the charge goes through."""
        if self.number in TEST_CARDS:
            return TEST_CARDS[self.number][2]
        return NON_TEST_CARD


    @property
    def setup_decline(self) -> Decline | None:
        """The answer when the card is only saved (SetupIntent): cards that decline only charges save fine."""
        return None if self.number in ATTACHES_THEN_DECLINES else self.decline


class CardInvalid(Exception):
    """The form's own validation failed: no charge is attempted (Stripe.js errors)."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def parse_card(number: str, expiry: str, cvc: str, *, today: datetime.date | None = None) -> Card:
    """Validate the card form fields (number, MM / YY, CVC) as Stripe Elements does."""
    digits = re.sub(r"[\s-]", "", number or "")
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or not _luhn(digits):
        raise CardInvalid("incorrect_number", "Your card number is incorrect.", "number")
    month, year = _expiry(expiry)
    today = today or datetime.date.today()
    if (year, month) < (today.year, today.month):
        raise CardInvalid("invalid_expiry_year", "Your card's expiration year is in the past.", "expiry")
    cvc = (cvc or "").strip()
    if not cvc.isdigit() or len(cvc) not in (3, 4):
        raise CardInvalid("incomplete_cvc", "Your card's security code is incomplete.", "cvc")
    return Card(digits, month, year, cvc)


def _expiry(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", value or "")
    if not match or not 1 <= int(match.group(1)) <= 12:
        raise CardInvalid("incomplete_expiry", "Your card's expiration date is incomplete.", "expiry")
    year = int(match.group(2))
    return int(match.group(1)), year + 2000 if year < 100 else year


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0
