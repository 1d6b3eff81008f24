"""/api/v1/recurring-profiles: the profile form's rules through an API key, the next five dates, pause, resume,
cancel, isolation, scopes and idempotent replays."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.services.clock import freeze
from app.services.recurring import generate
from app.tables.invoices import Invoice
from app.tables.recurring import RecurringProfile
from tests import factories

LINES = [{"description": "Retainer", "quantity": "1", "unit_amount": 150000, "tax_rate": "10"}]


@pytest.fixture(autouse=True)
def _frozen_clock():
    freeze(datetime(2027, 1, 20, 12, 0, tzinfo=timezone.utc))
    yield
    freeze(None)


async def _profile(api, **extra) -> dict:
    customer = await factories.customer(api.vendor_id, "Acme", "acme@example.com", currency="EUR")
    body = {"name": "Acme retainer", "customer": customer.id, "lines": LINES, "start_date": "2027-01-31", **extra}
    response = await api.post("/api/v1/recurring-profiles", body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_shows_the_next_five_dates_on_month_ends(api):
    profile = await _profile(api, terms_days=14)
    assert profile["object"] == "recurring_profile" and profile["status"] == "active"
    assert profile["currency"] == "EUR" and profile["total"] == 165000 and profile["day_of_month"] == 31
    assert profile["frequency"] == "monthly" and profile["terms_days"] == 14 and profile["invoices_made"] == 0
    assert profile["next_date"] == "2027-01-31"
    assert profile["next_dates"] == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"]
    assert profile["lines"] == [{"description": "Retainer", "quantity": "1", "unit_amount": 150000,
                                 "tax_rate": "10"}]
    assert (await api.get(f"/api/v1/recurring-profiles/{profile['id']}")).json() == profile
    weekly = await _profile(api, frequency="weeks", every=2, start_date="", end_mode="count", end_count=3)
    assert weekly["start_date"] == "2027-01-20" and weekly["next_dates"] == ["2027-01-20", "2027-02-03",
                                                                             "2027-02-17"]


async def test_update_applies_from_the_next_period(api):
    profile = await _profile(api)
    changed = await api.post(f"/api/v1/recurring-profiles/{profile['id']}", {
        "name": "Acme retainer 2027", "lines": [{"description": "Retainer", "unit_amount": 200000}],
        "frequency": "quarterly", "day_of_month": 15})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["name"] == "Acme retainer 2027" and body["total"] == 200000 and body["terms_days"] == 30
    assert body["next_dates"][:2] == ["2027-04-15", "2027-07-15"]


async def test_pause_resume_and_cancel_follow_the_ui_rules(api):
    profile = await _profile(api)
    url = f"/api/v1/recurring-profiles/{profile['id']}"
    paused = await api.post(f"{url}/pause")
    assert paused.status_code == 200 and paused.json()["status"] == "paused" and paused.json()["next_dates"] == []
    twice = await api.post(f"{url}/pause")
    assert twice.status_code == 422 and "paused" in twice.json()["error"]["message"]
    resumed = await api.post(f"{url}/resume")
    assert resumed.json()["status"] == "active" and resumed.json()["next_date"] == "2027-01-31"
    cancelled = await api.post(f"{url}/cancel")
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["next_date"] is None
    again = await api.post(f"{url}/cancel")
    assert again.status_code == 422
    assert again.json()["error"]["message"] == "This profile is cancelled; it cannot be cancelled."
    assert (await api.post(f"{url}/resume")).status_code == 422
    edit = await api.post(url, {"name": "Again"})
    assert edit.status_code == 422 and "cancelled" in edit.json()["error"]["message"]
    freeze(datetime(2027, 2, 1, 12, 0, tzinfo=timezone.utc))
    await generate.run_due(api.vendor_id)
    assert await Invoice.count().where(Invoice.vendor == api.vendor_id) == 0  # cancelled: nothing made


async def test_list_filters_and_pages(api):
    first = await _profile(api)
    second = await _profile(api)
    await api.post(f"/api/v1/recurring-profiles/{second['id']}/pause")
    ids = lambda r: [p["id"] for p in r.json()["data"]]  # noqa: E731
    assert ids(await api.get("/api/v1/recurring-profiles")) == [second["id"], first["id"]]
    assert ids(await api.get("/api/v1/recurring-profiles", status="paused")) == [second["id"]]
    page = await api.get("/api/v1/recurring-profiles", limit=1)
    assert ids(page) == [second["id"]] and page.json()["has_more"] is True
    assert ids(await api.get("/api/v1/recurring-profiles", limit=1, starting_after=second["id"])) == [first["id"]]
    assert ids(await api.get("/api/v1/recurring-profiles", customer=first["customer"])) == [first["id"]]
    bad = await api.get("/api/v1/recurring-profiles", status="stopped")
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "status"


@pytest.mark.parametrize("body, param", [
    ({"name": " "}, "name"),
    ({"start_date": "2027-01-01"}, "start_date"),
    ({"start_date": "31/01/2027"}, "start_date"),
    ({"terms_days": 400}, "terms_days"),
    ({"frequency": "daily"}, "frequency"),
    ({"frequency": "weeks", "every": 60}, "every"),
    ({"day_of_month": 32}, "day_of_month"),
    ({"end_mode": "count"}, "end_count"),
    ({"end_mode": "date", "end_date": "2027-01-02"}, "end_date"),
    ({"action": "charge"}, "action"),
    ({"lines": []}, "lines"),
    ({"lines": [{"description": "x", "quantity": "-1", "unit_amount": 100}]}, "lines[0][quantity]"),
    ({"discount_percent": "abc"}, "discount_percent"),
    ({"currency": "XXX"}, "currency"),
])
async def test_bad_input_names_the_param_and_saves_nothing(api, body, param):
    customer = await factories.customer(api.vendor_id)
    values = {"name": "Retainer", "customer": customer.id, "lines": LINES, "start_date": "2027-01-31", **body}
    bad = await api.post("/api/v1/recurring-profiles", values)
    assert bad.status_code == 400, bad.text
    assert bad.json()["error"]["param"] == param, bad.json()
    assert await RecurringProfile.count().where(RecurringProfile.vendor == api.vendor_id) == 0


async def test_idempotent_create_and_pause(api):
    customer = await factories.customer(api.vendor_id)
    body = {"name": "Retainer", "customer": customer.id, "lines": LINES}
    first = await api.post("/api/v1/recurring-profiles", body, key="profile-1")
    again = await api.post("/api/v1/recurring-profiles", body, key="profile-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert await RecurringProfile.count().where(RecurringProfile.vendor == api.vendor_id) == 1
    other = await api.post("/api/v1/recurring-profiles", {**body, "name": "Other"}, key="profile-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_in_use"
    url = f"/api/v1/recurring-profiles/{first.json()['id']}/pause"
    paused = [await api.post(url, key="pause-1") for _ in range(2)]
    assert paused[0].status_code == paused[1].status_code == 200 and paused[0].json() == paused[1].json()


async def test_read_key_cannot_write(api, reader):
    profile = await _profile(api)
    url = f"/api/v1/recurring-profiles/{profile['id']}"
    assert (await reader.get(url)).json() == profile
    for target, body in (("/api/v1/recurring-profiles", {"name": "x", "customer": profile["customer"], "lines": LINES}),
                         (url, {"name": "x"}), (f"{url}/pause", {}), (f"{url}/resume", {}), (f"{url}/cancel", {})):
        refused = await reader.post(target, body)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope", target
    assert (await api.get(url)).json()["status"] == "active"


async def test_other_vendors_profiles_are_404(api, other_api):
    theirs = await _profile(other_api)
    url = f"/api/v1/recurring-profiles/{theirs['id']}"
    assert (await api.get(url)).status_code == 404
    assert (await api.get("/api/v1/recurring-profiles")).json()["data"] == []
    for target, body in ((url, {"name": "x"}), (f"{url}/pause", {}), (f"{url}/cancel", {}),
                         ("/api/v1/recurring-profiles", {"name": "x", "customer": theirs["customer"], "lines": LINES})):
        answer = await api.post(target, body)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "resource_missing", target
    mine = await _profile(api)
    moved = await api.post(f"/api/v1/recurring-profiles/{mine['id']}", {"customer": theirs["customer"]})
    assert moved.status_code == 404
    assert (await other_api.get(url)).json() == theirs


async def test_writes_announce_the_change(api, monkeypatch):
    from app.live import announce
    seen = []
    monkeypatch.setattr(announce, "_publish_now", lambda vendor_id, data: seen.append((vendor_id, data)))
    profile = await _profile(api)
    await api.post(f"/api/v1/recurring-profiles/{profile['id']}/pause")
    assert seen.count((api.vendor_id, '{"what": "recurring-%d"}' % profile["id"])) == 2
