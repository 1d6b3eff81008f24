"""The invoice tally the list counts from holds what the invoices themselves add up to, through every change."""

from datetime import date

from app.services.invoices import tally
from app.services.invoices.lifecycle import delete_payment, mark_paid, send_invoice, void_invoice
from app.tables.invoices import Invoice
from tests import factories


async def _from_rows(vendor_id: int) -> dict:
    rows = await Invoice.raw(
        "SELECT status, currency, COUNT(*) AS n, SUM(total) AS total, SUM(amount_due) AS due, "
        "SUM(amount_paid - amount_refunded) AS paid FROM invoice WHERE vendor = {} GROUP BY status, currency",
        vendor_id)
    return {(r["status"], r["currency"]): (r["n"], int(r["total"]), int(r["due"]), int(r["paid"])) for r in rows}


async def _tallied(vendor_id: int) -> dict:
    return {(r["status"], r["currency"]): (r["n"], r["total"], r["due"], r["paid"]) for r in await tally.rows(vendor_id)}


async def test_the_tally_follows_every_change_of_an_invoice(vendor, other_vendor):
    v = vendor.vendor_id
    acme = await factories.customer(v, "Acme", "ap@acme.test")
    yen = await factories.customer(v, "Tokyo Tea", "t@tea.test", "JPY")
    ids = [await factories.invoice(v, acme.id, lines=[("Work", "1", f"{100 + n}.00", "0")]) for n in range(4)]
    ids.append(await factories.invoice(v, yen.id, currency="JPY", lines=[("Sencha", "3", "1200", "0")]))
    await factories.invoice(other_vendor.vendor_id, (await factories.customer(other_vendor.vendor_id)).id)
    assert await _tallied(v) == await _from_rows(v)
    for invoice_id in ids[1:]:
        await send_invoice(v, invoice_id, "manual")
    await mark_paid(v, ids[1], date.today(), "cash")
    invoice = await mark_paid(v, ids[2], date.today(), "cash", amount=5000)  # partly paid
    await void_invoice(v, ids[3], "Duplicate")
    assert await _tallied(v) == await _from_rows(v)
    payment = (await Invoice.raw("SELECT id FROM payment WHERE invoice = {}", ids[2]))[0]["id"]
    await delete_payment(v, ids[2], payment, "Entered twice")
    await Invoice.delete().where(Invoice.id == ids[0])  # a draft deleted
    assert invoice.status == "partially_paid"
    assert await _tallied(v) == await _from_rows(v)
    assert (await _tallied(other_vendor.vendor_id)) == await _from_rows(other_vendor.vendor_id)


async def test_folding_keeps_the_sums_and_leaves_a_row_per_status_and_currency(vendor):
    v = vendor.vendor_id
    customer = await factories.customer(v)
    ids = [await factories.invoice(v, customer.id) for _ in range(6)]
    for invoice_id in ids:
        await send_invoice(v, invoice_id, "manual")
        await mark_paid(v, invoice_id, date.today(), "cash")
    before = await _tallied(v)
    await tally.fold(v)
    parts = await Invoice.raw("SELECT COUNT(*) AS n FROM invoice_tally WHERE vendor = {}", v)
    assert await _tallied(v) == before == await _from_rows(v) and parts[0]["n"] == len(before)
    for _ in range(tally.FOLD_AT):  # a vendor's rows fold by themselves once there are many
        await Invoice.update({Invoice.total: Invoice.total + 1}).where(Invoice.id == ids[0])
    await tally.rows(v)
    parts = await Invoice.raw("SELECT COUNT(*) AS n FROM invoice_tally WHERE vendor = {}", v)
    assert parts[0]["n"] == len(before) and await _tallied(v) == await _from_rows(v)
