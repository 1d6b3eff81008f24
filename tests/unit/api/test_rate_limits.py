"""Rate limits per API key hold across processes: the count lives in the database, one UPSERT per request."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.services.api import keys
from app.services.api.limits import RateLimiter
from app.tables.api import ApiRateWindow
from tests.unit.fixtures import BASE_URL

T0 = 1_800_000_000.0  # a window start for a 60 s window: a test never straddles two windows


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


@pytest.fixture
async def second_app_client():
    """Another app instance on the same database, as a second `payport serve` worker would be."""
    async with AsyncTestClient(app=create_app(), base_url=BASE_URL) as client:
        yield client


async def test_429_with_retry_after_until_the_window_ends(api, app):
    clock = Clock(T0 + 45)
    app.state.api_limiter = RateLimiter(3, 60, clock)
    for _ in range(3):
        assert (await api.get("/api/v1/customers")).status_code == 200
    limited = await api.get("/api/v1/customers")
    assert limited.status_code == 429 and limited.json()["error"]["type"] == "rate_limit_error"
    assert limited.json()["error"]["code"] == "rate_limited" and limited.headers["retry-after"] == "15"
    clock.now = T0 + 60  # the next window
    assert (await api.get("/api/v1/customers")).status_code == 200
    # One row per key: the finished window is deleted when the next one starts.
    key_id = (await keys.authenticate(api.secret)).id
    assert await ApiRateWindow.select(ApiRateWindow.window_start, ApiRateWindow.hits).where(
        ApiRateWindow.api_key == key_id) == [{"window_start": int(T0 + 60), "hits": 1}]


async def test_two_app_instances_share_one_count(api, app, second_app_client):
    clock = Clock(T0 + 5)
    app.state.api_limiter = RateLimiter(4, 60, clock)
    second_app_client.app.state.api_limiter = RateLimiter(4, 60, clock)
    answers = []
    for client in (api.client, second_app_client, api.client, second_app_client, api.client, second_app_client):
        answers.append((await client.get("/api/v1/customers", headers=bearer(api.secret))).status_code)
    assert answers == [200, 200, 200, 200, 429, 429]


async def test_concurrent_requests_on_two_instances_let_exactly_the_limit_through(api, app, second_app_client):
    clock = Clock(T0 + 5)
    app.state.api_limiter = RateLimiter(5, 60, clock)
    second_app_client.app.state.api_limiter = RateLimiter(5, 60, clock)
    requests = [client.get("/api/v1/customers", headers=bearer(api.secret))
                for client in (api.client, second_app_client) * 6]
    statuses = sorted(response.status_code for response in await asyncio.gather(*requests))
    assert statuses == [200] * 5 + [429] * 7


async def test_keys_are_counted_apart(api, reader, app):
    app.state.api_limiter = RateLimiter(1, 60, Clock(T0 + 5))
    assert (await api.get("/api/v1/customers")).status_code == 200
    assert (await api.get("/api/v1/customers")).status_code == 429
    assert (await reader.get("/api/v1/customers")).status_code == 200


COUNTER = """
import asyncio, json, sys
from app.services.api.limits import count_request

async def main():
    counts = await asyncio.gather(*(count_request(int(sys.argv[1]), int(sys.argv[2])) for _ in range(15)))
    print(json.dumps(counts))

asyncio.run(main())
"""


async def test_two_processes_count_one_window_without_losing_a_request(api):
    """What `serve --workers 2` does: two OS processes with their own engines UPSERT the same window at once."""
    import json
    import os
    import sys
    key_id = (await keys.authenticate(api.secret)).id
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    workers = [await asyncio.create_subprocess_exec(sys.executable, "-c", COUNTER, str(key_id), str(int(T0)), env=env,
                                                    stdout=asyncio.subprocess.PIPE) for _ in range(2)]
    outputs = [await worker.communicate() for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0]
    counts = sorted(n for out, _ in outputs for n in json.loads(out.decode().strip().splitlines()[-1]))
    assert counts == list(range(1, 31))  # every request counted once, none saw another's number
    assert await ApiRateWindow.select(ApiRateWindow.hits).where(ApiRateWindow.api_key == key_id) == [{"hits": 30}]
