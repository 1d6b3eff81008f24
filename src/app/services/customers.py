"""Customers: validation, search with pagination, archive instead of delete once invoiced."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count, Sum

from app.live.announce import announce_vendor_changed
from app.db import write_transaction
from app.errors import NotAllowed, NotFound
from app.money import UnknownCurrency, check_active_currency
from app.services.accounts import normalise_email, validate_email
from app.parsing import is_one_line
from app.services.accounts import ONE_LINE
from app.i18n import LANGUAGES
from app.services.business import country_choices, is_eu, normal_vat, vat_error
from app.services.clock import utcnow
from app.services.rows import display_status
from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.quotes import Quote

FIELDS = ("name", "email", "phone", "billing_address", "tax_id", "currency", "notes", "country", "language")
LIMITS = {"name": 200, "phone": 50, "billing_address": 1000, "tax_id": 64, "notes": 5000}
PER_PAGE = 20


class CustomerErrors(ValueError):
    """Field errors: {field: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Page:
    """One page of a list, with what the pager needs."""

    rows: list[dict[str, Any]]
    page: int
    pages: int
    total: int
    per_page: int


def clean_customer(data: dict[str, str]) -> dict[str, str]:
    """Trimmed values, or CustomerErrors naming every bad field."""
    values = {name: (data.get(name) or "").strip() for name in FIELDS}
    values["email"] = normalise_email(values["email"])
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = "Enter the customer's name."
    elif not is_one_line(values["name"]):
        errors["name"] = ONE_LINE
    if message := validate_email(values["email"]):
        errors["email"] = message
    try:
        values["currency"] = check_active_currency(values["currency"] or "USD")
    except UnknownCurrency:
        errors["currency"] = "Choose a currency from the list."
    for name, limit in LIMITS.items():
        if len(values[name]) > limit and name not in errors:
            errors[name] = f"Keep this under {limit:,} characters."
    _check_tax(values, data, errors)
    if values["language"] and values["language"] not in LANGUAGES:
        errors["language"] = "Choose a language from the list."
    if errors:
        raise CustomerErrors(errors)
    return values


def _check_tax(values: dict, data: dict[str, str], errors: dict[str, str]) -> None:
    """Country, VAT id format (python-stdnum) and the reverse-charge flag, which needs an EU business."""
    values["country"] = values["country"].upper()
    values["reverse_charge"] = data.get("reverse_charge") in ("on", "1", "true")
    if values["country"] and values["country"] not in dict(country_choices()):
        errors["country"] = "Choose a country from the list."
        return
    if "tax_id" not in errors and (message := vat_error(values["tax_id"], values["country"])):
        errors["tax_id"] = message
    values["tax_id"] = normal_vat(values["tax_id"])
    if values["reverse_charge"] and not (is_eu(values["country"]) and values["tax_id"]):
        errors["reverse_charge"] = "Reverse charge applies to EU businesses: choose an EU country and enter their VAT id."


def contains(column_sql: str, q: str) -> WhereRaw:
    """Case-insensitive "column contains q", with % and _ in q taken literally."""
    escaped = q.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return WhereRaw(f"LOWER({column_sql}) LIKE {{}} ESCAPE '!'", f"%{escaped}%")


async def get_customer(vendor_id: int, customer_id: int) -> Customer:
    """The vendor's customer, or NotFound."""
    customer = await Customer.objects().where(
        (Customer.id == customer_id) & (Customer.vendor == vendor_id)
    ).first()
    if customer is None:
        raise NotFound("That customer does not exist.")
    return customer


async def list_customers(vendor_id: int, q: str = "", page: int = 1, archived: bool = False) -> Page:
    """Customers by name, searched by name or email, one page at a time."""
    where = (Customer.vendor == vendor_id) & (
        Customer.archived_at.is_not_null() if archived else Customer.archived_at.is_null()
    )
    if q.strip():
        where &= contains("customer.name", q.strip()) | contains("customer.email", q.strip())
    total = await Customer.count().where(where)
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, page), pages)
    rows = await Customer.select().where(where).order_by(Customer.name).order_by(Customer.id).limit(
        PER_PAGE).offset((page - 1) * PER_PAGE)
    return Page(rows, page, pages, total, PER_PAGE)


