"""A tool with an API key sends a quote and pauses a recurring profile: the vendor's open pages update live, and
the quote's activity names the API."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.pages import new_account, sign_up

SHOTS = Path("/work/wt/notes/shots")
LINES = [{"description": "Website redesign", "quantity": "1", "unit_amount": 480000, "tax_rate": "20"}]


def _shots(page: Page, name: str) -> None:
    if not SHOTS.is_dir():
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"api19b-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_quote_and_recurring_writes_reach_open_pages_live(page: Page, live_server):
    url = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_up(page, url, new_account("Northwind Studio"))
    page.goto(f"{url}/settings/api-keys")
    page.get_by_label("Key name").fill("CRM sync")
    page.get_by_label("Access").select_option("write")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_test_id("api-secret").inner_text()
    api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {secret}"})

    customer = api.post("/api/v1/customers", json={"name": "Blue Bakery", "email": "hi@blue.test"}).json()
    quote = api.post("/api/v1/quotes", json={"customer": customer["id"], "lines": LINES},
                     headers={"Idempotency-Key": "quote-e2e"})
    assert quote.status_code == 201, quote.text
    quote_id = quote.json()["id"]
    page.goto(f"{url}/quotes/{quote_id}")
    expect(page.locator(f"#quote-{quote_id}-status")).to_have_text("Draft")
    sent = api.post(f"/api/v1/quotes/{quote_id}/send", json={})
    assert sent.status_code == 200, sent.text
    expect(page.locator(f"#quote-{quote_id}-status")).to_have_text("Sent")  # no reload: the page listens
    expect(page.get_by_role("heading", name=re.compile(re.escape(sent.json()["number"])))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Sent to hi@blue\.test\. \(by API key [^)]+\)"))).to_be_visible()
    _shots(page, "quote-sent-via-api")

    start = (date.today() + timedelta(days=3)).isoformat()
    profile = api.post("/api/v1/recurring-profiles", json={
        "name": "Blue Bakery hosting", "customer": customer["id"], "lines": LINES, "start_date": start}).json()
    page.goto(f"{url}/recurring")
    expect(page.get_by_role("link", name="Blue Bakery hosting")).to_be_visible()
    second = api.post("/api/v1/recurring-profiles", json={
        "name": "Blue Bakery support", "customer": customer["id"], "lines": LINES, "start_date": start,
        "frequency": "quarterly"})
    assert second.status_code == 201, second.text
    expect(page.get_by_role("link", name="Blue Bakery support")).to_be_visible()  # the list refreshes live

    page.goto(f"{url}/recurring/{profile['id']}")
    expect(page.locator(f"#recurring-{profile['id']}-status")).to_have_text("Active")
    paused = api.post(f"/api/v1/recurring-profiles/{profile['id']}/pause")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    expect(page.locator(f"#recurring-{profile['id']}-status")).to_have_text("Paused")
    expect(page.get_by_text("None while paused.")).to_be_visible()
    page.get_by_role("button", name="Resume").click()  # the swapped-in summary still works
    expect(page.locator(f"#recurring-{profile['id']}-status")).to_have_text("Active")
    assert api.get(f"/api/v1/recurring-profiles/{profile['id']}").json()["status"] == "active"
    _shots(page, "recurring-after-api")
