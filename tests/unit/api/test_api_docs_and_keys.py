"""The OpenAPI schema (members only, valid, every /api/v1 route) and Settings > API keys."""

import re

from openapi_spec_validator import validate

from app.services.api.keys import hash_secret
from app.tables.api import ApiKey


async def test_schema_is_for_members_only(client):
    for url in ("/api/v1/docs/openapi.json", "/api/v1/docs"):
        anonymous = await client.get(url, follow_redirects=False)
        assert anonymous.status_code in (302, 303, 401) and "paths" not in anonymous.text


async def test_schema_validates_and_lists_every_api_route(vendor, app):
    response = await vendor.client.get("/api/v1/docs/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    routes = {(method.lower(), re.sub(r"\{(\w+):\w+\}", r"{\1}", path))
              for route in app.routes for path in [route.path] if path.startswith("/api/v1/") and "/docs" not in path
              for method in getattr(route, "methods", ()) if method not in ("HEAD", "OPTIONS")}
    listed = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert routes and routes == listed
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    create = schema["paths"]["/api/v1/invoices"]["post"]
    assert "requestBody" in create and "201" in create["responses"]
    body = create["responses"]["201"]["content"]["application/json"]["schema"]
    assert body.get("$ref", "").endswith("Invoice") or "properties" in body
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"


async def test_create_shows_the_secret_once_and_stores_its_hash(vendor):
    page = await vendor.client.get("/settings/api-keys", headers={"hx-request": "true"})
    assert page.status_code == 200 and "No API keys yet." in page.text
    made = await vendor.post("/settings/api-keys", {"name": "Accounting sync", "scope": "write"})
    secret = re.search(r'data-testid="api-secret">(pp_live_[\w-]+)<', made.text)[1]
    row = await ApiKey.objects().where(ApiKey.vendor == vendor.vendor_id).first()
    assert row.key_hash == hash_secret(secret) and secret not in str(row.to_dict())
    again = await vendor.client.get("/settings/api-keys", headers={"hx-request": "true"})
    assert secret not in again.text and "Accounting sync" in again.text and "Never" in again.text
    used = await vendor.client.get("/api/v1/customers", headers={"authorization": f"Bearer {secret}"})
    assert used.status_code == 200
    listed = await vendor.client.get("/settings/api-keys", headers={"hx-request": "true"})
    assert "Never" not in listed.text


async def test_form_errors_in_place_and_revoke(vendor, other_vendor):
    bad = await vendor.post("/settings/api-keys", {"name": " ", "scope": "everything"})
    assert bad.status_code == 422 and "Give the key a name" in bad.text and "Choose Read only" in bad.text
    assert await ApiKey.count().where(ApiKey.vendor == vendor.vendor_id) == 0
    made = await vendor.post("/settings/api-keys", {"name": "CI", "scope": "read"})
    secret = re.search(r'data-testid="api-secret">(pp_live_[\w-]+)<', made.text)[1]
    row = await ApiKey.objects().where(ApiKey.vendor == vendor.vendor_id).first()
    assert (await other_vendor.post(f"/settings/api-keys/{row.id}/revoke")).status_code == 404
    revoked = await vendor.post(f"/settings/api-keys/{row.id}/revoke")
    assert "Revoked" in revoked.text
    refused = await vendor.client.get("/api/v1/customers", headers={"authorization": f"Bearer {secret}"})
    assert refused.status_code == 401


async def test_reference_page_for_members_loads_nothing_from_the_internet(vendor):
    page = await vendor.client.get("/api/v1/docs")
    assert page.status_code == 200 and 'data-spec-url="/api/v1/docs/openapi.json"' in page.text
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page.text)  # no CDN, no other host
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "http" not in policy
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert {"/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css",
            "/static/vendor/swagger-ui/swagger-ui-standalone-preset.js", "/static/api-docs.js"} <= set(assets)
    for asset in assets:  # copied by `make docs-ui` from the pinned swagger-ui-dist
        served = await vendor.client.get(asset)
        assert served.status_code == 200 and served.content, f"{asset} missing: run make docs-ui"
    assert "validatorUrl: null" in (await vendor.client.get("/static/api-docs.js")).text


async def test_settings_page_holds_the_sections(vendor):
    await vendor.post("/settings/api-keys", {"name": "Listed key", "scope": "read"})
    page = await vendor.client.get("/settings")
    for section in ('id="vendor-api-keys"', 'id="vendor-webhooks"', 'id="vendor-import"', "Listed key",
                    "invoice.overdue", "Check file"):
        assert section in page.text
