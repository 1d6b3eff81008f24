"""Rate limits per API key, shared by every worker process: requests are counted in the database.

A fixed window per key (its start a multiple of the window length): each request is one UPSERT that adds one to
its window's count and returns it, so two workers (or two servers on one database) never both let the last
request of a window through. Beyond the limit, the answer is how long until the window ends.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from app.db import write_transaction
from app.tables.api import ApiRateWindow

COUNT = ("INSERT INTO api_rate_window (api_key, window_start, hits) VALUES ({}, {}, 1) "
         "ON CONFLICT (api_key, window_start) DO UPDATE SET hits = api_rate_window.hits + 1 RETURNING hits")


async def count_request(key_id: int, window_start: int) -> int:
    """Count one request of the key in the window starting at `window_start`; the window's count so far."""
    async with write_transaction():  # on SQLite, takes its turn with this process's other writes
        rows = await ApiRateWindow.raw(COUNT, key_id, window_start)
        hits = int(rows[0]["hits"])
        if hits == 1:  # a new window: the key's older ones are done with
            await ApiRateWindow.delete().where(
                (ApiRateWindow.api_key == key_id) & (ApiRateWindow.window_start < window_start))
    return hits


class RateLimiter:
    """At most `limit` requests per key in each `window` seconds; beyond, how long to wait."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.time) -> None:
        self.limit, self.length, self.clock = limit, max(1, math.ceil(window)), clock

    async def retry_after(self, key_id: int) -> int:
        """0 and the request counted, or the whole seconds until the key's current window ends."""
        now = self.clock()
        start = int(now // self.length) * self.length
        if await count_request(key_id, start) <= self.limit:
            return 0
        return max(1, math.ceil(start + self.length - now))
