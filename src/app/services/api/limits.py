"""Rate limits per API key: a sliding window of request times, kept in this process."""

from __future__ import annotations

import math
import time
from collections import deque


class RateLimiter:
    """At most `limit` requests per key in any `window` seconds; beyond, how long to wait."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._hits: dict[int, deque[float]] = {}

    def retry_after(self, key_id: int, now: float | None = None) -> int:
        """0 and the request counted, or the whole seconds until the oldest counted request leaves the window."""
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key_id, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        return 0
