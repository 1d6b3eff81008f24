"""Webhook delivery: a background task that works through the deliveries table, signing each attempt."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import httpx

from stripe_sandbox.api import render
from stripe_sandbox import jobs
from stripe_sandbox.core import API_VERSION, Sandbox
from stripe_sandbox.resources.checkout import sweep_expired
from stripe_sandbox.versions import render_version

log = logging.getLogger("stripe_sandbox.webhooks")
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
BATCH = 50


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for a payload: t=<unix>,v1=<hex HMAC-SHA256 of "t.payload">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class Deliverer:
    """Sends due deliveries, retries failures with exponential backoff, and expires overdue sessions."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.inflight: set[int] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.client: httpx.AsyncClient | None = None
        self.runner: asyncio.Task[None] | None = None
        self.last_sweep = 0.0

    async def start(self) -> None:
        """Begin the loop; pending deliveries left by an earlier process resume here."""
        self.sandbox.wake = asyncio.Event()
        self.client = httpx.AsyncClient(timeout=self.sandbox.policy.timeout, follow_redirects=False)
        self.runner = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Stop the loop and abandon attempts in flight (they stay pending and are retried on the next start)."""
        for task in [self.runner, *self.tasks]:
            if task is not None:
                task.cancel()
        for task in [self.runner, *self.tasks]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self.client is not None:
            await self.client.aclose()

    async def _loop(self) -> None:
        while True:
            try:
                self._sweep_sessions()
                jobs.run_due(self.sandbox)
                self._launch_due()
            except Exception:  # the loop must outlive one bad row
                log.exception("delivery loop iteration failed")
            await self._sleep()

    def _sweep_sessions(self) -> None:
        interval = 1.0 if self.sandbox.policy.base < 1 else 5.0
        if time.monotonic() - self.last_sweep >= interval:
            self.last_sweep = time.monotonic()
            sweep_expired(self.sandbox)

    def _launch_due(self) -> None:
        rows = self.sandbox.store.query(
            "SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
            (time.time(), BATCH + len(self.inflight)),
        )
        for row in rows:
            if row["id"] in self.inflight:
                continue
            self.inflight.add(row["id"])
            task = asyncio.create_task(self._attempt(dict(row)))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _sleep(self) -> None:
        rows = self.sandbox.store.query("SELECT MIN(next_attempt_at) AS due FROM deliveries WHERE status = 'pending'")
        due = min((d for d in (rows[0]["due"], jobs.next_due(self.sandbox)) if d is not None), default=None)
        wait = 1.0 if due is None else max(0.01, min(1.0, due - time.time()))
        wake = self.sandbox.wake
        assert wake is not None
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=wait)
        wake.clear()

    async def _attempt(self, row: dict[str, Any]) -> None:
        try:
            try:
                status, error = await self._send(row)
            except Exception as exc:  # a sandbox bug counts as a failed attempt, so the row is retried, not stuck
                log.exception("delivery %s failed inside the sandbox", row["id"])
                status, error = None, f"sandbox error: {type(exc).__name__}: {exc}"
            self._record(row, status, error)
        finally:
            self.inflight.discard(row["id"])
            if self.sandbox.wake is not None:
                self.sandbox.wake.set()

    async def _send(self, row: dict[str, Any]) -> tuple[int | None, str | None]:
        found = self.sandbox.store.get_with_meta(row["endpoint_id"])
        event = self.sandbox.store.get(row["event_id"])
        if found is None or event is None:
            return None, "endpoint deleted"
        endpoint, meta, _ = found
        if row["drop_first"] and row["attempts"] == 0:
            return None, "dropped by the drop_first switch"
        # Each endpoint gets the event in the API version it is pinned to (none: the account's default, the SDK's).
        payload = json.dumps(render_version(render(self.sandbox, event), endpoint.get("api_version") or API_VERSION), indent=2)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(payload, meta["secret"]),
            "User-Agent": USER_AGENT,
        }
        assert self.client is not None
        try:
            response = await self.client.post(endpoint["url"], content=payload.encode(), headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        return response.status_code, None if response.is_success else response.text[:500]

    def _record(self, row: dict[str, Any], status: int | None, error: str | None) -> None:
        attempts = row["attempts"] + 1
        policy = self.sandbox.policy
        if status is not None and 200 <= status < 300:
            outcome, next_at = "succeeded", row["next_attempt_at"]
        elif error == "endpoint deleted":
            outcome, next_at = "abandoned", row["next_attempt_at"]
        elif attempts >= policy.max_attempts:
            outcome, next_at = "failed", row["next_attempt_at"]
        else:
            outcome, next_at = "pending", time.time() + policy.backoff(attempts)
        self.sandbox.store.execute(
            "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_attempt_at = ?, last_status = ?, "
            "last_error = ? WHERE id = ? AND status = 'pending'",
            (outcome, attempts, next_at, time.time(), status, error, row["id"]),
        )


def delivery_rows(sandbox: Sandbox, *, event: str | None = None, endpoint: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Deliveries, newest first, for the test route and the dashboard."""
    clauses, args = [], []
    for column, value in (("event_id", event), ("endpoint_id", endpoint), ("status", status)):
        if value:
            clauses.append(f"{column} = ?")
            args.append(value)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = sandbox.store.query(f"SELECT * FROM deliveries {where} ORDER BY id DESC", tuple(args))  # noqa: S608
    return [dict(row) for row in rows]
