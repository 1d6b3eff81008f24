"""The fast read path: unchanged sessions are not rewritten, pooled SQLite reads see every commit."""

import asyncio

import pytest

from app.db import is_sqlite, write_transaction
from app.tables.sessions import SessionRecord
from app.tables.vendors import Vendor


async def test_unchanged_session_is_not_rewritten_on_each_request(vendor):
    sid = vendor.client.cookies.get("payport_session")
    before = await SessionRecord.select(SessionRecord.expires_at).where(SessionRecord.key == sid).first()
    for _ in range(3):
        response = await vendor.client.get("/invoices")
        assert response.status_code == 200 and "payport_session=" in response.headers["set-cookie"]
    after = await SessionRecord.select(SessionRecord.expires_at).where(SessionRecord.key == sid).first()
    assert after == before


async def test_reads_see_the_latest_commit(vendor):
    for name in ("First name", "Second name"):
        async with write_transaction():
            await Vendor.update({Vendor.name: name}).where(Vendor.id == vendor.vendor_id)
        row = await Vendor.select(Vendor.name).where(Vendor.id == vendor.vendor_id).first()
        assert row["name"] == name


async def _name(vendor_id: int) -> str:
    return (await Vendor.select(Vendor.name).where(Vendor.id == vendor_id).first())["name"]


async def test_a_failed_transaction_leaves_nothing_and_the_next_one_commits(vendor):
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await Vendor.update({Vendor.name: "Half done"}).where(Vendor.id == vendor.vendor_id)
            raise RuntimeError("a later step failed")
    assert await _name(vendor.vendor_id) != "Half done"
    async with write_transaction():
        await Vendor.update({Vendor.name: "Done"}).where(Vendor.id == vendor.vendor_id)
    assert await _name(vendor.vendor_id) == "Done"


async def test_a_cancelled_transaction_leaves_nothing_and_the_next_one_commits(vendor):
    started = asyncio.Event()

    async def slow_rename() -> None:
        async with write_transaction():
            await Vendor.update({Vendor.name: "Cancelled"}).where(Vendor.id == vendor.vendor_id)
            started.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(slow_rename())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _name(vendor.vendor_id) != "Cancelled"
    async with write_transaction():
        await Vendor.update({Vendor.name: "After"}).where(Vendor.id == vendor.vendor_id)
    assert await _name(vendor.vendor_id) == "After"


async def test_many_concurrent_read_then_write_transactions_all_commit(vendor):
    if not is_sqlite():
        pytest.skip("SQLite's in-process write lock; on PostgreSQL read-then-write code locks its row "
                    "(SELECT ... FOR UPDATE), as numbering does and its concurrency test shows")
    async def bump() -> None:
        async with write_transaction():
            row = await Vendor.select(Vendor.next_invoice_seq).where(Vendor.id == vendor.vendor_id).first()
            await Vendor.update({Vendor.next_invoice_seq: row["next_invoice_seq"] + 1}).where(
                Vendor.id == vendor.vendor_id)

    count = 200
    before = (await Vendor.select(Vendor.next_invoice_seq).where(Vendor.id == vendor.vendor_id).first())
    await asyncio.gather(*(bump() for _ in range(count)))
    after = (await Vendor.select(Vendor.next_invoice_seq).where(Vendor.id == vendor.vendor_id).first())
    assert after["next_invoice_seq"] == before["next_invoice_seq"] + count
