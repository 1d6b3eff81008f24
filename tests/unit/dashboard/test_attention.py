"""Needs attention and recent activity: the right invoices, the action to take, nothing of other vendors."""

from datetime import timedelta

from app.services.dashboard import day as dashboard, attention as dashboard_attention
from tests.unit.dashboard.conftest import NOW, TODAY, activity, invoice


async def attention_of(vendor_id: int) -> dashboard_attention.Attention:
    return await dashboard_attention.needs_attention(await dashboard.vendor_day(vendor_id))


async def test_attention_lists_each_problem_with_its_action(vendor, other_vendor, frozen):
    v = vendor.vendor_id
    flagged = await invoice(v, "paid", 5_000, paid_at=NOW, needs_attention=True,
                            attention_reason="Payment of $40.00 does not match the invoice total of $50.00.")
    failed = await invoice(v, "sent", 8_000, due=TODAY + timedelta(days=5))
    await activity(v, failed.id, "payment_failed", "Payment attempt failed: insufficient funds", NOW - timedelta(days=3))
    await activity(v, failed.id, "payment_failed", "Payment attempt failed: card declined", NOW - timedelta(hours=2))
    recovered = await invoice(v, "paid", 8_000, paid_at=NOW)
    await activity(v, recovered.id, "payment_failed", "Payment attempt failed: card declined", NOW - timedelta(days=1))
    overdue = await invoice(v, "sent", 12_000, due=TODAY - timedelta(days=12))
    reminded = await invoice(v, "sent", 3_000, due=TODAY - timedelta(days=20))
    await activity(v, reminded.id, "reminder_sent", "Payment reminder sent.", NOW - timedelta(days=2))
    other = await invoice(other_vendor.vendor_id, "sent", 1, due=TODAY - timedelta(days=5), needs_attention=True)
    await activity(other_vendor.vendor_id, other.id, "payment_failed", "Payment attempt failed", NOW)

    attention = await attention_of(v)

    by_kind = {item.kind: item for item in attention.items}
    assert [item.kind for item in attention.items] == ["flagged", "payment_failed", "overdue_no_reminder"]
    assert by_kind["flagged"].action_url == f"/invoices/{flagged.id}"
    assert by_kind["flagged"].detail == "Payment of $40.00 does not match the invoice total of $50.00."
    assert (by_kind["flagged"].action_label, by_kind["flagged"].severity) == ("Review payment", "danger")
    assert by_kind["payment_failed"].detail == "Payment attempt failed: card declined"  # the latest attempt
    assert by_kind["payment_failed"].action_url == f"/invoices/{failed.id}"
    assert by_kind["overdue_no_reminder"].action_url == f"/invoices/{overdue.id}#invoice-{overdue.id}-emails"
    assert by_kind["overdue_no_reminder"].action_label == "Send reminder"
    assert "$120.00 is 12 days overdue" in by_kind["overdue_no_reminder"].detail
    assert attention.more_overdue == 0


async def test_attention_counts_overdue_beyond_what_fits(vendor, frozen):
    v = vendor.vendor_id
    for days in range(1, 12):
        await invoice(v, "sent", 100 * days, due=TODAY - timedelta(days=days))
    attention = await attention_of(v)
    shown = [item for item in attention.items if item.kind == "overdue_no_reminder"]
    assert len(shown) == dashboard_attention.ATTENTION_LIMIT
    assert attention.more_overdue == 11 - dashboard_attention.ATTENTION_LIMIT
    assert "11 days overdue" in shown[0].detail  # the most overdue first
    assert attention.count == 11


async def test_nothing_needs_attention(vendor, frozen):
    await invoice(vendor.vendor_id, "sent", 100, due=TODAY)
    attention = await attention_of(vendor.vendor_id)
    assert attention.items == [] and attention.count == 0


async def test_recent_activity_newest_first_payment_events_only(vendor, other_vendor, frozen):
    v = vendor.vendor_id
    inv = await invoice(v, "sent", 100)
    await activity(v, inv.id, "created", "Invoice created.", NOW - timedelta(hours=5))
    await activity(v, inv.id, "sent", "Invoice sent by email.", NOW - timedelta(hours=4))
    await activity(v, inv.id, "link_created", "Online payment link created.", NOW - timedelta(hours=3))
    await activity(v, inv.id, "payment_failed", "Payment attempt failed: card declined", NOW - timedelta(hours=2))
    await activity(v, inv.id, "payment_succeeded", "Paid by card.", NOW - timedelta(hours=1))
    await activity(v, inv.id, "refunded", "Payment refunded.", NOW - timedelta(minutes=1))
    other = await invoice(other_vendor.vendor_id, "sent", 100)
    await activity(other_vendor.vendor_id, other.id, "sent", "Other vendor's invoice sent.", NOW)

    day = await dashboard.vendor_day(v)
    entries = await dashboard_attention.recent_activity(day)

    assert [e.kind for e in entries] == ["refunded", "payment_succeeded", "payment_failed", "link_created", "sent"]
    assert entries[0].invoice_label == inv.number and entries[0].customer == "Northwind Traders"
    assert entries[0].when(day) == "Today 11:59"
    assert entries[0].created_at == NOW - timedelta(minutes=1)
