"""The editor follows the customer's preferred currency, keeps typed prices valid across it, totals while typing."""

from playwright.sync_api import Page, expect

from tests.e2e.invoices.pages import Editor, screenshot
from tests.e2e.pages import new_account, sign_up


def add_customer_in(page: Page, base_url: str, name: str, email: str, currency: str) -> None:
    """Add a customer with a preferred currency from the Customers page."""
    page.goto(f"{base_url}/customers")
    page.get_by_role("button", name="New customer").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Preferred currency").select_option(currency)
    page.get_by_role("button", name="Add customer").click()
    expect(page.get_by_text(f"{name} was added.")).to_be_visible()


def test_editor_follows_the_customers_currency_and_normalises_prices(page: Page, live_server):
    url = live_server.url
    sign_up(page, url, new_account("Kanji Design"))
    add_customer_in(page, url, "Sakura Software K.K.", "keiri@sakura.test", "JPY")
    add_customer_in(page, url, "Café Rivoli", "compta@rivoli.test", "EUR")
    page.goto(f"{url}/invoices/new")
    editor = Editor(page)
    currency = page.get_by_label("Currency", exact=True)
    expect(currency).to_have_value("USD")
    editor.line_field(0, "Description").fill("Translation, pages")
    price = editor.line_field(0, "Unit price")
    price.press_sequentially("12345.00")
    # Still typing (the field keeps focus): the server-computed total follows within the debounce.
    expect(price).to_be_focused()
    expect(editor.total()).to_have_text("$12,345.00")

    editor.choose_customer("Sakura Software K.K.")
    expect(currency).to_have_value("JPY")
    expect(price).to_have_value("12345")
    expect(editor.total()).to_have_text("¥12,345")
    screenshot(page, "editor-jpy")
    editor.choose_customer("Café Rivoli")
    expect(currency).to_have_value("EUR")
    expect(price).to_have_value("12345.00")
    expect(editor.total()).to_have_text("€12,345.00")
    editor.choose_customer("Sakura Software K.K.")
    expect(price).to_have_value("12345")
    editor.save_draft()
    expect(page.locator(".head-total")).to_have_text("¥12,345")


def test_a_price_that_cannot_be_expressed_is_left_for_the_vendor_with_its_error(page: Page, live_server):
    url = live_server.url
    sign_up(page, url, new_account("Kanji Design"))
    add_customer_in(page, url, "Kyoto Tea House", "info@kyototea.test", "JPY")
    page.goto(f"{url}/invoices/new")
    editor = Editor(page)
    editor.line_field(0, "Description").fill("Tea ceremony")
    price = editor.line_field(0, "Unit price")
    price.fill("12.50")
    editor.choose_customer("Kyoto Tea House")
    expect(page.get_by_label("Currency", exact=True)).to_have_value("JPY")
    expect(price).to_have_value("12.50")  # never rounded away silently
    editor.save_draft()
    expect(page.get_by_text("JPY has no decimals: enter a whole amount.")).to_be_visible()


def test_totals_keep_up_with_typing_while_an_earlier_preview_is_still_on_its_way(page: Page, live_server):
    url = live_server.url
    sign_up(page, url, new_account("Slow Network Studio"))
    page.goto(f"{url}/invoices/new")
    editor = Editor(page)
    editor.line_field(0, "Description").fill("Consulting")
    price = editor.line_field(0, "Unit price")
    held = []

    def hold(route) -> None:
        held.append(route)

    page.route("**/invoices/preview", hold)  # the server is slow: the first preview has not come back
    with page.expect_request("**/invoices/preview", timeout=5000):
        price.press_sequentially("123")
    # More typing while it is on its way: the preview of these keystrokes must still be asked for.
    with page.expect_request(lambda r: "/invoices/preview" in r.url and "12345" in (r.post_data or ""), timeout=5000):
        price.press_sequentially("45")
    page.unroute("**/invoices/preview", hold)
    for route in held:
        try:
            route.continue_()
        except Exception:  # the browser already gave up on a superseded preview
            pass
    expect(price).to_be_focused()
    expect(editor.total()).to_have_text("$12,345.00")
