"""/api/v1/customers driven with an API key: auth, scopes, isolation, idempotency, pagination, errors, limits."""

import json

from app.tables.invoices import InvoiceActivity
from app.tables.customers import Customer
from tests import factories

GOOD = {"name": "Blue Bakery", "email": "Hello@BlueBakery.test", "currency": "EUR"}


async def test_create_list_retrieve_update(api):
    created = await api.post("/api/v1/customers", GOOD)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["object"] == "customer" and body["email"] == "hello@bluebakery.test" and body["currency"] == "EUR"
    got = await api.get(f"/api/v1/customers/{body['id']}")
    assert got.json() == body
    updated = await api.post(f"/api/v1/customers/{body['id']}", {"name": "Blue Bakery Ltd"})
    assert updated.status_code == 200 and updated.json()["name"] == "Blue Bakery Ltd"
    assert updated.json()["email"] == "hello@bluebakery.test"  # fields not given stay
    listed = (await api.get("/api/v1/customers")).json()
    assert listed["object"] == "list" and [c["id"] for c in listed["data"]] == [body["id"]]


async def test_no_key_bad_key_revoked_key(api, client):
    assert (await client.get("/api/v1/customers")).status_code == 401
    bad = await client.get("/api/v1/customers", headers={"authorization": "Bearer pp_live_nope"})
    assert bad.status_code == 401 and bad.json()["error"]["type"] == "authentication_error"
    from app.services.api import keys
    row = (await keys.list_keys(api.vendor_id))[0]
    await keys.revoke_key(api.vendor_id, row["id"])
    assert (await api.get("/api/v1/customers")).status_code == 401


async def test_read_key_cannot_write(reader):
    assert (await reader.get("/api/v1/customers")).status_code == 200
    refused = await reader.post("/api/v1/customers", GOOD)
    assert refused.status_code == 403 and refused.json()["error"]["type"] == "permission_error"
    assert await Customer.count().where(Customer.vendor == reader.vendor_id) == 0


async def test_another_vendors_ids_are_404(api, other_api):
    theirs = await factories.customer(other_api.vendor_id, "Their client")
    missing = await api.get(f"/api/v1/customers/{theirs.id}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "resource_missing"
    assert (await api.post(f"/api/v1/customers/{theirs.id}", {"name": "Mine now"})).status_code == 404
    assert (await Customer.objects().get(Customer.id == theirs.id)).name == "Their client"
    assert (await api.get("/api/v1/customers")).json()["data"] == []


async def test_field_errors_name_the_param_and_save_nothing(api):
    bad = await api.post("/api/v1/customers", {"name": "X", "email": "not-an-email"})
    error = bad.json()["error"]
    assert bad.status_code == 400 and error["param"] == "email" and "email" in error["message"].lower()
    wrong_type = await api.post("/api/v1/customers", {"name": "X", "email": 5})
    assert wrong_type.status_code == 400 and wrong_type.json()["error"]["param"] == "email"
    assert await Customer.count().where(Customer.vendor == api.vendor_id) == 0


async def test_idempotent_replay_and_409_on_another_body(api):
    first = await api.post("/api/v1/customers", GOOD, key="create-1")
    again = await api.post("/api/v1/customers", GOOD, key="create-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert await Customer.count().where(Customer.vendor == api.vendor_id) == 1
    other = await api.post("/api/v1/customers", {**GOOD, "name": "Other"}, key="create-1")
    assert other.status_code == 409 and other.json()["error"]["type"] == "idempotency_error"
    assert await Customer.count().where(Customer.vendor == api.vendor_id) == 1
    # A refused request does not use up its key: fixed, the same key works.
    bad = await api.post("/api/v1/customers", {"name": "Y", "email": "bad"}, key="create-2")
    assert bad.status_code == 400
    fixed = await api.post("/api/v1/customers", {"name": "Y", "email": "y@example.com"}, key="create-2")
    assert fixed.status_code == 201


async def test_cursor_pagination(api):
    ids = [(await factories.customer(api.vendor_id, f"C{i}", f"c{i}@example.com")).id for i in range(5)]
    first = (await api.get("/api/v1/customers", limit=2)).json()
    assert [c["id"] for c in first["data"]] == ids[::-1][:2] and first["has_more"] is True
    second = (await api.get("/api/v1/customers", limit=2, starting_after=first["data"][-1]["id"])).json()
    assert [c["id"] for c in second["data"]] == ids[::-1][2:4] and second["has_more"] is True
    last = (await api.get("/api/v1/customers", limit=2, starting_after=second["data"][-1]["id"])).json()
    assert [c["id"] for c in last["data"]] == ids[:1] and last["has_more"] is False


async def test_writes_record_the_api_as_actor(api):
    customer = (await api.post("/api/v1/customers", GOOD)).json()
    lines = [{"description": "Bread", "quantity": "2", "unit_amount": 450}]
    invoice = (await api.post("/api/v1/invoices", {"customer": customer["id"], "lines": lines})).json()
    entry = await InvoiceActivity.objects().where(InvoiceActivity.invoice == invoice["id"]).first()
    assert entry.actor == "API key Sync"  # the key's name: shown as "by API key Sync" on the timeline
