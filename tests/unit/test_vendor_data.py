"""The per-vendor cache: one computation per key, bounded by what it holds."""

import asyncio

from app.services import vendor_data


async def test_concurrent_requests_for_one_key_compute_it_once():
    calls = 0

    async def compute() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return "rendered"

    values = await asyncio.gather(*(vendor_data.cached(("once", 1), compute) for _ in range(20)))
    assert values == ["rendered"] * 20 and calls == 1


async def test_the_cache_drops_its_oldest_entries_past_its_byte_budget(monkeypatch):
    monkeypatch.setattr(vendor_data, "CACHE_BYTES", 100_000)
    page = "x" * 22_000  # about one rendered list page

    async def render() -> str:
        return page

    for n in range(10):
        await vendor_data.cached(("budget", n), render)
    assert vendor_data.state.cache_bytes <= 100_000
    kept = [n for n in range(10) if ("budget", n) in vendor_data.state.cache]
    assert kept == [6, 7, 8, 9]  # the newest four of 22 KB fit in 100 KB
