"""/api/v1/invoices, payments, refunds, credit notes and payment links: the UI's rules, through an API key."""

from app.tables.invoices import Invoice
from app.tables.payments import Payment
from tests import factories

LINES = [{"description": "Design", "quantity": "2", "unit_amount": 10000, "tax_rate": "10"}]


async def _invoice(api, **extra) -> dict:
    customer = await factories.customer(api.vendor_id, "Acme", "acme@example.com")
    response = await api.post("/api/v1/invoices", {"customer": customer.id, "lines": LINES, **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_retrieve_update_a_draft(api):
    invoice = await _invoice(api)
    assert invoice["status"] == "draft" and invoice["currency"] == "USD" and invoice["number"] is None
    assert invoice["subtotal"] == 20000 and invoice["tax_total"] == 2000 and invoice["total"] == 22000
    assert invoice["lines"][0]["unit_amount"] == 10000 and invoice["lines"][0]["amount"] == 20000
    assert (await api.get(f"/api/v1/invoices/{invoice['id']}")).json() == invoice
    changed = await api.post(f"/api/v1/invoices/{invoice['id']}", {"notes": "Thanks", "lines": [
        {"description": "Design", "quantity": "1", "unit_amount": 5000}]})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["notes"] == "Thanks" and body["total"] == 5000 and len(body["lines"]) == 1


async def test_invalid_lines_name_the_param(api):
    customer = await factories.customer(api.vendor_id)
    bad = await api.post("/api/v1/invoices", {"customer": customer.id, "lines": [
        {"description": "", "quantity": "1", "unit_amount": 100}]})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "lines[0][description]"
    none = await api.post("/api/v1/invoices", {"customer": customer.id, "lines": []})
    assert none.status_code == 400 and none.json()["error"]["param"] == "lines"
    assert await Invoice.count().where(Invoice.vendor == api.vendor_id) == 0


async def test_send_mark_paid_and_void_follow_the_ui_rules(api):
    invoice = await _invoice(api)
    sent = await api.post(f"/api/v1/invoices/{invoice['id']}/send", {"method": "manual", "email": False})
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent" and sent.json()["number"]
    part = await api.post(f"/api/v1/invoices/{invoice['id']}/mark-paid", {"amount": 2000, "method": "cash"})
    assert part.json()["status"] == "partially_paid" and part.json()["amount_due"] == 20000
    too_much = await api.post(f"/api/v1/invoices/{invoice['id']}/mark-paid", {"amount": 999999})
    assert too_much.status_code == 422 and "more than the balance" in too_much.json()["error"]["message"]
    refused = await api.post(f"/api/v1/invoices/{invoice['id']}/void", {"reason": "Wrong customer"})
    assert refused.status_code == 422  # something is paid: void is not allowed, as in the UI
    other = await _invoice(api)
    voided = await api.post(f"/api/v1/invoices/{other['id']}/void", {"reason": "Duplicate"})
    assert voided.status_code == 200 and voided.json()["status"] == "void"
    no_reason = await api.post(f"/api/v1/invoices/{invoice['id']}/void", {"reason": " "})
    assert no_reason.status_code == 400 and no_reason.json()["error"]["param"] == "reason"


async def test_list_filters(api):
    draft = await _invoice(api)
    sent = await _invoice(api)
    await api.post(f"/api/v1/invoices/{sent['id']}/send", {"email": False})
    assert [i["id"] for i in (await api.get("/api/v1/invoices", status="sent")).json()["data"]] == [sent["id"]]
    assert [i["id"] for i in (await api.get("/api/v1/invoices", status="draft")).json()["data"]] == [draft["id"]]
    assert len((await api.get("/api/v1/invoices", currency="usd")).json()["data"]) == 2
    assert (await api.get("/api/v1/invoices", currency="EUR")).json()["data"] == []
    bad = await api.get("/api/v1/invoices", status="nonsense")
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "status"


async def test_payments_refunds_and_idempotent_payment(api):
    invoice = await _invoice(api)
    await api.post(f"/api/v1/invoices/{invoice['id']}/send", {"email": False})
    first = await api.post("/api/v1/payments", {"invoice": invoice["id"], "amount": 5000}, key="pay-1")
    again = await api.post("/api/v1/payments", {"invoice": invoice["id"], "amount": 5000}, key="pay-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert await Payment.count().where(Payment.invoice == invoice["id"]) == 1
    payment = first.json()
    assert payment["object"] == "payment" and payment["amount"] == 5000 and payment["method"] == "bank_transfer"
    assert (await api.get(f"/api/v1/payments/{payment['id']}")).json() == payment
    assert [p["id"] for p in (await api.get("/api/v1/payments")).json()["data"]] == [payment["id"]]
    refund = await api.post("/api/v1/refunds", {"payment": payment["id"], "amount": 1500}, key="refund-1")
    assert refund.status_code == 201, refund.text
    assert refund.json()["status"] == "succeeded" and refund.json()["manual"] is True
    replay = await api.post("/api/v1/refunds", {"payment": payment["id"], "amount": 1500}, key="refund-1")
    assert replay.json() == refund.json()
    listed = (await api.get("/api/v1/refunds", payment=payment["id"])).json()["data"]
    assert [r["id"] for r in listed] == [refund.json()["id"]]
    assert (await api.get(f"/api/v1/invoices/{invoice['id']}")).json()["amount_due"] == 22000 - 5000 + 1500


async def test_credit_notes(api):
    invoice = await _invoice(api)
    draft_refused = await api.post("/api/v1/credit-notes", {"invoice": invoice["id"], "reason": "x", "amount": 100})
    assert draft_refused.status_code == 400
    await api.post(f"/api/v1/invoices/{invoice['id']}/send", {"email": False})
    note = await api.post("/api/v1/credit-notes", {"invoice": invoice["id"], "reason": "Discount", "amount": 2200})
    assert note.status_code == 201, note.text
    body = note.json()
    assert body["object"] == "credit_note" and body["total"] == 2200 and body["number"].startswith("CN-")
    assert (await api.get(f"/api/v1/credit-notes/{body['id']}")).json() == body
    assert [n["id"] for n in (await api.get("/api/v1/credit-notes")).json()["data"]] == [body["id"]]
    line_id = invoice["lines"][0]["id"]
    by_line = await api.post("/api/v1/credit-notes", {"invoice": invoice["id"], "reason": "Returned",
                                                      "lines": {str(line_id): "1"}})
    assert by_line.status_code == 201 and by_line.json()["lines"][0]["quantity"] == "1"
    assert (await api.get(f"/api/v1/invoices/{invoice['id']}")).json()["amount_due"] < 22000 - 2200


async def test_payment_link_needs_stripe_and_is_never_deleted(api):
    invoice = await _invoice(api)
    refused = await api.post("/api/v1/payment-links", {"invoice": invoice["id"]})
    assert refused.status_code == 422 and "Stripe" in refused.json()["error"]["message"]
    assert (await api.get(f"/api/v1/payment-links/{invoice['id']}")).status_code == 404
    gone = await api.client.delete(f"/api/v1/payment-links/{invoice['id']}",
                                   headers={"authorization": f"Bearer {api.secret}"})
    assert gone.status_code in (404, 405)


async def test_other_vendors_invoices_and_payments_are_404(api, other_api):
    theirs = await _invoice(other_api)
    await other_api.post(f"/api/v1/invoices/{theirs['id']}/send", {"email": False})
    paid = (await other_api.post("/api/v1/payments", {"invoice": theirs["id"], "amount": 100})).json()
    for url in (f"/api/v1/invoices/{theirs['id']}", f"/api/v1/payments/{paid['id']}",
                f"/api/v1/payment-links/{theirs['id']}"):
        assert (await api.get(url)).status_code == 404, url
    for url, body in ((f"/api/v1/invoices/{theirs['id']}/void", {"reason": "x"}),
                      (f"/api/v1/invoices/{theirs['id']}/mark-paid", {}),
                      ("/api/v1/payments", {"invoice": theirs["id"]}),
                      ("/api/v1/refunds", {"payment": paid["id"]}),
                      ("/api/v1/credit-notes", {"invoice": theirs["id"], "reason": "x", "amount": 1})):
        assert (await api.post(url, body)).status_code == 404, url
    assert (await api.get("/api/v1/invoices")).json()["data"] == []
    their_customer = theirs["customer"]
    for currency in ("", "USD"):
        made = await api.post("/api/v1/invoices", {"customer": their_customer, "currency": currency, "lines": LINES})
        assert made.status_code == 404
    assert (await other_api.get(f"/api/v1/invoices/{theirs['id']}")).json()["status"] == "partially_paid"


async def test_writes_announce_the_change(api, monkeypatch):
    from app.live import announce
    seen = []
    monkeypatch.setattr(announce, "_publish_now", lambda vendor_id, data: seen.append((vendor_id, data)))
    invoice = await _invoice(api)
    await api.post(f"/api/v1/invoices/{invoice['id']}/send", {"email": False})
    assert any(vendor_id == api.vendor_id and str(invoice["id"]) in data for vendor_id, data in seen)


async def test_two_refunds_without_a_key_are_two_refunds(api):
    invoice = await _invoice(api)
    await api.post(f"/api/v1/invoices/{invoice['id']}/send", {"email": False})
    payment = (await api.post("/api/v1/payments", {"invoice": invoice["id"]})).json()
    first = await api.post("/api/v1/refunds", {"payment": payment["id"], "amount": 100})
    second = await api.post("/api/v1/refunds", {"payment": payment["id"], "amount": 100})
    assert first.status_code == second.status_code == 201 and first.json()["id"] != second.json()["id"]
    too_much = await api.post("/api/v1/refunds", {"payment": payment["id"], "amount": 10**9})
    assert too_much.status_code == 422 and "can still be refunded" in too_much.json()["error"]["message"]
