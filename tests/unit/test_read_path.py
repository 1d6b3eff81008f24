"""The fast read path: unchanged sessions are not rewritten, pooled SQLite reads see every commit."""

from app.db import write_transaction
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
