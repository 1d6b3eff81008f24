"""Who is acting: the request layer, the webhook handler and the workers name the actor of what follows.

`record_activity` and the audit log read it, so every timeline entry says who did it ("by Ana Lima",
"by Stripe webhook", "automatically").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

STRIPE_WEBHOOK = "Stripe webhook"
STRIPE_RECONCILIATION = "Stripe (reconciliation)"
AUTOMATIC = "automatically"

_actor: ContextVar[str] = ContextVar("payport_actor", default="")


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    """Everything recorded inside the block names `name` as its actor."""
    token = _actor.set(name)
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(name: str) -> None:
    """Name the actor for the rest of this task (the request layer, once per request)."""
    _actor.set(name)


def current_actor() -> str:
    """The actor named for this task, or "" when nobody was."""
    return _actor.get()


def by_phrase(actor: str) -> str:
    """How a timeline line ends: "by Ana Lima", "automatically", or nothing."""
    if not actor:
        return ""
    return actor if actor == AUTOMATIC else f"by {actor}"
