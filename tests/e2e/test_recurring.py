"""A vendor makes an invoice recurring: the next five dates, pause and resume, and Run now makes the period's invoice."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.invoices.pages import Editor, add_customer
from tests.e2e.pages import new_account, sign_up
from tests.e2e.ui.checks import PageStates

SHOTS = Path(os.environ.get("PAYPORT_SHOTS", "/work/wt/notes/shots"))


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    """axe-core is injected as a script: the context lets it past the app's CSP, as tests/e2e/ui does."""
    return {**browser_context_args, "bypass_csp": True}


def _shots(page: Page, name: str, states: PageStates) -> None:
    """Fits 360/390 px and passes axe (PageStates); a screenshot at 1280 and 390 px (recur16-<name>-<width>.png)."""
    states.check(f"recurring-{name}", shots=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"recur16-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_make_an_invoice_recurring_pause_resume_and_run(page: Page, live_server):
    url = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    states = PageStates(page)
    sign_up(page, url, new_account("Evergreen Hosting"))
    add_customer(page, url, "Acme Corporation", "billing@acme.test")
    editor = Editor(page)
    editor.start_from_template(url, "Consulting services")
    editor.choose_customer("Acme Corporation")
    editor.save_draft()
    expect(page.get_by_role("heading", name=re.compile("Draft invoice"))).to_be_visible()
    states.check("recurring-invoice-with-make-recurring", shots=False)  # one more header button still fits

    page.get_by_role("link", name="Make recurring").click()
    expect(page.get_by_role("heading", name="New recurring profile")).to_be_visible()
    expect(page.locator("#recurring-lines tr")).to_have_count(3)
    page.get_by_label("Profile name").fill("")
    page.get_by_role("button", name="Create profile").click()
    expect(page.get_by_text("Name the profile.")).to_be_visible()
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    _shots(page, "form", states)
    page.get_by_label("Profile name").fill("Acme monthly consulting")
    page.get_by_label("What happens").select_option(label="Create a draft for review")
    page.get_by_role("button", name="Create profile").click()

    expect(page.get_by_role("heading", name=re.compile("Acme monthly consulting"))).to_be_visible()
    status = page.locator("[id$='-status'].badge")
    expect(status).to_have_text("Active")
    dates = page.get_by_role("list", name="Next five invoice dates").get_by_role("listitem")
    expect(dates).to_have_count(5)
    expect(page.get_by_text("No invoices yet")).to_be_visible()

    page.get_by_role("button", name="Pause").click()
    expect(status).to_have_text("Paused")
    expect(page.get_by_text("None while paused.")).to_be_visible()
    page.get_by_role("button", name="Resume").click()
    expect(status).to_have_text("Active")
    expect(dates).to_have_count(5)

    page.get_by_role("button", name="Run now").click()
    made = page.get_by_role("region", name="Invoices made by this profile").get_by_role("row")
    expect(made).to_have_count(2)  # the header and today's invoice
    expect(made.nth(1)).to_contain_text("$1,885.40")
    expect(made.nth(1)).to_contain_text("Draft")
    _shots(page, "profile", states)

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Recurring").click()
    row = page.get_by_role("row", name=re.compile("Acme monthly consulting"))
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("$1,885.40")
    _shots(page, "list", states)

    page.goto(url + "/recurring")
    page.get_by_role("link", name="Acme monthly consulting").click()
    made.nth(1).get_by_role("link").click()
    expect(page.get_by_role("link", name=re.compile("recurring profile #"))).to_be_visible()
    expect(page.get_by_text(re.compile("Made by recurring profile .Acme monthly consulting."))).to_be_visible()
    assert not states.problems, "\n".join(states.problems)
