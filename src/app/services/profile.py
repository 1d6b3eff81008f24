"""The vendor's business profile: name, time zone, default currency and invoice numbering."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from app.db import write_transaction
from app.money import UnknownCurrency, check_currency
from app.live.announce import announce_vendor_changed
from app.services.accounts import forget_vendor_users
from app.services.numbering import MAX_PADDING, pattern_error, prefix_error
from app.tables.vendors import Vendor

TIMEZONES = sorted(available_timezones())


class ProfileErrors(ValueError):
    """Field errors: {field: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _timezone_error(name: str) -> str | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "Choose a time zone from the list, like Europe/Paris."
    return None


def clean_profile(data: dict[str, str]) -> dict[str, object]:
    """Checked profile values, or ProfileErrors naming every bad field."""
    values = {k: (data.get(k) or "").strip() for k in
              ("name", "timezone", "default_currency", "invoice_prefix", "invoice_number_pattern",
               "invoice_number_padding")}
    values["invoice_prefix"] = (data.get("invoice_prefix") or "").strip("\t\r\n")
    errors: dict[str, str] = {}
    if not values["name"] or len(values["name"]) > 200:
        errors["name"] = "Enter your business name (at most 200 characters)."
    if message := _timezone_error(values["timezone"]):
        errors["timezone"] = message
    try:
        values["default_currency"] = check_currency(values["default_currency"])
    except UnknownCurrency:
        errors["default_currency"] = "Choose a currency from the list."
    if message := prefix_error(values["invoice_prefix"]):
        errors["invoice_prefix"] = message
    if message := pattern_error(values["invoice_number_pattern"]):
        errors["invoice_number_pattern"] = message
    padding = values["invoice_number_padding"]
    if not padding.isdigit() or not 1 <= int(padding) <= MAX_PADDING:
        errors["invoice_number_padding"] = f"Use a number of digits from 1 to {MAX_PADDING}."
    else:
        values["invoice_number_padding"] = int(padding)
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
