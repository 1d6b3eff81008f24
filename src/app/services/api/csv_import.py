"""CSV import of customers and of invoices with lines: a dry run lists what would be made and every row's errors;
the import itself is all or nothing (one transaction), through the same checks as the forms.

Headers are matched by name, case and spacing aside: PayPort's own, plus Invoice Ninja's and FreshBooks' export
columns (README, "CSV import", maps them).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from app.db import write_transaction
from app.live.announce import announce_vendor_changed
from app.money import UnknownCurrency, check_currency, to_major
from app.services.clock import today_for, utcnow
from app.services.customers import CustomerErrors, clean_customer
from app.services.invoices import editor
from app.services.rows import vendor_timezone
from app.tables.customers import Customer

KINDS = {"customers": "Customers", "invoices": "Invoices (with lines)"}  # what a file may hold
MAX_ROWS = 50_000
BATCH = 500
# Told (phase, rows done) after every row checked ("checking") and every row written ("importing").
Progress = Callable[[str, int], None]


def _ignore(phase: str, done: int) -> None:
    return None

# Our field -> the header names that fill it (lower case), PayPort's first, then Invoice Ninja's, FreshBooks'.
CUSTOMER_COLUMNS = {
    "name": ("name", "customer", "client name", "client", "organization", "company name", "company"),
    "email": ("email", "customer email", "contact email", "client email", "e-mail"),
    "phone": ("phone", "client phone", "contact phone", "business phone", "mobile phone"),
    "billing_address": ("billing address", "address"),
    "address1": ("address 1", "address1", "street", "street address", "billing street"),
    "address2": ("address 2", "address2", "street2", "billing street 2"),
    "city": ("city", "billing city"),
    "state": ("state", "province/state", "state/province", "billing province"),
    "postal_code": ("postal code", "zip", "zip/postal code", "billing postal code"),
    "tax_id": ("tax id", "vat number", "vat id", "tax number", "id number"),
    "currency": ("currency", "currency code", "client currency"),
    "country": ("country", "country code", "billing country"),
    "notes": ("notes", "private notes", "public notes", "note"),
}
INVOICE_COLUMNS = {
    "invoice": ("invoice", "number", "invoice number", "invoice #", "invoice_number"),
    "customer_email": ("customer email", "client email", "email", "contact email"),
    "currency": ("currency", "currency code"),
    "issue_date": ("issue date", "invoice date", "date", "date issued"),
    "due_date": ("due date", "due"),
    "description": ("description", "item", "line description", "item description", "product", "line item"),
    "quantity": ("quantity", "qty", "item quantity", "line quantity"),
    "unit_price": ("unit price", "rate", "cost", "item cost", "unit cost", "line unit cost"),
    "tax_rate": ("tax rate", "tax %", "tax1 rate", "tax 1 rate", "item tax1 rate"),
    "notes": ("notes", "public notes", "invoice notes"),
}
LABELS = {"name": "Name", "email": "Email", "phone": "Phone", "billing_address": "Billing address",
          "tax_id": "Tax id", "currency": "Currency", "country": "Country", "notes": "Notes", "customer": "Customer email",
          "description": "Description", "quantity": "Quantity", "unit_price": "Unit price", "tax_rate": "Tax rate",
          "issue_date": "Issue date", "due_date": "Due date", "discount": "Discount", "lines": "Lines", "file": "File",
          "reverse_charge": "Reverse charge", "footer": "Footer", "terms": "Terms"}


@dataclass
class ImportReport:
    """What a file holds: the rows it would make, and every problem by CSV line number."""

    kind: str
    rows: int = 0
    to_create: list[str] = field(default_factory=list)  # one line each, e.g. "Blue Bakery <hello@...>"
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, message)
    created: int = 0
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.to_create)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        return cls(**{**data, "errors": [tuple(error) for error in data.get("errors", [])]})


def count_rows(text: str) -> int:
    """How many rows with content follow the header (what the progress bar counts to)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    next(reader, None)
    return min(sum(1 for cells in reader if any(c.strip() for c in cells)), MAX_ROWS + 1)