async def active_customers(vendor_id: int) -> list[dict[str, Any]]:
    """Every customer an invoice can be made out to, by name."""
    return await Customer.select(Customer.id, Customer.name, Customer.email, Customer.currency).where(
        (Customer.vendor == vendor_id) & Customer.archived_at.is_null()
    ).order_by(Customer.name)


async def create_customer(vendor_id: int, data: dict[str, str]) -> Customer:
    """Save a new customer from form data."""
    values = clean_customer(data)
    now = utcnow()
    customer = Customer(vendor=vendor_id, created_at=now, updated_at=now, **values)
    await customer.save()
    announce_vendor_changed(vendor_id, "customers")
    return customer


async def update_customer(vendor_id: int, customer_id: int, data: dict[str, str]) -> Customer:
    """Save an edit of the vendor's customer."""
    values = clean_customer(data)
    async with write_transaction():
        customer = await get_customer(vendor_id, customer_id)
        for name, value in values.items():
            setattr(customer, name, value)
        customer.updated_at = utcnow()
        await customer.save()
    announce_vendor_changed(vendor_id, "customers")  # invoice lists show and search customer names
    return customer


async def has_invoices(customer_id: int) -> bool:
    """Whether any invoice was made out to this customer."""
    return await Invoice.exists().where(Invoice.customer == customer_id)


async def set_archived(vendor_id: int, customer_id: int, archived: bool) -> Customer:
    """Archive (hide from lists and new invoices, keep the history) or restore a customer."""
    async with write_transaction():
        customer = await get_customer(vendor_id, customer_id)
        customer.archived_at = utcnow() if archived else None
        customer.updated_at = utcnow()
        await customer.save()
    announce_vendor_changed(vendor_id, "customers")
    return customer


async def delete_customer(vendor_id: int, customer_id: int) -> None:
    """Delete a customer who was never invoiced; invoiced customers can only be archived."""
    async with write_transaction():
        customer = await get_customer(vendor_id, customer_id)
        if await has_invoices(customer.id):
            raise NotAllowed("This customer has invoices, so it can be archived but not deleted.")
        if await Quote.exists().where(Quote.customer == customer.id):
            raise NotAllowed("This customer has quotes, so it can be archived but not deleted.")
        await Customer.delete().where(Customer.id == customer.id)
    announce_vendor_changed(vendor_id, "customers")


async def balances(vendor_id: int, customer_id: int) -> list[dict[str, Any]]:
    """Outstanding (sent, unpaid) amount and invoice count per currency for one customer."""
    return await Invoice.select(
        Invoice.currency, Sum(Invoice.amount_due, alias="outstanding"), Count(alias="count"),
    ).where(
        (Invoice.vendor == vendor_id) & (Invoice.customer == customer_id)
        & Invoice.status.is_in(["sent", "partially_paid"])
    ).group_by(Invoice.currency).order_by(Invoice.currency)


async def customer_invoices(vendor_id: int, customer_id: int, timezone: str) -> list[dict[str, Any]]:
    """The customer's latest 100 invoices, newest first, each with the status its badge shows."""
    invoices = await Invoice.select(
        Invoice.id, Invoice.number, Invoice.status, Invoice.currency, Invoice.issue_date, Invoice.due_date,
        Invoice.next_due_date, Invoice.total,
    ).where((Invoice.vendor == vendor_id) & (Invoice.customer == customer_id)).order_by(
        Invoice.issue_date, ascending=False).order_by(Invoice.id, ascending=False).limit(100)
    for row in invoices:
        row["shown_status"] = display_status(row["status"], row["next_due_date"] or row["due_date"], timezone)
    return invoices
