"""A vendor picks Tokyo from the grouped time zone picker; the email panel, the outbox and the message then show
Tokyo's clock (not UTC). Screenshots at 1280 and 390 px of each page go to test-results/."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RESULTS
from tests.e2e.mail.pages import Outbox, SendDialog, seed_invoice
from tests.e2e.pages import new_account, sign_up

SUBJECT = "Invoice INV-2026-0001 from Kyoto Print Works ($4,590.00)"


def _tokyo_now_texts() -> list[str]:
    """The minute as Tokyo reads it, and the next one (the send may cross a minute)."""
    now = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Tokyo"))
    return [f"{t:%b} {t.day}, {t.year} {t:%H:%M}" for t in (now - timedelta(minutes=1), now, now + timedelta(minutes=1))]


def _shots(page: Page, name: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=RESULTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_times_follow_the_zone_the_vendor_picked(page: Page, live_server):
    account = new_account("Kyoto Print Works")
    sign_up(page, live_server.url, account)
    page.goto(f"{live_server.url}/settings")
    zone = page.get_by_label("Time zone")
    expect(zone.locator('optgroup[label="Asia"] option[value="Asia/Tokyo"]')).to_have_text("Tokyo (Japan)")
    expect(zone.locator('option[value="Factory"], option[value="localtime"], option[value="US/Eastern"]')).to_have_count(0)
    zone.select_option("Asia/Tokyo")
    page.get_by_label("Default currency").select_option("JPY")
    expect(page.get_by_label("Default currency").locator('option[value="XAU"]')).to_have_count(0)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Business profile saved.")).to_be_visible()
    _shots(page, "settings-pickers")

    invoice_id = seed_invoice(live_server.env, account.email)
    dialog = SendDialog(page)
    dialog.open(live_server.url, invoice_id)
    dialog.choose_method("Manual")
    dialog.send()
    panel = dialog.email_panel(invoice_id)
    expect(panel.get_by_text("Delivered")).to_be_visible()
    shown = panel.locator("time").first.inner_text()
    assert shown in _tokyo_now_texts(), shown
    _shots(page, "invoice-email-panel-tokyo")

    outbox = Outbox(page, live_server.url)
    outbox.open()
    expect(page.get_by_text("Times are Asia/Tokyo (UTC+9).")).to_be_visible()
    row_time = page.get_by_role("row").filter(has_text=SUBJECT).locator("td").nth(5).inner_text()
    assert row_time in _tokyo_now_texts(), row_time
    _shots(page, "outbox-tokyo")
    outbox.open_message(SUBJECT)
    expect(page.locator('.mail-headers dt:text-is("Date") + dd')).to_contain_text("UTC+9")
    _shots(page, "outbox-message-tokyo")