def _records(text: str, columns: dict[str, tuple[str, ...]], report: ImportReport) -> list[tuple[int, dict]]:
    """(CSV line number, {our field: value}) for each row with content."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header:
        report.errors.append((1, "File", "The file is empty: the first line must name the columns."))
        return []
    names = [h.strip().lower() for h in header]
    where = {ours: next((names.index(a) for a in aliases if a in names), None) for ours, aliases in columns.items()}
    records = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        records.append((number, {ours: (cells[i].strip() if i is not None and i < len(cells) else "")
                                 for ours, i in where.items()}))
        if len(records) > MAX_ROWS:
            report.errors.append((number, "File", f"A file may hold at most {MAX_ROWS:,} rows; split it."))
            break
    report.rows = len(records)
    return records


def _address(values: dict[str, str]) -> str:
    if values.get("billing_address"):
        return values["billing_address"]
    town = " ".join(v for v in (values.get("postal_code", ""), values.get("city", "")) if v)
    return "\n".join(v for v in (values.get("address1", ""), values.get("address2", ""), town,
                                 values.get("state", "")) if v)


def check_customers(text: str, progress: Progress = _ignore) -> tuple[ImportReport, list[dict[str, Any]]]:
    """Every customer row checked as the form checks it; the clean values for the import."""
    report, clean = ImportReport("customers"), []
    for done, (number, values) in enumerate(_records(text, CUSTOMER_COLUMNS, report), start=1):
        progress("checking", done - 1)
        form = {**values, "billing_address": _address(values), "country": values["country"][:2].upper()
                if len(values["country"]) <= 3 else values["country"]}
        try:
            row = clean_customer(form)
        except CustomerErrors as exc:
            report.errors.extend((number, LABELS.get(k, k), v) for k, v in exc.errors.items())
            continue
        clean.append(row)
        report.to_create.append(f"{row['name']} <{row['email']}>" if row["email"] else row["name"])
    progress("checking", report.rows)
    if not report.rows and not report.errors:
        report.errors.append((2, "File", "The file has no rows to import."))
    return report, clean


async def import_customers(vendor_id: int, text: str, dry_run: bool = True,
                           progress: Progress = _ignore) -> ImportReport:
    """Check the file; unless a dry run (and only with no error at all) create every customer in one transaction."""
    # In a thread: a long file's checks would hold the event loop (and every other request) for seconds.
    report, clean = await asyncio.to_thread(check_customers, text, progress)
    report.dry_run = dry_run
    if dry_run or not report.ok:
        return report
    now = utcnow()
    progress("importing", 0)
    async with write_transaction():
        for start in range(0, len(clean), BATCH):
            await Customer.insert(*[Customer(vendor=vendor_id, created_at=now, updated_at=now, **values)
                                    for values in clean[start:start + BATCH]])
            progress("importing", min(start + BATCH, len(clean)))
    report.created = len(clean)
    announce_vendor_changed(vendor_id, "customers")
    return report


def _major(text: str, currency: str) -> str:
    """Exports write amounts in major units already; keep them as typed (the editor parses them)."""
    return text.replace(",", "") if text else text


async def _customer_ids(vendor_id: int) -> dict[str, int]:
    rows = await Customer.select(Customer.id, Customer.email).where(Customer.vendor == vendor_id)
    return {row["email"].lower(): row["id"] for row in rows}


async def check_invoices(vendor_id: int, text: str,
                         progress: Progress = _ignore) -> tuple[ImportReport, list[editor.CleanInvoice]]:
    """Rows grouped into invoices by the Invoice column, each checked as the editor checks a draft."""
    report, clean, done = ImportReport("invoices"), [], 0
    groups: OrderedDict[str, list[tuple[int, dict]]] = OrderedDict()
    for number, values in _records(text, INVOICE_COLUMNS, report):
        groups.setdefault(values["invoice"] or f"line {number}", []).append((number, values))
    customers = await _customer_ids(vendor_id)
    timezone = await vendor_timezone(vendor_id)
    for reference, rows in groups.items():
        progress("checking", done)
        done += len(rows)
        first_line, head = rows[0]
        customer_id = customers.get(head["customer_email"].lower())
        if customer_id is None:
            report.errors.append((first_line, "Customer email", f"No customer has the email {head['customer_email']!r}:"
                                  " import or add the customer first." if head["customer_email"] else
                                  "Give the customer's email."))
            continue
        currency = (head["currency"] or "USD").upper()
        draft = editor.InvoiceDraft(
            customer=str(customer_id), currency=currency,
            issue_date=head["issue_date"] or today_for(timezone).isoformat(),
            terms="custom" if head["due_date"] else "due_on_receipt", due_date=head["due_date"], notes=head["notes"],
            lines=[{"description": v["description"], "quantity": v["quantity"] or "1",
                    "unit_price": _major(v["unit_price"], currency), "tax_rate": v["tax_rate"] or "0"}
                   for _, v in rows])
        try:
            checked = await editor.check_draft(vendor_id, timezone, draft)
        except editor.EditorErrors as exc:
            for key, message in exc.errors.items():
                line = first_line
                if key.startswith("line-"):
                    index, name = key.split("-", 2)[1:]
                    line, key = rows[int(index)][0], name
                report.errors.append((line, LABELS.get(key, key), message))
            continue
        clean.append(checked)
        total = str(to_major(checked.totals.total, currency)) if _known(currency) else str(checked.totals.total)
        report.to_create.append(f"{reference}: {len(rows)} line{'s' if len(rows) != 1 else ''}, {currency} {total}, "
                                f"{head['customer_email']}")
    progress("checking", report.rows)
    if not report.rows and not report.errors:
        report.errors.append((2, "File", "The file has no rows to import."))
    return report, clean


def _known(currency: str) -> bool:
    try:
        check_currency(currency)
    except UnknownCurrency:
        return False
    return True


async def import_invoices(vendor_id: int, text: str, dry_run: bool = True,
                          progress: Progress = _ignore) -> ImportReport:
    """Check the file; unless a dry run (and only with no error) create every invoice as a draft in one transaction."""
    report, clean = await check_invoices(vendor_id, text, progress)
    report.dry_run = dry_run
    if dry_run or not report.ok:
        return report
    written = 0
    progress("importing", 0)
    async with write_transaction():
        for invoice in clean:
            await editor.create_invoice(vendor_id, invoice)  # joins this transaction; announces after its commit
            written += len(invoice.lines)
            progress("importing", written)
    report.created = len(clean)
    return report
