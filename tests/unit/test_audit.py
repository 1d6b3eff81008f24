"""The audit log: what is recorded, who may read it, and that no route can change it."""

from __future__ import annotations

from app.tables.audit import AuditEntry
from tests.unit.fixtures import PASSWORD, csrf_token
from tests.unit.test_team import member

PROFILE = {"name": "Acme Ltd", "timezone": "UTC", "default_currency": "USD", "invoice_prefix": "INV-",
           "invoice_number_pattern": "{prefix}{year}-{seq}", "invoice_number_padding": "4",
           "credit_note_number_pattern": "CN-{year}-{seq}"}


async def kinds(vendor_id: int) -> list[str]:
    rows = await AuditEntry.select(AuditEntry.kind).where(AuditEntry.vendor == vendor_id).order_by(AuditEntry.id)
    return [row["kind"] for row in rows]


async def test_sign_ins_settings_and_exports_are_recorded(vendor, other_client):
    token = await csrf_token(other_client)
    wrong = await other_client.post("/login", data={"email": vendor.email, "password": "not the password"},
                                    headers={"x-csrftoken": token})
    assert wrong.status_code == 401
    right = await other_client.post("/login", data={"email": vendor.email, "password": PASSWORD},
                                    headers={"x-csrftoken": token}, follow_redirects=False)
    assert right.status_code in (302, 303)
    refused = await vendor.post("/settings/profile", {**PROFILE, "invoice_number_padding": "zero"})
    assert refused.status_code == 422
    saved = await vendor.post("/settings/profile", PROFILE)
    assert saved.status_code == 200, saved.text
    assert (await vendor.client.get("/invoices/export.csv")).status_code == 200
    assert await kinds(vendor.vendor_id) == ["sign_in_failed", "sign_in", "settings", "export"]
    page = await vendor.client.get("/settings/audit")
    assert page.status_code == 200
    for text in ("Failed sign-in for", "Signed in as", "Changed the business profile", "Downloaded /invoices/export.csv"):
        assert text in page.text
    only = await vendor.client.get("/settings/audit?kind=sign_in_failed")
    assert "Failed sign-in for" in only.text and "Changed the business profile" not in only.text
    csv = await vendor.client.get("/settings/audit.csv")
    assert csv.status_code == 200 and csv.text.startswith("Time (UTC),Kind,Who,What,Address")
    assert "Failed sign-in," in csv.text and "Changed the business profile" in csv.text


async def test_staff_and_viewers_cannot_read_the_log(vendor, other_client):
    staff = await member(other_client, vendor.vendor_id, "staff")
    assert (await staff.client.get("/settings/audit")).status_code == 403
    assert (await staff.client.get("/settings/audit.csv")).status_code == 403


async def test_another_vendors_log_is_not_shown(vendor, other_vendor):
    await other_vendor.post("/settings/profile", {**PROFILE, "name": "Globex Corp"})
    page = await vendor.client.get("/settings/audit")
    assert "Changed the business profile" not in page.text


async def test_no_route_changes_the_audit_log(app, vendor):
    await vendor.post("/settings/profile", PROFILE)
    before = await AuditEntry.select().where(AuditEntry.vendor == vendor.vendor_id)
    writes = [(sorted(route.methods), route.path) for route in app.routes if "audit" in route.path
              and set(route.methods) - {"GET", "HEAD", "OPTIONS"}]
    assert writes == [], "no route but GET reaches the audit log"
    entry = before[0]["id"]
    for url in ("/settings/audit", "/settings/audit.csv", f"/settings/audit/{entry}", f"/settings/audit?id={entry}"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = await vendor.client.request(method, url, headers=vendor.headers(), data={"kind": "x"})
            assert response.status_code in (404, 405), (method, url, response.status_code)
    after = await AuditEntry.select().where(AuditEntry.vendor == vendor.vendor_id)
    assert after[:len(before)] == before


async def test_api_keys_webhook_endpoints_and_tax_rates_are_recorded(vendor):
    created = await vendor.post("/settings/api-keys", {"name": "Zapier", "scope": "read"})
    assert created.status_code == 200, created.text
    refused = await vendor.post("/settings/tax-rates", {"name": "", "percent": "abc", "category": "S"})
    assert refused.status_code == 422  # a refused form changes nothing and is not an audit event
    added = await vendor.post("/settings/tax-rates", {"name": "VAT 19%", "percent": "19", "category": "S"})
    assert added.status_code == 200, added.text
    rows = await AuditEntry.select(AuditEntry.kind, AuditEntry.message).where(
        AuditEntry.vendor == vendor.vendor_id).order_by(AuditEntry.id)
    assert [(r["kind"], r["message"]) for r in rows] == [("key", "Created an API key"), ("settings", "Added a tax rate")]
