"""Settings > API keys, Webhooks and Import in the browser: a key used by a tool, its webhook delivered by the
running app's worker to a receiver and shown in the log, a CSV checked then imported."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.pages import new_account, sign_up

SHOTS = Path("/work/wt/notes/shots")


def _shots(page: Page, name: str) -> None:
    if not SHOTS.is_dir():
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"api19-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _receiver() -> tuple[ThreadingHTTPServer, list]:
    received: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append((self.headers["PayPort-Signature"], self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received


def test_api_key_webhook_and_import(page: Page, live_server, tmp_path):
    url = live_server.url
    sign_up(page, url, new_account("Integrations Ltd"))
    page.goto(f"{url}/settings/api-keys")
    page.get_by_label("Key name").fill("Accounting sync")
    page.get_by_label("Access").select_option("write")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_test_id("api-secret").inner_text()
    assert secret.startswith("pp_live_")
    expect(page.get_by_role("cell", name="Accounting sync", exact=True)).to_be_visible()
    _shots(page, "api-keys")

    server, received = _receiver()
    try:
        page.goto(f"{url}/settings/webhooks")
        page.get_by_label("Endpoint URL").fill(f"http://127.0.0.1:{server.server_port}/hooks")
        page.get_by_role("checkbox", name=re.compile(r"invoice\.created")).check()
        page.get_by_role("button", name="Add endpoint").click()
        whsec = page.get_by_test_id("webhook-secret").inner_text()

        api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {secret}"})
        customer = api.post("/api/v1/customers", json={"name": "Blue Bakery", "email": "hi@blue.test"}).json()
        invoice = api.post("/api/v1/invoices", json={"customer": customer["id"], "lines": [
            {"description": "Bread", "quantity": "3", "unit_amount": 450}]}, headers={"Idempotency-Key": "e2e-1"})
        assert invoice.status_code == 201, invoice.text
        for _ in range(40):
            page.reload()
            if page.get_by_text("Succeeded", exact=True).count():
                break
            page.wait_for_timeout(250)
        expect(page.get_by_text("Succeeded", exact=True)).to_be_visible()
        signature, body = received[0]
        stamp, v1 = (part.split("=", 1)[1] for part in signature.split(","))
        assert hmac.compare_digest(v1, hmac.new(whsec.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest())
        assert json.loads(body)["data"]["object"]["id"] == invoice.json()["id"]
        _shots(page, "webhooks")
        page.get_by_role("button", name=re.compile("^Replay")).first.click()
        expect(page.get_by_text(re.compile(r"Event evt_\w+ queued again\."))).to_be_visible()
    finally:
        server.shutdown()

    csv_file = tmp_path / "customers.csv"
    csv_file.write_text("Name,Email,Currency\nRed Mill,red@mill.test,USD\n,broken@mill.test,USD\n")
    page.goto(f"{url}/settings/import")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_text("nothing was imported")).to_be_visible()
    expect(page.get_by_role("cell", name="Enter the customer's name.")).to_be_visible()
    _shots(page, "import-errors")
    csv_file.write_text("Name,Email,Currency\nRed Mill,red@mill.test,USD\nGreen Farm,green@farm.test,EUR\n")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported 2 customers.")).to_be_visible()
    page.goto(f"{url}/customers")
    expect(page.get_by_role("link", name="Green Farm").or_(page.get_by_role("cell", name="Green Farm", exact=True)).first).to_be_visible()


def test_api_reference_works_offline_for_members(page: Page, live_server):
    url = live_server.url
    outside, problems = [], []

    def only_this_server(route):
        if route.request.url.startswith(url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    anonymous = page.context.browser.new_context().new_page()
    anonymous.goto(f"{url}/api/v1/docs")
    expect(anonymous.get_by_role("heading", name="Log in to PayPort")).to_be_visible()  # members only
    anonymous.context.close()
    sign_up(page, url, new_account("Docs Reader Ltd"))
    page.route("**/*", only_this_server)
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"{url}/api/v1/docs")
    expect(page.get_by_role("heading", name=re.compile("PayPort API"))).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/customers").first).to_be_visible()
    page.locator(".opblock-summary-path", has_text="/api/v1/invoices").first.click()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    _shots(page, "api-docs")
    assert outside == [] and problems == []


def test_long_csv_import_shows_progress_by_rows(page: Page, live_server, tmp_path):
    url = live_server.url
    sign_up(page, url, new_account("Long Import Ltd"))
    rows = 3000  # above the 1,000 rows answered within the request: a background job with a bar
    csv_file = tmp_path / "long.csv"
    csv_file.write_text("Name,Email,Currency\n" + "".join(f"Customer {i},c{i}@long.test,USD\n" for i in range(rows)))
    page.goto(f"{url}/settings/import")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Import", exact=True).click()
    bar = page.get_by_test_id("import-job")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text(re.compile(r"(Checking|Importing) customers: [\d,]+ of 3,000 rows"))
    _shots(page, "import-progress")
    expect(page.get_by_text(f"Imported {rows} customers.")).to_be_visible(timeout=60_000)
    expect(bar).to_have_count(0)
    page.goto(f"{url}/customers?q=c2999@long.test")
    expect(page.get_by_text("Customer 2999").first).to_be_visible()
