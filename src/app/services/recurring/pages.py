"""What the recurring pages show: the list with statuses, a profile with its next five dates and its invoices."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from app.money import ACTIVE_CURRENCIES
from app.services.clock import today_for
from app.services.customers import active_customers
from app.services.invoices.templates import list_templates
from app.services.invoices.totals import LineInput, compute_totals
from app.services.payments.connection import offered_currencies
from app.services.recurring.dates import FREQUENCIES, occurrences
from app.services.recurring.profiles import (
    ACTIONS, CATCH_UP, END_MODES, STATUS_LABELS, ProfileForm, get_profile, rule_of,
)
from app.services.rows import STATUS_LABELS as INVOICE_LABELS
from app.services.rows import display_status, vendor_timezone
from app.tables.customers import Customer
from app.tables.invoices import Invoice
from app.tables.recurring import RecurringProfile


def profile_total(profile: dict) -> int:
    """What each period bills, in minor units of the profile's currency."""
    lines = [LineInput(line["description"], Decimal(line["quantity"]), int(line["unit_price"]),
                       Decimal(line["tax_rate"])) for line in profile["lines"]]
    return compute_totals(lines, Decimal(profile["discount_percent"])).total


def describe(profile: dict) -> str:
    """The schedule in words: "Monthly on day 15", "Every 2 weeks", ..."""
    frequency = profile["frequency"]
    if frequency == "weeks":
        return f"Every {profile['every']} weeks"
    if frequency in ("monthly", "quarterly"):
        return f"{'Monthly' if frequency == 'monthly' else 'Quarterly'} on day {profile['day_of_month']}"
    return FREQUENCIES.get(frequency, frequency)


def next_dates(profile: dict, count: int = 5) -> list:
    """The next `count` period dates still to make (none when paused, cancelled or finished)."""
    if profile["status"] != "active" or profile["next_date"] is None:
        return []
    if profile["end_mode"] == "count":
        count = min(count, max(profile["end_count"] - profile["invoices_made"], 0))
    return occurrences(rule_of(profile), after=profile["next_date"], limit=count) if count else []


async def list_context(vendor_id: int) -> dict[str, Any]:
    """Every profile of the vendor with its customer, amount, schedule and status."""
    rows = await RecurringProfile.select(
        *RecurringProfile.all_columns(), RecurringProfile.customer.name.as_alias("customer_name"),
    ).where(RecurringProfile.vendor == vendor_id).order_by(RecurringProfile.id, ascending=False).output(load_json=True)
    for row in rows:
        row.update(total=profile_total(row), schedule=describe(row))
    return {"profiles": rows, "status_labels": STATUS_LABELS, "active": "recurring"}


async def detail_context(vendor_id: int, profile_id: int, errors: dict | None = None) -> dict[str, Any]:
    """The profile, its next five dates (vendor's zone) and every invoice it made, newest first."""
    profile = await get_profile(vendor_id, profile_id)
    tz = await vendor_timezone(vendor_id)
    customer = await Customer.select(Customer.id, Customer.name, Customer.email).where(
        Customer.id == profile["customer"]).first()
    invoices = await Invoice.select(
        Invoice.id, Invoice.number, Invoice.status, Invoice.issue_date, Invoice.due_date, Invoice.total,
        Invoice.currency).where((Invoice.recurring_profile_id == profile_id) & (Invoice.vendor == vendor_id)).order_by(
        Invoice.issue_date, ascending=False).order_by(Invoice.id, ascending=False)
    for row in invoices:
        row["shown_status"] = display_status(row["status"], row["due_date"], tz)
    return {"profile": profile, "customer": customer, "invoices": invoices, "next_dates": next_dates(profile),
            "total": profile_total(profile), "schedule": describe(profile), "status_labels": STATUS_LABELS,
            "invoice_labels": INVOICE_LABELS, "actions": ACTIONS, "catch_up_labels": CATCH_UP,
            "today": today_for(tz), "tz": tz, "errors": errors or {}, "active": "recurring"}


async def form_context(vendor_id: int, form: ProfileForm, errors: dict[str, str], profile_id: int | None = None,
                       source: str = "") -> dict[str, Any]:
    """What the profile form needs: the values, the errors, customers, currencies and the choices."""
    customers = await active_customers(vendor_id)
    return {"form": form, "values": asdict(form), "errors": errors, "profile_id": profile_id, "customers": customers,
            "currencies": await offered_currencies(vendor_id, form.currency) or ACTIVE_CURRENCIES,
            "frequencies": FREQUENCIES, "end_modes": END_MODES, "actions": ACTIONS, "catch_up": CATCH_UP,
            "templates": await list_templates(vendor_id) if profile_id is None else [], "source": source,
            "active": "recurring"}
