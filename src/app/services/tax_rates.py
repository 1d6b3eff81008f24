"""Named tax rates (Settings > Tax rates): reusable rates with an EN 16931 VAT category, one default per vendor.

A rate some invoice line uses is archived, never deleted: the line keeps its percent and category (stored on the
line), and archived rates are no longer offered in the editor. The vendor's rounding mode lives here too: "line"
(tax rounded per line, the default) or "rate" (once per rate per invoice, Japan's qualified invoice rule); see
services/invoices/totals.py.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from app.db import write_transaction
from app.errors import NotFound
from app.live.announce import announce_vendor_changed
from app.services.clock import utcnow
from app.tables.invoices import InvoiceLine
from app.tables.tax import TaxRate
from app.tables.vendors import Vendor

CATEGORIES = {
    "S": "S - Standard rate",
    "Z": "Z - Zero rated",
    "E": "E - Exempt from tax",
    "AE": "AE - Reverse charge",
    "K": "K - Intra-EU supply (goods or services)",
    "G": "G - Export outside the EU",
    "O": "O - Outside the scope of tax",
}
ZERO_CATEGORIES = ("Z", "E", "AE", "K", "G", "O")
ROUNDING = {"line": "Per line (each line's tax rounded)", "rate": "Once per rate per invoice (Japan's qualified invoices)"}
MAX_RATES = 50


class TaxRateErrors(ValueError):
    """Field errors keyed by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def clean_rate(data: dict[str, Any]) -> dict[str, Any]:
    """name, percent, category and is_default from a form; TaxRateErrors with every problem."""
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = "Name the rate, e.g. VAT 19%."
    elif len(name) > 60 or "\n" in name:
        errors["name"] = "Keep the name to one line of at most 60 characters."
    raw = str(data.get("percent") or "").strip().rstrip("%").strip()
    try:
        percent = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        percent = None
    if percent is None or not percent.is_finite() or percent < 0 or percent > 100 or percent.as_tuple().exponent < -4:
        errors["percent"] = "Enter a percentage from 0 to 100, with at most 4 decimals."
        percent = None
    category = str(data.get("category") or "").strip().upper()
    if category not in CATEGORIES:
        errors["category"] = "Choose a tax category."
    elif percent is not None:
        if category in ZERO_CATEGORIES and percent != 0:
            errors["percent"] = f"Category {category} is charged at 0%."
        elif category == "S" and percent == 0:
            errors["percent"] = "A standard rate is above 0%; use Z (zero rated) for 0%."
    if errors:
        raise TaxRateErrors(errors)
    return {"name": name, "percent": percent, "category": category, "is_default": data.get("is_default") in ("on", "1", True)}


async def list_rates(vendor_id: int, include_archived: bool = True) -> list[dict]:
    """The vendor's rates, default first, then by percent; each with `in_use`."""
    query = TaxRate.select().where(TaxRate.vendor == vendor_id)
    if not include_archived:
        query = query.where(TaxRate.archived_at.is_null())
    rows = await query.order_by(TaxRate.is_default, ascending=False).order_by(TaxRate.percent, ascending=False)
    used = {r["tax_rate_ref"] for r in await InvoiceLine.select(InvoiceLine.tax_rate_ref).where(
        InvoiceLine.tax_rate_ref.is_in([r["id"] for r in rows] or [0])).distinct()}
    return [{**r, "in_use": r["id"] in used} for r in rows]


async def active_rates(vendor_id: int) -> list[dict]:
    """What the invoice editor offers: the rates not archived, the default first."""
    return await list_rates(vendor_id, include_archived=False)


async def get_rate(vendor_id: int, rate_id: int) -> dict:
    row = await TaxRate.select().where((TaxRate.id == rate_id) & (TaxRate.vendor == vendor_id)).first()
    if row is None:
        raise NotFound("That tax rate does not exist.")
    return row


async def _only_default(vendor_id: int, rate_id: int) -> None:
    await TaxRate.update({TaxRate.is_default: False}).where((TaxRate.vendor == vendor_id) & (TaxRate.id != rate_id))
    await TaxRate.update({TaxRate.is_default: True}).where(TaxRate.id == rate_id)


