"""The sandbox's shared state: configuration, accounts and keys, and event emission."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from stripe_sandbox.store import Store, now, random_id

API_VERSION = "2026-10-28.endive"
DEFAULT_SWITCHES: dict[str, Any] = {"duplicate": False, "shuffle_window": 0.0, "delay": 0.0, "drop_first": False}


@dataclass
class DeliveryPolicy:
    """How webhook deliveries are retried: base * 2**(attempt-1), capped, at most max_attempts tries."""

    base: float = 2.0
    cap: float = 300.0
    max_attempts: int = 12
    timeout: float = 10.0

    @classmethod
    def fast(cls) -> DeliveryPolicy:
        """Test timings: retries within about a second."""
        return cls(base=0.05, cap=0.4, max_attempts=8, timeout=2.0)

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the given number of failed attempts."""
        return min(self.base * 2 ** (attempts - 1), self.cap)


@dataclass
class Context:
    """Who is calling: the key's account and the account acted on (differs with Stripe-Account)."""

    key: str
    key_account: str
    account: str
    request_id: str
    idempotency_key: str | None = None
    base_url: str = "http://127.0.0.1:12111"

    @property
    def connected(self) -> bool:
        """True when the platform acts on a connected account through Stripe-Account."""
        return self.account != self.key_account


@dataclass
class Sandbox:
    """Everything a request handler needs; one per app."""

    store: Store
    platform_key: str
    public_url: str | None = None
    policy: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    wake: asyncio.Event | None = None
    # Seconds before Stripe-side changes land (a refund failing, capabilities turning active).
    async_delay: float = 3.0
    # Seconds between onboarding's "details submitted" and "active" (None: async_delay; 0: both in the same request).
    onboarding_delay: float | None = None
    # Stripe refuses webhook URLs that are not public https; local development and tests opt in to local ones.
    allow_local_webhooks: bool = False

    def base_url(self, fallback: str) -> str:
        """Public base URL for hosted pages; defaults to the address the request came in on."""
        return (self.public_url or fallback).rstrip("/")

    # Accounts and keys

    def add_key(self, key: str, account: str) -> None:
        """Register a secret (or restricted) key for an account."""
        self.store.execute("INSERT INTO api_keys (key, account, created) VALUES (?, ?, ?)", (key, account, now()))

    def account_for_key(self, key: str) -> str | None:
        """The account a key belongs to."""
        rows = self.store.query("SELECT account FROM api_keys WHERE key = ?", (key,))
        return rows[0]["account"] if rows else None

    def platform_of(self, account: str) -> str | None:
        """The platform that created a connected account, or None for a platform or standalone account."""
        return self.store.meta(account).get("platform")

    def display_name(self, account: str) -> str:
        """The business name shown to customers on hosted pages."""
        obj = self.store.get(account) or {}
        settings = (obj.get("settings") or {}).get("dashboard") or {}
        profile = obj.get("business_profile") or {}
        return settings.get("display_name") or profile.get("name") or obj.get("email") or account

    # Events

    def emit(
        self,
        account: str,
        type: str,  # noqa: A002 - Stripe's field name
        obj: dict[str, Any],
        *,
        previous: dict[str, Any] | None = None,
        ctx: Context | None = None,
    ) -> dict[str, Any]:
        """Record an event on an account and queue its deliveries to every endpoint that wants it."""
        platform = self.platform_of(account)
        event: dict[str, Any] = {
            "id": random_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": now(),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 0,
            "request": {
                "id": ctx.request_id if ctx else None,
                "idempotency_key": ctx.idempotency_key if ctx else None,
            },
            "type": type,
        }
        if previous is not None:
            event["data"]["previous_attributes"] = previous
        if platform:
            event["account"] = account
        with self.store.transaction():
            self.store.put(event, account=account)
            self._queue_deliveries(event, account, platform)
        if self.wake is not None:
            self.wake.set()
        return event

    def _queue_deliveries(self, event: dict[str, Any], account: str, platform: str | None) -> None:
        switches = {**DEFAULT_SWITCHES, **self.store.setting("switches", {})}
        copies = 2 if switches["duplicate"] else 1
        for endpoint in self.endpoints_for(event["type"], account, platform):
            for _ in range(copies):
                due = time.time() + float(switches["delay"]) + random.uniform(0, float(switches["shuffle_window"]))
                self.queue_delivery(event["id"], endpoint["id"], due, drop_first=bool(switches["drop_first"]))

    def queue_delivery(self, event_id: str, endpoint_id: str, due: float, *, drop_first: bool = False) -> None:
        """One pending delivery of an event to an endpoint, first attempted at `due` (unix seconds)."""
        self.store.execute(
            "INSERT INTO deliveries (event_id, endpoint_id, status, next_attempt_at, drop_first, created) "
            "VALUES (?, ?, 'pending', ?, ?, ?)",
            (event_id, endpoint_id, due, int(drop_first), time.time()),
        )

    def endpoints_for(self, type: str, account: str, platform: str | None) -> list[dict[str, Any]]:  # noqa: A002
        """Enabled endpoints that subscribe to an event type: the account's own, and its platform's Connect ones."""
        found = []
        owners = [(account, False)] + ([(platform, True)] if platform else [])
        for owner, connect in owners:
            for row in self.store.rows("webhook_endpoint", account=owner):
                endpoint = json.loads(row["data"])
                wants = "*" in endpoint["enabled_events"] or type in endpoint["enabled_events"]
                if wants and endpoint["status"] == "enabled" and bool(json.loads(row["meta"]).get("connect")) == connect:
                    found.append(endpoint)
        return found

    def pending_webhooks(self, event_id: str) -> int:
        """Endpoints that have not yet acknowledged an event."""
        rows = self.store.query(
            "SELECT COUNT(DISTINCT endpoint_id) AS n FROM deliveries d WHERE event_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM deliveries s WHERE s.event_id = d.event_id AND s.endpoint_id = d.endpoint_id "
            "AND s.status = 'succeeded')",
            (event_id,),
        )
        return rows[0]["n"]
