"""An owner invites a staff member by email; the member works, is refused what staff may not do, and is signed out
at once when removed."""

import os
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.invoices.pages import Details, Editor, add_customer
from tests.e2e.pages import PASSWORD, new_account, sign_up
from tests.support import ROOT

SHOTS = Path(os.environ.get("PAYPORT_SHOTS") or ROOT / "test-results" / "team")


def invitation_link(page: Page, url: str, email: str) -> str:
    """The link in the invitation email, read from the outbox like the member would read their inbox."""
    page.goto(f"{url}/outbox")
    page.get_by_role("row").filter(has_text=email).get_by_role("link").first.click()
    text = page.locator("pre.mail-text").inner_text()
    return re.search(r"https?://\S+/invitations/\S+", text).group(0)


def test_owner_invites_staff_who_works_and_is_signed_out_when_removed(page: Page, browser: Browser, live_server):
    url = live_server.url
    owner = new_account("Lima Studio")
    sign_up(page, url, owner)
    add_customer(page, url, "Acme Corporation", "billing@acme.test")

    page.goto(f"{url}/settings/members")
    expect(page.get_by_role("heading", name="Members", exact=True)).to_be_visible()
    page.get_by_label("Email").fill("ana@lima.test")
    page.get_by_label("Role", exact=True).select_option(label="Staff")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to ana@lima.test as Staff.")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "members-1280.png"), full_page=True)
    link = invitation_link(page, url, "ana@lima.test")

    context = browser.new_context(base_url=url)
    ana = context.new_page()
    ana.goto(link)
    expect(ana.get_by_role("heading", name="Join Lima Studio")).to_be_visible()
    ana.set_viewport_size({"width": 390, "height": 844})
    ana.screenshot(path=str(SHOTS / "accept-390.png"), full_page=True)
    ana.get_by_label("Your name").fill("Ana Lima")
    ana.get_by_label("Choose a password").fill(PASSWORD)
    ana.get_by_role("button", name="Join Lima Studio").click()
    expect(ana.get_by_role("heading", name="Dashboard")).to_be_visible()
    ana.set_viewport_size({"width": 1280, "height": 900})
    nav = ana.get_by_role("navigation", name="Main navigation")
    expect(nav).to_contain_text("Invoices")
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)

    # In the editor: a draft for Acme, sent by hand, then a payment recorded.
    ana.goto(f"{url}/invoices/new")
    editor = Editor(ana)
    editor.choose_customer("Acme Corporation")
    editor.line_field(0, "Description").fill("Logo design")
    editor.line_field(0, "Unit price").fill("400")
    expect(editor.total()).to_have_text("$400.00")
    editor.save_draft()
    details = Details(ana)
    expect(details.status()).to_have_text("Draft")
    details.send_manually()
    invoice_url = ana.url
    details.mark_paid("TX-77")
    activity = ana.locator("[id$='-activity']")
    expect(activity).to_contain_text("by Ana Lima")
    # Staff record payments but are not offered refunds, and the refund route refuses them.
    expect(ana.get_by_role("button", name=re.compile("Refund|Record refund"))).to_have_count(0)
    invoice_id = re.search(r"/invoices/(\d+)", invoice_url).group(1)
    ana.goto(f"{url}/invoices/{invoice_id}/payments/1/refund")
    expect(ana.get_by_text("Your role (Staff) cannot do this")).to_be_visible()
    ana.goto(f"{url}/settings")
    expect(ana.get_by_text("Your role (Staff) cannot do this: it needs Admin or above.")).to_be_visible()

    # The owner sees who did it.
    page.goto(invoice_url)
    expect(page.locator("[id$='-activity']")).to_contain_text("Marked as paid")
    expect(page.locator("[id$='-activity']")).to_contain_text("by Ana Lima")

    # Ana keeps a page open; the owner removes her and that page goes to the login at once, without a reload.
    ana.goto(f"{url}/invoices")
    expect(ana.locator("#live-status")).to_have_text(re.compile("Live"))
    page.goto(f"{url}/settings/members")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove Ana Lima").click()
    expect(page.get_by_text("Ana Lima was removed and signed out.")).to_be_visible()
    expect(ana).to_have_url(f"{url}/login", timeout=10_000)
    expect(ana.get_by_role("heading", name="Log in to PayPort")).to_be_visible()
    context.close()