async def create_rate(vendor_id: int, data: dict[str, Any]) -> int:
    """A new rate; the first one, or one marked default, becomes the default."""
    values = clean_rate(data)
    async with write_transaction():
        count = await TaxRate.count().where(TaxRate.vendor == vendor_id)
        if count >= MAX_RATES:
            raise TaxRateErrors({"name": f"A business can keep at most {MAX_RATES} rates; archive one first."})
        if await TaxRate.exists().where((TaxRate.vendor == vendor_id) & (TaxRate.name == values["name"])
                                        & TaxRate.archived_at.is_null()):
            raise TaxRateErrors({"name": "A rate with this name exists already."})
        row = TaxRate(vendor=vendor_id, name=values["name"], percent=values["percent"],
                      category=values["category"], is_default=False, created_at=utcnow())
        await row.save()
        if values["is_default"] or count == 0:
            await _only_default(vendor_id, row.id)
    announce_vendor_changed(vendor_id, "profile")
    return row.id


async def update_rate(vendor_id: int, rate_id: int, data: dict[str, Any]) -> None:
    """Rename a rate or change it while no line uses it; a rate in use keeps its percent and category."""
    current = await get_rate(vendor_id, rate_id)
    values = clean_rate(data)
    if await InvoiceLine.exists().where(InvoiceLine.tax_rate_ref == rate_id) and (
            Decimal(current["percent"]) != values["percent"] or current["category"] != values["category"]):
        raise TaxRateErrors({"percent": "Invoices use this rate, so its percent and category stay. "
                                        "Archive it and add a new rate instead."})
    async with write_transaction():
        if await TaxRate.exists().where((TaxRate.vendor == vendor_id) & (TaxRate.name == values["name"])
                                        & (TaxRate.id != rate_id) & TaxRate.archived_at.is_null()):
            raise TaxRateErrors({"name": "A rate with this name exists already."})
        await TaxRate.update({TaxRate.name: values["name"], TaxRate.percent: values["percent"],
                              TaxRate.category: values["category"]}).where(TaxRate.id == rate_id)
        if values["is_default"] and not current["archived_at"]:
            await _only_default(vendor_id, rate_id)
    announce_vendor_changed(vendor_id, "profile")


async def make_default(vendor_id: int, rate_id: int) -> None:
    rate = await get_rate(vendor_id, rate_id)
    if rate["archived_at"]:
        raise TaxRateErrors({"rate": "An archived rate cannot be the default; restore it first."})
    async with write_transaction():
        await _only_default(vendor_id, rate_id)
    announce_vendor_changed(vendor_id, "profile")


async def delete_rate(vendor_id: int, rate_id: int) -> None:
    """Delete an unused rate; one in use is refused (archive it)."""
    await get_rate(vendor_id, rate_id)
    if await InvoiceLine.exists().where(InvoiceLine.tax_rate_ref == rate_id):
        raise TaxRateErrors({"rate": "Invoices use this rate, so it cannot be deleted. Archive it instead."})
    async with write_transaction():
        await TaxRate.delete().where((TaxRate.id == rate_id) & (TaxRate.vendor == vendor_id))
    announce_vendor_changed(vendor_id, "profile")


async def set_archived(vendor_id: int, rate_id: int, archived: bool) -> None:
    """Archive (no longer offered; no longer the default) or restore a rate."""
    await get_rate(vendor_id, rate_id)
    async with write_transaction():
        await TaxRate.update({TaxRate.archived_at: utcnow() if archived else None,
                              **({TaxRate.is_default: False} if archived else {})}).where(TaxRate.id == rate_id)
    announce_vendor_changed(vendor_id, "profile")


async def set_rounding(vendor_id: int, mode: str) -> None:
    if mode not in ROUNDING:
        raise TaxRateErrors({"tax_rounding": "Choose how tax is rounded."})
    async with write_transaction():
        await Vendor.update({Vendor.tax_rounding: mode}).where(Vendor.id == vendor_id)
    announce_vendor_changed(vendor_id, "profile")


async def rounding_of(vendor_id: int) -> str:
    row = await Vendor.select(Vendor.tax_rounding).where(Vendor.id == vendor_id).first()
    return (row or {}).get("tax_rounding") or "line"


async def section_context(vendor_id: int, values: dict | None = None, errors: dict | None = None,
                          saved: str = "") -> dict:
    """What Settings > Tax rates shows: the rates, the new-rate form (a refused post's values), the rounding."""
    return {"tax_rates": await list_rates(vendor_id), "rate_values": values or {"category": "S"},
            "rate_errors": errors or {}, "rate_saved": saved, "categories": CATEGORIES,
            "rounding_modes": ROUNDING, "tax_rounding": await rounding_of(vendor_id)}
