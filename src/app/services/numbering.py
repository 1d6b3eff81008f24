"""Invoice numbers: a per-vendor sequence formatted by the vendor's pattern, taken at the first send.

A number is never reused: the sequence only moves forward (even when a send rolls back, its number was
never visible), void invoices keep theirs, and the (vendor, number) unique index is the last guard.
"""

from __future__ import annotations

import re
import string

from app.tables.invoices import Invoice
from app.tables.vendors import Vendor

PLACEHOLDERS = {"prefix", "year", "seq"}
MAX_PADDING = 10
PREFIX_RE = re.compile(r"^[A-Za-z0-9/_. -]*$")


def format_number(pattern: str, prefix: str, padding: int, seq: int, year: int) -> str:
    """E.g. ("{prefix}{year}-{seq}", "INV-", 4, 1, 2026) -> "INV-2026-0001"."""
    return pattern.format(prefix=prefix, year=year, seq=str(seq).zfill(padding))


def pattern_error(pattern: str) -> str | None:
    """Why a number pattern cannot be used, or None."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError:
        return "Use placeholders in braces, like {prefix}{year}-{seq}."
    if "seq" not in names:
        return "The pattern must contain {seq} so every number is different."
    unknown = sorted(set(names) - PLACEHOLDERS)
    if unknown:
        return f"Unknown placeholder {{{unknown[0]}}}. Use {{prefix}}, {{year}} and {{seq}}."
    if len(format_number(pattern, "X" * 20, MAX_PADDING, 10**MAX_PADDING, 2026)) > 64:
        return "The pattern makes numbers longer than 64 characters."
    return None


def prefix_error(prefix: str) -> str | None:
    """Why a prefix cannot be used, or None."""
    if len(prefix) > 20:
        return "Keep the prefix to 20 characters."
    if not PREFIX_RE.match(prefix):
        return "Use letters, digits, spaces and - _ . / only."
    return None


async def take_number(vendor_id: int, year: int) -> str:
    """Reserve the vendor's next number; call inside the write transaction that sends the invoice."""
    vendor = await Vendor.select(
        Vendor.invoice_prefix, Vendor.invoice_number_pattern, Vendor.invoice_number_padding
    ).where(Vendor.id == vendor_id).first()
    while True:
        # The UPDATE locks the vendor row on PostgreSQL, so concurrent sends queue here and each
        # reads the counter its predecessor committed; SQLite serialises write transactions anyway.
        rows = await Vendor.update(
            {Vendor.next_invoice_seq: Vendor.next_invoice_seq + 1}
        ).where(Vendor.id == vendor_id).returning(Vendor.next_invoice_seq)
        seq = rows[0]["next_invoice_seq"] - 1
        number = format_number(
            vendor["invoice_number_pattern"], vendor["invoice_prefix"], vendor["invoice_number_padding"], seq, year
        )
        # A changed pattern or prefix can reproduce an old number: skip it rather than reuse it.
        if not await Invoice.exists().where((Invoice.vendor == vendor_id) & (Invoice.number == number)):
            return number


def preview_next_number(vendor: Vendor, year: int) -> str:
    """The number the next sent invoice would get (for the settings page)."""
    return format_number(
        vendor.invoice_number_pattern, vendor.invoice_prefix, vendor.invoice_number_padding,
        vendor.next_invoice_seq, year,
    )
