"""The browser side of live updates, on parts that refresh themselves when the server announces a change."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.live.pages import add_live_part, live_status
from tests.e2e.pages import new_account, sign_up


def test_announced_change_refreshes_only_that_part_and_flashes_it(page: Page, thread_server):
    account = new_account("Northwind Studio")
    sign_up(page, thread_server.url, account)
    expect(live_status(page)).to_have_text("Live")
    badge = add_live_part(page, "demo-5", 5)
    other = add_live_part(page, "demo-6", 6)

    thread_server.announce_invoice_changed(thread_server.vendor_id(account.email), 5)

    expect(badge).to_contain_text('"status":"ok"')
    expect(badge).to_have_class(re.compile(r"\bchanged\b"))
    expect(other).to_have_text("stale")


def test_resync_event_refreshes_every_live_part(page: Page, thread_server):
    account = new_account("Fabrikam Retail")
    sign_up(page, thread_server.url, account)
    expect(live_status(page)).to_have_text("Live")
    parts = [add_live_part(page, "demo-8", 8), add_live_part(page, "demo-9", 9)]

    thread_server.resync(thread_server.vendor_id(account.email))

    for part in parts:
        expect(part).to_contain_text('"status":"ok"')


def test_restart_shows_reconnecting_then_catches_up(page: Page, live_server):
    sign_up(page, live_server.url, new_account("Contoso Books"))
    expect(live_status(page)).to_have_text("Live")
    badge = add_live_part(page, "demo-7", 7)

    live_server.process.terminate()
    live_server.process.wait(timeout=15)
    expect(live_status(page)).to_have_text("Reconnecting...")
    expect(live_status(page)).to_have_class(re.compile(r"\bis-reconnecting\b"))

    from tests.e2e.conftest import start_server

    live_server.process = start_server(live_server.env)
    expect(live_status(page)).to_have_text("Live", timeout=15_000)
    # Whatever changed while the stream was down is fetched again on reconnect.
    expect(badge).to_contain_text('"status":"ok"')
