"""/api/v1/quotes: the quote pages' rules through an API key (create, edit, send, convert), isolation, replays."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.services.clock import freeze
from app.services.quotes import lifecycle
from app.tables.invoices import Instalment, Invoice, InvoiceLine
from app.tables.mail import OutboxMessage
from app.tables.quotes import Quote, QuoteActivity
from tests import factories

LINES = [{"description": "Design sprint", "quantity": "2", "unit_amount": 120000, "tax_rate": "20"},
         {"description": "Hosting", "quantity": "12", "unit_amount": 1999, "tax_rate": "0"}]


@pytest.fixture(autouse=True)
async def _frozen_clock(api):
    freeze(datetime(2026, 12, 10, 12, 0, tzinfo=timezone.utc))
    yield
    freeze(None)
    # The run shares one database: emails queued here must not reach another test's delivery pass.
    await OutboxMessage.delete().where((OutboxMessage.status == OutboxMessage.Status.queued)
                                       & (OutboxMessage.kind == OutboxMessage.Kind.quote))


async def _quote(api, **extra) -> dict:
    customer = await factories.customer(api.vendor_id, "Acme", "acme@example.com", currency="EUR")
    response = await api.post("/api/v1/quotes", {"customer": customer.id, "lines": LINES, **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def _accepted(api, **extra) -> dict:
    quote = await _quote(api, **extra)
    sent = await api.post(f"/api/v1/quotes/{quote['id']}/send", {})
    assert sent.status_code == 200, sent.text
    row = await Quote.objects().where(Quote.id == quote["id"]).first()
    await lifecycle.record_quote_view(row.token)
    await lifecycle.accept_quote(row.token, "Jane Doe", "127.0.0.1")
    return (await api.get(f"/api/v1/quotes/{quote['id']}")).json()


async def test_create_retrieve_and_update_a_draft(api):
    quote = await _quote(api, discount_percent="10", notes="Valid for this project")
    assert quote["object"] == "quote" and quote["status"] == "draft" and quote["number"] is None
    assert quote["currency"] == "EUR" and quote["issue_date"] == "2026-12-10" and quote["expiry_date"] == "2027-01-09"
    assert quote["subtotal"] == 240000 + 23988 and quote["discount_total"] == 26399
    assert quote["total"] == quote["subtotal"] - quote["discount_total"] + quote["tax_total"]
    assert quote["lines"][0]["unit_amount"] == 120000 and quote["lines"][1]["quantity"] == "12"
    assert quote["url"] is None and quote["invoice"] is None and quote["view_count"] == 0
    assert (await api.get(f"/api/v1/quotes/{quote['id']}")).json() == quote
    changed = await api.post(f"/api/v1/quotes/{quote['id']}", {"expiry_date": "2026-12-24", "lines": [
        {"description": "Design sprint", "quantity": "1", "unit_amount": 50000}]})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["expiry_date"] == "2026-12-24" and body["notes"] == "Valid for this project"
    assert body["total"] == 45000 and len(body["lines"]) == 1
    messages = [r["message"] for r in await QuoteActivity.select().where(QuoteActivity.quote == quote["id"])]
    assert "Edited. (by API key Sync)" in messages and any(m.endswith("(by API key Sync)") for m in messages)


async def test_bad_input_names_the_param_and_saves_nothing(api):
    customer = await factories.customer(api.vendor_id)
    cases = [({"lines": [{"description": "", "quantity": "1", "unit_amount": 100}]}, "lines[0][description]"),
             ({"lines": []}, "lines"),
             ({"lines": LINES, "expiry_date": "2026-12-01"}, "expiry_date"),
             ({"lines": LINES, "expiry_date": "someday"}, "expiry_date"),
             ({"lines": LINES, "discount_percent": "150"}, "discount_percent"),
             ({"lines": [{"description": "x", "quantity": "1", "unit_amount": "lots"}]}, "lines[0][unit_amount]")]
    for body, param in cases:
        bad = await api.post("/api/v1/quotes", {"customer": customer.id, **body})
        assert bad.status_code == 400, (body, bad.text)
        assert bad.json()["error"]["param"] == param and bad.json()["error"]["type"] == "invalid_request_error"
    assert await Quote.count().where(Quote.vendor == api.vendor_id) == 0


async def test_send_queues_the_email_and_numbers_it(api):
    quote = await _quote(api)
    sent = await api.post(f"/api/v1/quotes/{quote['id']}/send", {"message": "Here it is"})
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["status"] == "sent" and body["number"] and body["sent_at"] and "/quote/" in body["url"]
    message = await OutboxMessage.objects().where(OutboxMessage.vendor == api.vendor_id).first()
    assert message.to == "acme@example.com" and body["url"] in message.text and "Here it is" in message.text
    bad = await api.post(f"/api/v1/quotes/{quote['id']}/send", {"to": "not an address"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "to"
    assert await OutboxMessage.count().where(OutboxMessage.vendor == api.vendor_id) == 1


async def test_convert_an_accepted_quote_with_a_deposit(api):
    quote = await _accepted(api)
    assert quote["status"] == "accepted" and quote["accepted_name"] == "Jane Doe" and quote["accepted_at"]
    assert quote["view_count"] == 1 and quote["first_viewed_at"]
    bad = await api.post(f"/api/v1/quotes/{quote['id']}/convert", {"deposit_percent": "120"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "deposit_percent"
    edit = await api.post(f"/api/v1/quotes/{quote['id']}", {"notes": "late"})
    assert edit.status_code == 422 and "answered" in edit.json()["error"]["message"]
    converted = await api.post(f"/api/v1/quotes/{quote['id']}/convert", {"deposit_percent": "30"})
    assert converted.status_code == 200, converted.text
    body = converted.json()
    assert body["status"] == "converted" and body["invoice"] and body["converted_at"]
    invoice = await Invoice.objects().where(Invoice.id == body["invoice"]).first()
    assert invoice.vendor == api.vendor_id and invoice.total == quote["total"] and invoice.status == "draft"
    assert await InvoiceLine.count().where(InvoiceLine.invoice == invoice.id) == 2
    assert await Instalment.count().where(Instalment.invoice == invoice.id) == 2
    again = await api.post(f"/api/v1/quotes/{quote['id']}/convert", {})
    assert again.status_code == 422 and "already been converted" in again.json()["error"]["message"]
    draft = await _quote(api)
    refused = await api.post(f"/api/v1/quotes/{draft['id']}/convert", {})
    assert refused.status_code == 422 and "accepted" in refused.json()["error"]["message"]


async def test_list_filters_by_shown_status_and_customer(api):
    draft = await _quote(api)
    sent = await _quote(api)
    await api.post(f"/api/v1/quotes/{sent['id']}/send", {})
    expired = await _quote(api, expiry_date="2026-12-12")
    await api.post(f"/api/v1/quotes/{expired['id']}/send", {})
    freeze(datetime(2026, 12, 13, 12, 0, tzinfo=timezone.utc))
    ids = lambda r: [q["id"] for q in r.json()["data"]]  # noqa: E731
    assert ids(await api.get("/api/v1/quotes", status="draft")) == [draft["id"]]
    assert ids(await api.get("/api/v1/quotes", status="sent")) == [sent["id"]]
    assert ids(await api.get("/api/v1/quotes", status="expired")) == [expired["id"]]
    assert (await api.get(f"/api/v1/quotes/{expired['id']}")).json()["status"] == "expired"
    assert ids(await api.get("/api/v1/quotes", customer=draft["customer"])) == [draft["id"]]
    page = await api.get("/api/v1/quotes", limit=2)
    assert page.json()["has_more"] is True and ids(page) == [expired["id"], sent["id"]]
    rest = await api.get("/api/v1/quotes", limit=2, starting_after=sent["id"])
    assert ids(rest) == [draft["id"]] and rest.json()["has_more"] is False
    bad = await api.get("/api/v1/quotes", status="open")
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "status"


async def test_idempotent_create_and_send(api):
    customer = await factories.customer(api.vendor_id)
    body = {"customer": customer.id, "lines": LINES}
    first = await api.post("/api/v1/quotes", body, key="quote-1")
    again = await api.post("/api/v1/quotes", body, key="quote-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert await Quote.count().where(Quote.vendor == api.vendor_id) == 1
    other = await api.post("/api/v1/quotes", {**body, "notes": "different"}, key="quote-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_in_use"
    quote_id = first.json()["id"]
    sends = [await api.post(f"/api/v1/quotes/{quote_id}/send", {}, key="send-1") for _ in range(2)]
    assert sends[0].json() == sends[1].json()
    assert await OutboxMessage.count().where(OutboxMessage.vendor == api.vendor_id) == 1


async def test_read_key_cannot_write(api, reader):
    quote = await _quote(api)
    assert (await reader.get(f"/api/v1/quotes/{quote['id']}")).status_code == 200
    assert (await reader.get("/api/v1/quotes")).json()["data"][0]["id"] == quote["id"]
    for url, body in (("/api/v1/quotes", {"customer": quote["customer"], "lines": LINES}),
                      (f"/api/v1/quotes/{quote['id']}", {"notes": "x"}),
                      (f"/api/v1/quotes/{quote['id']}/send", {}),
                      (f"/api/v1/quotes/{quote['id']}/convert", {})):
        refused = await reader.post(url, body)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope", url
    assert (await api.get(f"/api/v1/quotes/{quote['id']}")).json()["status"] == "draft"


async def test_other_vendors_quotes_are_404(api, other_api):
    theirs = await _accepted(other_api)
    assert (await api.get(f"/api/v1/quotes/{theirs['id']}")).status_code == 404
    assert (await api.get("/api/v1/quotes")).json()["data"] == []
    for url, body in ((f"/api/v1/quotes/{theirs['id']}", {"notes": "x"}),
                      (f"/api/v1/quotes/{theirs['id']}/send", {}),
                      (f"/api/v1/quotes/{theirs['id']}/convert", {}),
                      ("/api/v1/quotes", {"customer": theirs["customer"], "lines": LINES})):
        answer = await api.post(url, body)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "resource_missing", url
    mine = await _quote(api)
    moved = await api.post(f"/api/v1/quotes/{mine['id']}", {"customer": theirs["customer"]})
    assert moved.status_code == 404
    assert (await other_api.get(f"/api/v1/quotes/{theirs['id']}")).json()["status"] == "accepted"


async def test_writes_announce_the_change(api, monkeypatch):
    from app.live import announce
    seen = []
    monkeypatch.setattr(announce, "_publish_now", lambda vendor_id, data: seen.append((vendor_id, data)))
    quote = await _quote(api)
    assert (api.vendor_id, '{"what": "quote-%d"}' % quote["id"]) in seen
