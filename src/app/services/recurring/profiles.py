"""Recurring profiles: the form (customer, lines, schedule, end, action), create, edit, pause, resume, cancel."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from app.db import write_transaction
from app.errors import NotAllowed, NotFound
from app.live.announce import announce_vendor_changed
from app.money import to_major
from app.parsing import is_one_line, parse_date, parse_id
from app.services.clock import today_for, utcnow
from app.services.invoices.editor import LINE_FIELDS, EditorErrors, InvoiceDraft, check_draft, draft_from_invoice
from app.services.invoices.templates import draft_from_template
from app.services.recurring.dates import FREQUENCIES, MAX_EVERY, Rule, first_on_or_after
from app.services.rows import get_invoice, get_lines, vendor_timezone
from app.tables.customers import Customer
from app.tables.recurring import RecurringProfile

ACTIONS = {
    "draft": "Create a draft for review",
    "send": "Send by email with the payment link",
    "autopay": "Charge the saved card (autopay)",
}
END_MODES = {"never": "Never", "count": "After a number of invoices", "date": "On a date"}
CATCH_UP = {"all": "Make every missed period", "latest": "Make only the latest missed period"}
STATUS_LABELS = {"active": "Active", "paused": "Paused", "cancelled": "Cancelled", "finished": "Finished"}
MAX_TERMS_DAYS = 365
MAX_COUNT = 1000
DONE = {"pause": "paused", "resume": "resumed", "cancel": "cancelled"}


@dataclass
class ProfileForm:
    """The form as typed (strings), so a form with errors comes back unchanged."""

    name: str = ""
    customer: str = ""
    currency: str = "USD"
    discount: str = "0"
    notes: str = ""
    footer: str = ""
    lines: list[dict[str, str]] = field(default_factory=list)
    terms_days: str = "30"
    frequency: str = "monthly"
    every: str = "2"
    day_of_month: str = ""
    start_date: str = ""
    end_mode: str = "never"
    end_count: str = ""
    end_date: str = ""
    action: str = "draft"
    catch_up: str = "all"


class ProfileErrors(ValueError):
    """Field errors keyed by field name (line fields as line-<i>-<field>)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def form_from_post(form: Any) -> ProfileForm:
    """Read the posted form (line fields repeat once per line, blank lines dropped)."""
    columns = {name: form.getall(f"line_{name}", []) for name in LINE_FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    lines = [{name: (columns[name][i] if i < len(columns[name]) else "").strip() for name in LINE_FIELDS}
             for i in range(count)]
    values = {name: (form.get(name) or "").strip() for name in ProfileForm.__dataclass_fields__ if name != "lines"}
    values["currency"] = values["currency"].upper()
    values["discount"] = values["discount"] or "0"  # as the invoice editor: no discount typed is none
    return ProfileForm(**values, lines=[line for line in lines if any(line.values())])


def _from_draft(draft: InvoiceDraft, name: str, terms_days: int, start: date) -> ProfileForm:
    return ProfileForm(name=name, customer=draft.customer, currency=draft.currency, discount=draft.discount,
                       notes=draft.notes, footer=draft.footer, lines=draft.lines, terms_days=str(terms_days),
                       start_date=start.isoformat(), day_of_month=str(start.day))


async def new_form(vendor_id: int, invoice: str = "", template: str = "") -> ProfileForm:
    """A form started from one of the vendor's invoices, a template, or empty; starts today."""
    today = today_for(await vendor_timezone(vendor_id))
    if parse_id(invoice):
        row = await get_invoice(vendor_id, parse_id(invoice))
        days = (row.due_date - row.issue_date).days if row.due_date else 0
        customer = await Customer.select(Customer.name).where(Customer.id == row.customer).first()
        name = f"{customer['name'] if customer else 'Customer'}: monthly invoice"[:120]
        return _from_draft(draft_from_invoice(row, await get_lines(row.id)), name, max(days, 0), today)
    if template:
        try:
            draft = await draft_from_template(vendor_id, template)
        except (NotFound, NotAllowed):
            raise NotFound("That template does not exist.")
        return _from_draft(draft, "Monthly invoice", 30, today)
    return ProfileForm(start_date=today.isoformat(), day_of_month=str(today.day),
                       lines=[{"description": "", "quantity": "1", "unit_price": "", "tax_rate": "0"}])


def form_from_profile(profile: dict) -> ProfileForm:
    """The edit form of a stored profile."""
    lines = [{"description": line["description"], "quantity": line["quantity"],
              "unit_price": str(to_major(line["unit_price"], profile["currency"])), "tax_rate": line["tax_rate"]}
             for line in profile["lines"]]
    return ProfileForm(
        name=profile["name"], customer=str(profile["customer"]), currency=profile["currency"],
        discount=format(Decimal(profile["discount_percent"]).normalize(), "f"), notes=profile["notes"],
        footer=profile["footer"], lines=lines, terms_days=str(profile["terms_days"]), frequency=profile["frequency"],
        every=str(profile["every"]), day_of_month=str(profile["day_of_month"]),
        start_date=profile["start_date"].isoformat(), end_mode=profile["end_mode"],
        end_count=str(profile["end_count"] or ""), end_date=profile["end_date"].isoformat() if profile["end_date"] else "",
        action=profile["action"], catch_up=profile["catch_up"])


def _whole(raw: str, low: int, high: int) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and low <= int(raw) <= high else None


def _check_schedule(form: ProfileForm, errors: dict[str, str]) -> dict:
    values: dict[str, Any] = {}
    if not form.name.strip():
        errors["name"] = "Name the profile."
    elif len(form.name.strip()) > 120 or not is_one_line(form.name.strip()):
        errors["name"] = "Keep the name on one line, under 120 characters."
    values["terms_days"] = _whole(form.terms_days, 0, MAX_TERMS_DAYS)
    if values["terms_days"] is None:
        errors["terms_days"] = f"Enter the days until due, from 0 to {MAX_TERMS_DAYS}."
    if form.frequency not in FREQUENCIES:
        errors["frequency"] = "Choose how often."
    values["every"] = _whole(form.every or "1", 1, MAX_EVERY) if form.frequency == "weeks" else 1
    if values["every"] is None:
        errors["every"] = f"Enter a number of weeks from 1 to {MAX_EVERY}."
    values["start_date"] = parse_date(form.start_date)
    if values["start_date"] is None:
        errors["start_date"] = "Enter the first invoice date as YYYY-MM-DD."
    default_day = str(values["start_date"].day) if values["start_date"] else "1"
    values["day_of_month"] = _whole(form.day_of_month or default_day, 1, 31)
    if values["day_of_month"] is None:
        errors["day_of_month"] = "Enter a day of the month from 1 to 31."
    if form.end_mode not in END_MODES:
        errors["end_mode"] = "Choose when the profile ends."
    values["end_count"] = _whole(form.end_count, 1, MAX_COUNT) if form.end_mode == "count" else None
    if form.end_mode == "count" and values["end_count"] is None:
        errors["end_count"] = f"Enter a number of invoices from 1 to {MAX_COUNT}."
    values["end_date"] = parse_date(form.end_date) if form.end_mode == "date" else None
    if form.end_mode == "date" and values["end_date"] is None:
        errors["end_date"] = "Enter the end date as YYYY-MM-DD."
    elif values["end_date"] and values["start_date"] and values["end_date"] < values["start_date"]:
        errors["end_date"] = "The end date cannot be before the start date."
    if form.action not in ACTIONS:
        errors["action"] = "Choose what happens each period."
    if form.catch_up not in CATCH_UP:
        errors["catch_up"] = "Choose how missed periods are made."
    return values


async def check_form(vendor_id: int, form: ProfileForm) -> dict:
    """Every field checked at once; ProfileErrors with all problems, or the column values to store."""
    errors: dict[str, str] = {}
    draft = InvoiceDraft(customer=form.customer, currency=form.currency, issue_date="", terms="due_on_receipt",
                         discount=form.discount, notes=form.notes, footer=form.footer, lines=form.lines)
    clean = None
    try:
        clean = await check_draft(vendor_id, await vendor_timezone(vendor_id), draft)
    except EditorErrors as exc:
        errors.update(exc.errors)
    values = _check_schedule(form, errors)
    if errors:
        raise ProfileErrors(errors)
    lines = [{"description": line.description, "quantity": format(line.quantity.normalize(), "f"),
              "unit_price": line.unit_price, "tax_rate": format(line.tax_rate.normalize(), "f")}
             for line in clean.lines]
    return {"name": form.name.strip(), "customer": clean.customer_id, "currency": clean.currency, "lines": lines,
            "discount_percent": clean.discount_percent, "notes": clean.notes, "footer": clean.footer,
            "frequency": form.frequency, "end_mode": form.end_mode, "action": form.action,
            "catch_up": form.catch_up, **values}


def rule_of(values: dict) -> Rule:
    """The date rule of a profile row (or of checked form values)."""
    return Rule(values["frequency"], values["every"], values["day_of_month"], values["start_date"],
                values["end_mode"], values["end_date"])


def next_period(values: dict, on_or_after: date) -> date | None:
    """The first period on or after the date that is still within the end (count or date)."""
    if values["end_mode"] == "count" and values.get("invoices_made", 0) >= values["end_count"]:
        return None
    return first_on_or_after(rule_of(values), on_or_after)


async def get_profile(vendor_id: int, profile_id: int) -> dict:
    """The vendor's profile as a row, or NotFound (another vendor's id looks exactly like a missing one)."""
    row = await RecurringProfile.select().where(
        (RecurringProfile.id == profile_id) & (RecurringProfile.vendor == vendor_id)).output(load_json=True).first()
    if row is None:
        raise NotFound("That recurring profile does not exist.")
    return row


async def create_profile(vendor_id: int, form: ProfileForm) -> int:
    """Save a new active profile; its first period is the start date (or the next one from today)."""
    values = await check_form(vendor_id, form)
    today = today_for(await vendor_timezone(vendor_id))
    if values["start_date"] < today:
        raise ProfileErrors({"start_date": "Start today or later: a profile does not bill periods before it exists."})
    now = utcnow()
    profile = RecurringProfile(vendor=vendor_id, status="active", next_date=next_period(values, today),
                               created_at=now, updated_at=now, **values)
    async with write_transaction():
        await profile.save()
        announce_profile_changed(vendor_id, profile.id)
    return profile.id


async def _last_made(profile_id: int) -> date | None:
    from_periods = await RecurringProfile.raw(
        "SELECT MAX(period_date) AS last FROM recurring_period WHERE profile = {}", profile_id)
    last = from_periods[0]["last"] if from_periods else None
    return date.fromisoformat(last) if isinstance(last, str) else last


async def update_profile(vendor_id: int, profile_id: int, form: ProfileForm) -> None:
    """Save an edit: invoices already made stay as they are; the change applies from the next period."""
    values = await check_form(vendor_id, form)
    async with write_transaction():
        row = await get_profile(vendor_id, profile_id)
        if row["status"] in ("cancelled", "finished"):
            raise NotAllowed(f"This profile is {row['status']}; it can no longer be edited.")
        last = await _last_made(profile_id)
        today = today_for(await vendor_timezone(vendor_id))
        after = max(today, last + timedelta(days=1)) if last else today
        values["next_date"] = next_period({**values, "invoices_made": row["invoices_made"]}, after)
        values["updated_at"] = utcnow()
        if values["next_date"] is None and row["status"] == "active":
            values["status"] = "finished"
        await RecurringProfile.update(values).where(RecurringProfile.id == profile_id)
        announce_profile_changed(vendor_id, profile_id)


async def set_status(vendor_id: int, profile_id: int, action: str) -> None:
    """Pause, resume or cancel. Resuming skips the periods that fell while paused."""
    async with write_transaction():
        row = await get_profile(vendor_id, profile_id)
        allowed = {"pause": ("active",), "resume": ("paused",), "cancel": ("active", "paused")}
        if row["status"] not in allowed[action]:
            raise NotAllowed(f"This profile is {STATUS_LABELS[row['status']].lower()}; it cannot be {DONE[action]}.")
        values: dict[str, Any] = {"updated_at": utcnow()}
        if action == "pause":
            values["status"] = "paused"
        elif action == "cancel":
            values.update(status="cancelled", next_date=None)
        else:
            today = today_for(await vendor_timezone(vendor_id))
            values["next_date"] = next_period(row, today)
            values["status"] = "active" if values["next_date"] else "finished"
        await RecurringProfile.update(values).where(RecurringProfile.id == profile_id)
        announce_profile_changed(vendor_id, profile_id)


def announce_profile_changed(vendor_id: int, profile_id: int) -> None:
    """Tell the vendor's open pages (recurring-changed, recurring-<id>-changed); waits for the commit."""
    announce_vendor_changed(vendor_id, "recurring")
    announce_vendor_changed(vendor_id, f"recurring-{int(profile_id)}")
