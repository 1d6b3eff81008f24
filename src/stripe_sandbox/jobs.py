"""Delayed state changes Stripe makes on its own after a request returns (a refund failing, onboarding checks).

Resources register a handler per kind; the delivery loop runs due jobs, and `POST /_sandbox/jobs/run` runs every
pending one at once so tests need not wait.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable

from stripe_sandbox.core import Sandbox

log = logging.getLogger("stripe_sandbox.jobs")
Handler = Callable[[Sandbox, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}


def register(kind: str) -> Callable[[Handler], Handler]:
    """Decorator: the function that performs jobs of this kind."""

    def decorate(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return decorate


def schedule(sandbox: Sandbox, kind: str, payload: dict[str, Any], delay: float | None = None) -> None:
    """Queue a job to run after `delay` seconds (the sandbox's async_delay by default)."""
    due = time.time() + (sandbox.async_delay if delay is None else delay)
    sandbox.store.execute("INSERT INTO jobs (kind, payload, due_at) VALUES (?, ?, ?)", (kind, json.dumps(payload), due))
    if sandbox.wake is not None:
        sandbox.wake.set()


def run_due(sandbox: Sandbox, *, everything: bool = False) -> int:
    """Run jobs that are due (or all pending ones), oldest first, each in its own transaction; return how many ran."""
    ran = 0
    while True:
        limit = 1e18 if everything else time.time()
        rows = sandbox.store.query("SELECT * FROM jobs WHERE done_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT 1", (limit,))
        if not rows:
            return ran
        row = rows[0]
        try:
            with sandbox.store.transaction():
                sandbox.store.execute("UPDATE jobs SET done_at = ? WHERE id = ?", (time.time(), row["id"]))
                HANDLERS[row["kind"]](sandbox, json.loads(row["payload"]))
        except Exception:  # one broken job must not stop the others; it is marked done and logged
            log.exception("job %s (%s) failed", row["id"], row["kind"])
            sandbox.store.execute("UPDATE jobs SET done_at = ? WHERE id = ?", (time.time(), row["id"]))
        ran += 1


def next_due(sandbox: Sandbox) -> float | None:
    """When the next pending job is due, or None."""
    return sandbox.store.query("SELECT MIN(due_at) AS due FROM jobs WHERE done_at IS NULL")[0]["due"]
