"""Each vendor's data version, and a cache of what pages computed from that data.

The version is the vendor's latest Invoice.updated_at plus a change counter that every announcement of a
change to the vendor moves (app.live: from this process or, on PostgreSQL, any other), before any browser
hears of it. So a partial re-fetched after a live update is never stale, and one nobody changed costs no
query. The version is re-read at least every SNAPSHOT_TTL seconds, for writers that bypass the app, and a
cached value is recomputed in the background once it is CACHE_TTL old.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from piccolo.query.functions.aggregate import Max
from piccolo.querystring import QueryString

from app.live.listeners import on_vendor_change
from app.tables.invoices import Invoice
from app.tables.vendors import Vendor

SNAPSHOT_TTL = 1.0
CACHE_TTL = 5.0
# Bounds this process's cache by what it holds: a rendered list page is about 22 KB.
CACHE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Snapshot:
    """What a page needs to know about the vendor before it looks at the cache, read in one query."""

    timezone: str
    default_currency: str
    version: Any


@dataclass
class _State:
    """This process's versions and cache: the one object that holds them (tests call reset())."""

    generation: dict[int, int] = field(default_factory=dict)
    epoch: int = 0  # moves when any vendor may have changed unseen (live updates were interrupted)
    snapshots: dict[int, tuple[float, tuple[int, int], Snapshot]] = field(default_factory=dict)
    reading: dict[tuple[int, tuple[int, int]], asyncio.Future] = field(default_factory=dict)
    cache: OrderedDict[tuple, tuple[float, Any, int]] = field(default_factory=OrderedDict)
    cache_bytes: int = 0
    inflight: dict[tuple, asyncio.Future] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget everything (a fresh process)."""
        self.__init__()


state = _State()


def forget(vendor_id: int | None) -> None:
    """Drop this process's cached data of the vendor (None: of every vendor)."""
    if vendor_id is None:
        state.epoch += 1
    else:
        state.generation[vendor_id] = state.generation.get(vendor_id, 0) + 1


on_vendor_change(forget)


def _mark(vendor_id: int) -> tuple[int, int]:
    return (state.epoch, state.generation.get(vendor_id, 0))


async def snapshot(vendor_id: int) -> Snapshot:
    """The vendor's time zone, default currency and data version; re-read after a change or SNAPSHOT_TTL."""
    mark, now = _mark(vendor_id), time.monotonic()
    hit = state.snapshots.get(vendor_id)
    if hit is not None and hit[1] == mark and now - hit[0] < SNAPSHOT_TTL:
        return hit[2]
    key = (vendor_id, mark)
    if key not in state.reading:  # one read per vendor at a time, however many requests wait for it
        state.reading[key] = asyncio.ensure_future(_read_snapshot(vendor_id, mark))
        state.reading[key].add_done_callback(lambda _: state.reading.pop(key, None))
    snap = await asyncio.shield(state.reading[key])
    state.snapshots[vendor_id] = (now, mark, snap)
    return snap


async def _read_snapshot(vendor_id: int, mark: tuple[int, int]) -> Snapshot:
    latest = QueryString("(SELECT MAX(invoice.updated_at) FROM invoice WHERE invoice.vendor = {})", vendor_id,
                         alias="latest")
    row = await Vendor.select(Vendor.timezone, Vendor.default_currency, latest).where(Vendor.id == vendor_id).first()
    return Snapshot(row["timezone"] or "UTC", row["default_currency"] or "USD", (row["latest"], mark))


async def data_version(vendor_id: int) -> Any:
    """The version alone, read now (for callers without a snapshot)."""
    mark = _mark(vendor_id)  # before the read: a change during it must not be hidden under this mark
    row = await Invoice.select(Max(Invoice.updated_at, alias="v")).where(Invoice.vendor == vendor_id).first()
    return (row["v"] if row else None, mark)


async def cached(key: tuple, compute: Callable[[], Awaitable[Any]]) -> Any:
    """compute()'s value under key (which should hold a version); one computation per key at a time."""
    now = time.monotonic()
    hit = state.cache.get(key)
    if hit is not None:
        state.cache.move_to_end(key)
        if now - hit[0] >= CACHE_TTL and key not in state.inflight:
            state.inflight[key] = asyncio.ensure_future(_fill(key, compute))
        return hit[1]
    if key not in state.inflight:
        state.inflight[key] = asyncio.ensure_future(_fill(key, compute))
    return await asyncio.shield(state.inflight[key])


def _size(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, tuple):
        return sum(_size(part) for part in value)
    return 1024  # counts, totals, contexts: small next to rendered HTML


async def _fill(key: tuple, compute: Callable[[], Awaitable[Any]]) -> Any:
    try:
        value = await compute()
        old = state.cache.pop(key, None)
        state.cache_bytes -= old[2] if old else 0
        state.cache[key] = (time.monotonic(), value, _size(value))
        state.cache_bytes += state.cache[key][2]
        while state.cache_bytes > CACHE_BYTES and len(state.cache) > 1:
            state.cache_bytes -= state.cache.popitem(last=False)[1][2]
        return value
    finally:
        state.inflight.pop(key, None)
