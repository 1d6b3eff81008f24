"""Domain errors that read as facts; how each becomes an HTTP answer lives in app.controllers._errors."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule said no; the message is shown to the user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing does not exist for this vendor (other vendors' ids look the same)."""


class Conflict(DomainError):
    """The state changed or already is what was asked for."""


class NotAllowed(DomainError):
    """The thing exists but the rule forbids this change now."""


class ServiceUnavailable(DomainError):
    """An outside service (Stripe, mail) failed; nothing changed, a retry is safe."""
