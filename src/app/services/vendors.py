"""The vendor's business profile: name, time zone, default currency and invoice numbering."""

from __future__ import annotations

from app.db import write_transaction
from app.money import UnknownCurrency
from app.money import check_active_currency
from app.live.announce import announce_vendor_changed
from app.services.accounts import forget_vendor_users
from app.parsing import is_one_line, parse_whole
from app.services.accounts import ONE_LINE
from app.services.numbering import MAX_PADDING, pattern_error, prefix_error
from app.tables.vendors import Vendor
from app.times import offered_zones


class ProfileErrors(ValueError):
    """Field errors: {field: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _timezone_error(name: str) -> str | None:
    # Exactly what the picker offers: no 'Factory', 'localtime' or deprecated alias sneaks in by a hand-made POST.
    return None if name in offered_zones() else "Choose a time zone from the list, like Europe/Paris."


def clean_profile(data: dict[str, str]) -> dict[str, object]:
    """Checked profile values, or ProfileErrors naming every bad field."""
    values = {k: (data.get(k) or "").strip() for k in
              ("name", "timezone", "default_currency", "invoice_prefix", "invoice_number_pattern",
               "invoice_number_padding")}
    values["invoice_prefix"] = (data.get("invoice_prefix") or "").strip("\t\r\n")
    errors: dict[str, str] = {}
    if not values["name"] or len(values["name"]) > 200:
        errors["name"] = "Enter your business name (at most 200 characters)."
    elif not is_one_line(values["name"]):
        errors["name"] = ONE_LINE
    if message := _timezone_error(values["timezone"]):
        errors["timezone"] = message
    try:
        values["default_currency"] = check_active_currency(values["default_currency"])
    except UnknownCurrency:
        errors["default_currency"] = "Choose a currency from the list."
    if message := prefix_error(values["invoice_prefix"]):
        errors["invoice_prefix"] = message
    if message := pattern_error(values["invoice_number_pattern"]):
        errors["invoice_number_pattern"] = message
    padding = values["invoice_number_padding"]
    if (digits := parse_whole(padding, 1, MAX_PADDING)) is None:
        errors["invoice_number_padding"] = f"Use a number of digits from 1 to {MAX_PADDING}."
    else:
        values["invoice_number_padding"] = digits
    if "credit_note_number_pattern" in data:  # older forms without the field keep the vendor's pattern
        values["credit_note_number_pattern"] = (data.get("credit_note_number_pattern") or "").strip()
        if message := pattern_error(values["credit_note_number_pattern"]):
            errors["credit_note_number_pattern"] = message
    if "quote_number_pattern" in data:  # the same for quotes (services/quotes)
        values["quote_number_pattern"] = (data.get("quote_number_pattern") or "").strip()
        if message := pattern_error(values["quote_number_pattern"]):
            errors["quote_number_pattern"] = message
    if errors:
        raise ProfileErrors(errors)
    return values


async def update_profile(vendor_id: int, data: dict[str, str]) -> Vendor:
    """Save the profile; numbers already given keep their format, the next ones use the new pattern."""
    values = clean_profile(data)
    async with write_transaction():
        await Vendor.update({getattr(Vendor, k): v for k, v in values.items()}).where(Vendor.id == vendor_id)
    forget_vendor_users(vendor_id)  # the sidebar shows the new name on the very next page
    announce_vendor_changed(vendor_id, "profile")  # lists follow a new time zone at once
    return await Vendor.objects().where(Vendor.id == vendor_id).first()


async def get_vendor(vendor_id: int) -> Vendor:
    """The vendor row."""
    return await Vendor.objects().where(Vendor.id == vendor_id).first()


async def vendor_profile(vendor_id: int) -> dict:
    """The vendor's name, time zone, default currency and the notes and footer new invoices start with."""
    return await Vendor.select(Vendor.timezone, Vendor.default_currency, Vendor.name, Vendor.default_notes,
                               Vendor.default_footer).where(
        Vendor.id == vendor_id).first()
