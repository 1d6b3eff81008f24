"""A portal session sees one customer of one vendor: every /portal route, walked from the app's route table with
every other customer's ids (same vendor, other vendor), answers 404; the lists never show another's rows."""

from __future__ import annotations

import re
import uuid

import pytest

from app.tables.portal import PortalRequest
from app.tables.vendors import Vendor
from tests import factories
from tests.unit.fixtures import logged_in_vendor
from tests.unit.portal.helpers import credit, pay, portal_client_for, sent_invoice

PARAM = re.compile(r"\{(\w+):(\w+)\}")
# What each id in a portal path names; a new route with another id must say here which rows it takes.
ID_KINDS = {"invoice_id": "invoices", "note_id": "notes", "payment_id": "payments"}


async def _customer_with_documents(vendor_id: int, name: str, number: str) -> dict:
    email = f"{uuid.uuid4().hex[:8]}@{name.lower().replace(' ', '')}.example"
    customer = await factories.insert_customer(vendor_id, name, email, tax_id="DE123456788", country="DE")
    invoice_id, token = await sent_invoice(vendor_id, customer.id, number, 200_00)
    payment_id = await pay(vendor_id, invoice_id, 50_00)
    note_id = await credit(vendor_id, invoice_id, customer.id, 10_00, f"CN-{number}")
    return {"email": email, "token": token, "number": number, "invoices": [invoice_id], "payments": [payment_id],
            "notes": [note_id]}


def _portal_routes(app) -> list[tuple[str, str]]:
    """(method, path template) of every portal route in the app."""
    found = []
    for route in app.routes:
        if not route.path.startswith("/portal"):
            continue
        for handler in route.route_handlers:
            found.extend((method, route.path) for method in handler.http_methods if method != "OPTIONS")
    return sorted(found)


@pytest.fixture(autouse=True)
async def fresh_throttle():
    await PortalRequest.delete(force=True)


async def test_every_portal_route_answers_404_for_every_other_customers_ids(app, client, other_client):
    vendor = await logged_in_vendor(other_client, "Acme Ltd")
    other = await factories.vendor("Globex Corp", f"owner-{uuid.uuid4().hex[:8]}@globex.example")
    me = await _customer_with_documents(vendor.vendor_id, "Northwind Traders", "INV-ME-1")
    neighbours = [await _customer_with_documents(vendor.vendor_id, "Contoso", "INV-SAME-1"),
                  await _customer_with_documents(other.vendor, "Initech", "INV-OTHER-1")]
    await Vendor.update({Vendor.vat_id: "DE811569869", Vendor.country: "DE"}).where(Vendor.id.is_in([vendor.vendor_id, other.vendor]))
    await portal_client_for(client, me["token"], me["email"])
    csrf = client.cookies.get("payport_csrf")
    routes = _portal_routes(app)
    walked = 0
    for method, template in routes:
        params = PARAM.findall(template)
        if not params or any(kind == "str" for _, kind in params):
            continue  # no ids (checked below) or a sign-in token (test_access)
        assert all(name in ID_KINDS for name, _ in params), f"{template}: say in ID_KINDS what its ids are"
        for neighbour in neighbours:
            for name, _ in params:
                for foreign in neighbour[ID_KINDS[name]]:
                    path = PARAM.sub(lambda m: str(foreign) if m.group(1) == name else m.group(0), template)
                    answer = await client.request(method, path, headers={"x-csrftoken": csrf})
                    assert answer.status_code == 404, (method, path, answer.status_code)
                    walked += 1
        # The customer's own ids do open (so the 404s above are about ownership, not a broken route).
        own = PARAM.sub(lambda m: str(me[ID_KINDS[m.group(1)]][0]), template)
        assert (await client.request(method, own, headers={"x-csrftoken": csrf})).status_code == 200, own
    assert walked >= 6
    for method, template in routes:
        if method == "GET" and not PARAM.search(template) and template != "/portal/request":
            answer = await client.get(template)
            assert answer.status_code == 200, template
            assert me["number"] in answer.text or template.endswith(".pdf")
            for neighbour in neighbours:
                assert neighbour["number"] not in answer.text, (template, neighbour["number"])


async def test_without_a_portal_session_every_portal_route_answers_401(app, client):
    vendor = await logged_in_vendor(client, "Acme Ltd")  # a vendor session is no portal session
    mine = await _customer_with_documents(vendor.vendor_id, "Northwind Traders", "INV-V-1")
    for method, template in _portal_routes(app):
        if method != "GET" or "{token" in template or template == "/portal/request":
            continue
        path = PARAM.sub(lambda m: str(mine[ID_KINDS[m.group(1)]][0]), template)
        answer = await client.get(path)
        assert answer.status_code == 401, path
        assert "INV-V-1" not in answer.text
