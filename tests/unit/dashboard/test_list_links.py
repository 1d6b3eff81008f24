"""Each figure's link opens the invoice list filtered to exactly those invoices: same total, same count."""

import html
import re
from datetime import datetime, timedelta, timezone

from tests.unit.dashboard.conftest import NOW, TODAY, invoice, set_timezone

FIGURE = re.compile(
    r'<a href="(?P<href>/invoices\?[^"]+)"[^>]*>\s*(?:<span class="visually-hidden">[^<]*</span>)?'
    r'<span class="stat-amount">(?P<amount>[^<]+)</span>\s*'
    r'<span class="stat-meta">(?P<count>\d+) invoices?</span>(?:<span class="visually-hidden">[^<]*</span>)?</a>'
)
LIST_COUNT = re.compile(r'<span class="muted">([\d,]+) invoices?:</span>')
LIST_TOTAL = re.compile(r'<strong data-kind="(?P<kind>\w+)">(?P<amount>[^<]+)</strong>')
KIND = {"outstanding": "outstanding", "overdue": "outstanding", "all": "paid", "draft": "drafts"}


async def test_every_figure_agrees_with_the_list_it_links_to(vendor, other_vendor, frozen):
    v = vendor.vendor_id
    await set_timezone(v, "America/New_York")  # NOW is 08:00 on Mar 15 in New York; the window starts Feb 14
    window_start = datetime(2026, 2, 14, 5, 0, tzinfo=timezone.utc)  # midnight Feb 14 in New York
    for currency, total in (("USD", 12_345), ("EUR", 6_789), ("JPY", 123_456)):
        await invoice(v, "sent", total, currency, due=TODAY - timedelta(days=1))
        await invoice(v, "sent", total + 1, currency, due=TODAY)
        await invoice(v, "sent", total + 2, currency)
        await invoice(v, "draft", total + 3, currency)
        await invoice(v, "paid", total + 4, currency, paid_at=window_start)
        await invoice(v, "paid", total + 5, currency, paid_at=window_start - timedelta(seconds=1))
        await invoice(v, "paid", total + 6, currency, paid_at=NOW)
        await invoice(v, "partially_refunded", total + 7, currency, paid_at=NOW, amount_refunded=1)
        await invoice(v, "void", total + 8, currency, due=TODAY - timedelta(days=9))
    await invoice(other_vendor.vendor_id, "sent", 99_999, "USD", due=TODAY - timedelta(days=3))

    dashboard = (await vendor.client.get("/")).text
    figures = [m.groupdict() for m in FIGURE.finditer(dashboard)]

    assert len(figures) == 12  # outstanding, overdue, paid and drafts in each of three currencies
    for figure in figures:
        listing = (await vendor.client.get(html.unescape(figure["href"]))).text
        # The footer's figure of the same kind (owed, paid net of refunds, drafts) is the dashboard's.
        kind = KIND[re.search(r"status=(\w+)", figure["href"]).group(1)]
        assert [m["amount"] for m in LIST_TOTAL.finditer(listing) if m["kind"] == kind] == [figure["amount"]], figure
        assert LIST_COUNT.search(listing).group(1) == figure["count"], figure
