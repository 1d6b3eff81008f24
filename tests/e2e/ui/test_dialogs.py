"""Record payment, Void and the payment-link confirmation are native modal dialogs: focus moves in, Cancel and
Escape close them and give the page back; confirming a link on a draft says what it does first."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.invoices.pages import Details
from tests.e2e.pages import new_account, sign_up
from tests.e2e.stripe.conftest import StripeStack
from tests.e2e.stripe.pages import connect_stripe
from tests.e2e.ui.checks import seed


def _focus_is_inside(page: Page, dialog) -> bool:
    return dialog.evaluate("d => d.contains(document.activeElement) && d.open")


def _closes(page: Page, button: str, title: str, close) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    dialog = page.get_by_role("dialog", name=title)
    expect(dialog).to_be_visible()
    assert _focus_is_inside(page, dialog), "focus moves into the dialog"
    close(dialog)
    expect(page.get_by_role("dialog")).to_have_count(0)
    # The page is usable again: nothing blocks the next click.
    page.get_by_role("link", name="Billing Invoices").hover(timeout=2_000)


def test_mark_paid_and_void_dialogs_close_with_cancel_and_escape(page: Page, stripe_stack: StripeStack):
    base = stripe_stack.app.url
    account = new_account("Dialog Studio")
    sign_up(page, base, account)
    ids = seed(stripe_stack.app.env, account.email)
    page.goto(f"{base}/invoices/{ids['overdue']}")
    for button, title in (("Record payment", "Record payment"), ("Void", "Void INV-OLD-0001")):
        _closes(page, button, title, lambda d: d.get_by_role("button", name="Cancel").click())
        _closes(page, button, title, lambda d: page.keyboard.press("Escape"))
    # Errors come back inside the same dialog, which stays open and closable.
    page.get_by_role("button", name="Void", exact=True).click()
    dialog = page.get_by_role("dialog", name="Void INV-OLD-0001")
    dialog.get_by_role("button", name="Void invoice").click()
    expect(dialog.get_by_label("Reason")).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_label("Reason")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    Details(page).mark_paid("TX-77")  # and the real thing still works


def test_create_payment_link_on_a_draft_asks_first(page: Page, stripe_stack: StripeStack):
    base = stripe_stack.app.url
    account = new_account("Careful Studio")
    sign_up(page, base, account)
    connect_stripe(page, base)
    ids = seed(stripe_stack.app.env, account.email)
    page.goto(f"{base}/invoices/{ids['draft_link']}")
    panel = page.locator(f"#invoice-{ids['draft_link']}-payment-link")
    panel.get_by_role("button", name="Create Payment Link").click()
    confirm = page.get_by_role("dialog", name="Create a payment link for this draft?")
    expect(confirm).to_contain_text("gets its invoice number, is marked Sent, and its amounts are locked")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    page.reload()  # nothing happened on the server either
    expect(page.get_by_role("heading", name="Draft invoice")).to_be_visible()
    expect(panel.get_by_test_id("payment-link-status")).to_have_text("Not Created")
    panel.get_by_role("button", name="Create Payment Link").click()
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    panel.get_by_role("button", name="Create Payment Link").click()
    confirm.get_by_role("button", name="Number, send and create link").click()
    expect(panel.get_by_test_id("payment-link-status")).to_have_text("Pending Payment")
    expect(page.locator(".invoice-head h1")).to_contain_text("INV-")
