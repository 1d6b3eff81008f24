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
from dataclasses import dataclass
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


_generation: dict[int, int] = {}
_epoch = 0  # moves when any vendor may have changed unseen (live updates were interrupted)
_snapshots: dict[int, tuple[float, tuple[int, int], Snapshot]] = {}
_reading: dict[tuple[int, tuple[int, int]], asyncio.Future] = {}
_cache: OrderedDict[tuple, tuple[float, Any, int]] = OrderedDict()
_cache_bytes = 0
_inflight: dict[tuple, asyncio.Future] = {}


def forget(vendor_id: int | None) -> None:
    """Drop this process's cached data of the vendor (None: of every vendor)."""
    global _epoch
    if vendor_id is None:
        _epoch += 1
    else:
        _generation[vendor_id] = _generation.get(vendor_id, 0) + 1


on_vendor_change(forget)


def _mark(vendor_id: int) -> tuple[int, int]:
    return (_epoch, _generation.get(vendor_id, 0))


async def snapshot(vendor_id: int) -> Snapshot:
    """The vendor's time zone, default currency and data version; re-read after a change or SNAPSHOT_TTL."""
    mark, now = _mark(vendor_id), time.monotonic()
    hit = _snapshots.get(vendor_id)
    if hit is not None and hit[1] == mark and now - hit[0] < SNAPSHOT_TTL:
        return hit[2]
    key = (vendor_id, mark)
    if key not in _reading:  # one read per vendor at a time, however many requests wait for it
        _reading[key] = asyncio.ensure_future(_read_snapshot(vendor_id, mark))
        _reading[key].add_done_callback(lambda _: _reading.pop(key, None))
    snap = await asyncio.shield(_reading[key])
    _snapshots[vendor_id] = (now, mark, snap)
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
    hit = _cache.get(key)
    if hit is not None:
        _cache.move_to_end(key)
        if now - hit[0] >= CACHE_TTL and key not in _inflight:
            _inflight[key] = asyncio.ensure_future(_fill(key, compute))
        return hit[1]
    if key not in _inflight:
        _inflight[key] = asyncio.ensure_future(_fill(key, compute))
    return await asyncio.shield(_inflight[key])


def _size(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, tuple):
        return sum(_size(part) for part in value)
    return 1024  # counts, totals, contexts: small next to rendered HTML


async def _fill(key: tuple, compute: Callable[[], Awaitable[Any]]) -> Any:
    global _cache_bytes
    try:
        value = await compute()
        old = _cache.pop(key, None)
        _cache_bytes -= old[2] if old else 0
        _cache[key] = (time.monotonic(), value, _size(value))
        _cache_bytes += _cache[key][2]
        while _cache_bytes > CACHE_BYTES and len(_cache) > 1:
            _cache_bytes -= _cache.popitem(last=False)[1][2]
        return value
    finally:
        _inflight.pop(key, None)
