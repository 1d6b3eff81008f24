"""API tests: a vendor with a write key and a read key, and a client that sends them as a tool would."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from litestar.testing import AsyncTestClient

from app.services.api import keys
from app.services.api.limits import RateLimiter
from app.settings import get_settings


@dataclass
class Api:
    """An HTTP client holding one API key."""

    client: AsyncTestClient
    secret: str
    vendor_id: int

    def _headers(self, extra: dict | None) -> dict:
        return {"authorization": f"Bearer {self.secret}", **(extra or {})}

    async def get(self, url: str, **params):
        return await self.client.get(url, params=params or None, headers=self._headers(None))

    async def post(self, url: str, json: dict | None = None, key: str | None = None, headers: dict | None = None):
        extra = {"idempotency-key": key} if key else {}
        return await self.client.post(url, json=json or {}, headers=self._headers({**extra, **(headers or {})}))


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """Each test starts with the configured rate limit and no requests counted."""
    settings = get_settings()
    app.state.api_limiter = RateLimiter(settings.api_rate_limit, settings.api_rate_window_seconds)


@pytest.fixture
async def api(vendor) -> Api:
    _, secret = await keys.create_key(vendor.vendor_id, "Sync", "write")
    return Api(vendor.client, secret, vendor.vendor_id)


@pytest.fixture
async def reader(vendor) -> Api:
    _, secret = await keys.create_key(vendor.vendor_id, "Reports", "read")
    return Api(vendor.client, secret, vendor.vendor_id)


@pytest.fixture
async def other_api(other_vendor) -> Api:
    _, secret = await keys.create_key(other_vendor.vendor_id, "Theirs", "write")
    return Api(other_vendor.client, secret, other_vendor.vendor_id)
