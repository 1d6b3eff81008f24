"""Portal sign-in links: only to the address on file, single use, 30 minutes, signed, throttled; sessions apart."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.services import clock
from app.services.portal import access
from app.tables.portal import PortalRequest
from tests import factories
from tests.unit.portal.helpers import ask_for_link, link_in, portal_mails, sent_invoice, sign_in


@pytest.fixture
async def customer(vendor):
    email = f"ap-{uuid.uuid4().hex[:8]}@northwind.example"
    row = await factories.insert_customer(vendor.vendor_id, "Northwind Traders", email)
    invoice_id, token = await sent_invoice(vendor.vendor_id, row.id, "INV-2026-0001", 120_00)
    return row, token


@pytest.fixture(autouse=True)
async def fresh_throttle():
    await PortalRequest.delete(force=True)
    yield
    clock.freeze(None)


async def test_the_link_goes_only_to_the_address_on_file_and_opens_that_customers_portal(client, customer):
    row, token = customer
    response = await ask_for_link(client, token, row.email.upper())
    assert response.status_code == 200
    assert "If " in response.text and "a sign-in link is on its way" in response.text
    mails = await portal_mails(row.email)
    assert len(mails) == 1 and mails[0]["subject"] == "Your sign-in link for Acme Ltd"
    signed = await sign_in(client, link_in(mails[0]))
    assert signed.status_code == 303 and signed.headers["location"] == "/portal"
    assert "payport_portal" in signed.headers["set-cookie"] and "Path=/portal" in signed.headers["set-cookie"]
    home = await client.get("/portal")
    assert home.status_code == 200
    assert "Northwind Traders" in home.text and "INV-2026-0001" in home.text and "$120.00" in home.text


async def test_a_wrong_email_gets_no_mail_and_the_same_answer(client, customer):
    row, token = customer
    right = await ask_for_link(client, token, row.email)
    wrong = await ask_for_link(client, token, "someone-else@example.com")
    assert wrong.status_code == right.status_code == 200
    assert wrong.text.replace("someone-else@example.com", "X") == right.text.replace(row.email, "X")
    assert len(await portal_mails("someone-else@example.com")) == 0
    assert len(await portal_mails(row.email)) == 1


async def test_a_link_works_once(client, other_client, customer):
    row, token = customer
    await ask_for_link(client, token, row.email)
    path = link_in((await portal_mails(row.email))[0])
    assert (await sign_in(client, path)).status_code == 303
    again = await other_client.get(path)
    assert again.status_code == 404 and "not valid any more" in again.text
    csrf = await other_client.get(f"/portal/request?pay={token}")
    assert csrf.status_code == 200
    replay = await other_client.post(path, headers={"x-csrftoken": other_client.cookies.get("payport_csrf") or ""})
    assert replay.status_code in (403, 404)
    assert (await other_client.get("/portal")).status_code == 401


async def test_a_link_expires_after_30_minutes(client, customer):
    row, token = customer
    now = clock.utcnow()
    clock.freeze(now)
    await ask_for_link(client, token, row.email)
    path = link_in((await portal_mails(row.email))[0])
    clock.freeze(now + timedelta(minutes=29))
    assert (await client.get(path)).status_code == 200
    clock.freeze(now + timedelta(minutes=31))
    assert (await client.get(path)).status_code == 404
    assert (await sign_in_expired(client, path)) == 404
    assert (await client.get("/portal")).status_code == 401


async def sign_in_expired(client, path: str) -> int:
    csrf = client.cookies.get("payport_csrf")
    return (await client.post(path, headers={"x-csrftoken": csrf or ""})).status_code


async def test_a_tampered_link_is_refused(client, customer):
    row, token = customer
    await ask_for_link(client, token, row.email)
    path = link_in((await portal_mails(row.email))[0])
    nonce, signature = path.rsplit("/", 1)[1].split(".")
    for forged in (f"{nonce[:-1]}{'A' if nonce[-1] != 'A' else 'B'}.{signature}", f"{nonce}.{'0' * len(signature)}",
                   nonce, f".{signature}"):
        assert (await client.get(f"/portal/sign-in/{forged}")).status_code == 404
    assert (await client.get(path)).status_code == 200  # the real one still works


async def test_asking_is_throttled_per_customer_and_per_address(client, customer):
    row, token = customer
    for _ in range(access.LINKS_PER_CUSTOMER + 2):
        assert (await ask_for_link(client, token, row.email)).status_code == 200
    assert len(await portal_mails(row.email)) == access.LINKS_PER_CUSTOMER
    for _ in range(access.REQUESTS_PER_ADDRESS - access.LINKS_PER_CUSTOMER - 2):
        await ask_for_link(client, token, "guess@example.com")
    refused = await ask_for_link(client, token, row.email)
    assert refused.status_code == 429 and "Try again in 15 minutes" in refused.text
    clock.freeze(clock.utcnow() + access.THROTTLE_WINDOW + timedelta(minutes=1))
    assert (await ask_for_link(client, token, row.email)).status_code == 200
    assert len(await portal_mails(row.email)) == access.LINKS_PER_CUSTOMER + 1


async def test_the_vendor_sends_a_portal_link_from_the_customer_page(vendor, customer):
    row, _ = customer
    page = await vendor.client.get(f"/customers/{row.id}")
    assert "Send portal link" in page.text
    response = await vendor.post(f"/customers/{row.id}/portal-link")
    assert response.status_code == 200 and f"Portal link sent to {row.email}" in response.text
    assert len(await portal_mails(row.email)) == 1


async def test_a_vendor_cannot_send_a_link_to_another_vendors_customer(other_vendor, customer):
    row, _ = customer
    response = await other_vendor.post(f"/customers/{row.id}/portal-link")
    assert response.status_code == 404
    assert await portal_mails(row.email) == []


async def test_sessions_are_apart_vendor_gets_no_portal_and_portal_gets_no_vendor_pages(vendor, other_client, customer):
    row, token = customer
    assert (await vendor.client.get("/portal")).status_code == 401
    await ask_for_link(other_client, token, row.email)
    await sign_in(other_client, link_in((await portal_mails(row.email))[0]))
    assert (await other_client.get("/portal")).status_code == 200
    for path in ("/", "/customers", f"/customers/{row.id}", "/invoices", "/outbox"):
        answer = await other_client.get(path, follow_redirects=False)
        assert answer.status_code in (302, 303) and answer.headers["location"] == "/login", path


async def test_sign_out_ends_the_portal_session(client, customer):
    row, token = customer
    await ask_for_link(client, token, row.email)
    await sign_in(client, link_in((await portal_mails(row.email))[0]))
    key = client.cookies.get("payport_portal")
    csrf = client.cookies.get("payport_csrf")
    out = await client.post("/portal/sign-out", headers={"x-csrftoken": csrf})
    assert out.status_code == 200 and "Signed out" in out.text
    assert (await client.get("/portal")).status_code == 401
    client.cookies.set("payport_portal", key, path="/portal")  # a copied cookie is dead too
    assert (await client.get("/portal")).status_code == 401
