"""CSV import: a dry run lists what would be made and every row's errors; the import is all or nothing."""

from app.tables.customers import Customer
from app.tables.invoices import Invoice, InvoiceLine
from tests import factories

CUSTOMERS = ("Name,Email,Phone,Currency,Country,Notes\n"
             "Blue Bakery,hello@bluebakery.test,+1 555 0100,EUR,FR,Pays fast\n"
             "Red Mill,red@mill.test,,USD,,\n")
BAD = CUSTOMERS + ",no-name@example.com,,USD,,\nGood Name,not-an-email,,XXX,,\n"
NINJA = ("Client Name,Contact Email,Address 1,City,Postal Code,Currency,VAT Number,Private Notes\n"
         "Globex,ap@globex.test,1 Main St,Springfield,12345,USD,,VIP\n")


async def _upload(vendor, kind: str, text: str, action: str):
    return await vendor.client.post("/settings/import", data={"kind": kind, "action": action},
                                    files={"file": ("data.csv", text.encode(), "text/csv")},
                                    headers=vendor.headers())


async def test_dry_run_then_import_customers(vendor):
    checked = await _upload(vendor, "customers", CUSTOMERS, "check")
    assert checked.status_code == 200 and "importing it creates 2 customers" in checked.text
    assert "Blue Bakery &lt;hello@bluebakery.test&gt;" in checked.text
    assert await Customer.count().where(Customer.vendor == vendor.vendor_id) == 0
    done = await _upload(vendor, "customers", CUSTOMERS, "import")
    assert "Imported 2 customers." in done.text
    rows = await Customer.select().where(Customer.vendor == vendor.vendor_id).order_by(Customer.name)
    assert [(r["name"], r["currency"], r["country"]) for r in rows] == [("Blue Bakery", "EUR", "FR"), ("Red Mill", "USD", "")]


async def test_a_bad_row_imports_nothing_and_every_error_is_listed(vendor):
    response = await _upload(vendor, "customers", BAD, "import")
    assert response.status_code == 422 and "nothing was imported" in response.text
    for line, message in ((4, "Enter the customer&#39;s name."), (5, "Enter a valid email address"),
                          (5, "Choose a currency from the list.")):
        assert f'<td class="num">{line}</td>' in response.text and message in response.text
    assert await Customer.count().where(Customer.vendor == vendor.vendor_id) == 0


async def test_invoice_ninja_columns(vendor):
    done = await _upload(vendor, "customers", NINJA, "import")
    assert "Imported 1 customers." in done.text
    row = await Customer.objects().where(Customer.vendor == vendor.vendor_id).first()
    assert row.email == "ap@globex.test" and row.billing_address == "1 Main St\n12345 Springfield" and row.notes == "VIP"


async def test_invoices_with_lines_all_or_nothing(vendor):
    await factories.customer(vendor.vendor_id, "Acme", "acme@example.com")
    good = ("Invoice,Customer email,Currency,Issue date,Due date,Description,Quantity,Unit price,Tax rate\n"
            "A-1,acme@example.com,USD,2026-11-02,2026-12-02,Design,2,100.00,10\n"
            "A-1,acme@example.com,USD,2026-11-02,2026-12-02,Hosting,1,20.00,0\n"
            "A-2,acme@example.com,USD,2026-11-03,,Support,1,50,0\n")
    bad = good + "A-3,nobody@example.com,USD,2026-11-03,,X,1,5,0\nA-4,acme@example.com,USD,2026-11-03,,,1,5,0\n"
    refused = await _upload(vendor, "invoices", bad, "import")
    assert refused.status_code == 422 and "No customer has the email" in refused.text
    assert '<td class="num">6</td>' in refused.text and '<td class="num">5</td>' in refused.text
    assert await Invoice.count().where(Invoice.vendor == vendor.vendor_id) == 0
    checked = await _upload(vendor, "invoices", good, "check")
    assert "importing it creates 2 invoices" in checked.text and "A-1: 2 lines, USD 240" in checked.text
    done = await _upload(vendor, "invoices", good, "import")
    assert "Imported 2 invoices." in done.text
    invoices = await Invoice.select().where(Invoice.vendor == vendor.vendor_id).order_by(Invoice.id)
    assert [(i["status"], i["total"]) for i in invoices] == [("draft", 24000), ("draft", 5000)]
    assert await InvoiceLine.count().where(InvoiceLine.invoice == invoices[0]["id"]) == 2


async def test_form_errors_in_place(vendor):
    response = await vendor.client.post("/settings/import", data={"kind": "spaceships"}, headers=vendor.headers())
    assert response.status_code == 422
    assert "Choose what the file holds." in response.text and "Choose a CSV file." in response.text
