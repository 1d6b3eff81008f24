"""Invoice numbers: a per-vendor sequence formatted by the vendor's pattern, taken at the first send.

A number is never reused: the sequence only moves forward (even when a send rolls back, its number was
never visible), void invoices keep theirs, and the (vendor, number) unique index is the last guard.
"""

from __future__ import annotations

import re
from typing import Any

from piccolo.table import Table

from app.services.clock import utcnow
from app.services.rows import bumped
from app.tables.credits import CreditNote
from app.tables.invoices import Invoice
from app.tables.quotes import Quote
from app.tables.vendors import Vendor

PLACEHOLDERS = {"prefix", "year", "seq"}
MAX_PADDING = 10
MAX_PATTERN = 60  # the column's length
PREFIX_RE = re.compile(r"^[A-Za-z0-9/_. -]*$")
# Only these placeholders, and for {seq} an optional width ({seq:04} or {seq:4}). User text never reaches
# str.format, whose specs ({seq:>1000000000}) would build strings of any size.
TOKEN_RE = re.compile(r"\{(prefix|year|seq)(?::0?([0-9]{1,2}))?\}")


class PatternError(ValueError):
    """The pattern cannot be used; the message says why."""


def parse_pattern(pattern: str) -> list[str | tuple[str, int | None]]:
    """Literal text and (placeholder, width) pairs, or PatternError; bounded by MAX_PATTERN characters."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"Keep the pattern to {MAX_PATTERN} characters.")
    parts: list[str | tuple[str, int | None]] = []
    position = 0
    while position < len(pattern):
        brace = pattern.find("{", position)
        literal = pattern[position:] if brace < 0 else pattern[position:brace]
        if "}" in literal:
            raise PatternError("Use placeholders in braces, like {prefix}{year}-{seq}.")
        if literal:
            parts.append(literal)
        if brace < 0:
            break
        token = TOKEN_RE.match(pattern, brace)
        if token is None:
            end = pattern.find("}", brace)
            shown = pattern[brace:end + 1] if 0 < end - brace <= 20 else "{...}"
            raise PatternError(f"Unknown placeholder {shown}. Use {{prefix}}, {{year}} and {{seq}} (or {{seq:04}}).")
        name, width = token.group(1), token.group(2)
        if width is not None and (name != "seq" or not 1 <= int(width) <= MAX_PADDING):
            raise PatternError(f"Only {{seq}} takes a width, from 1 to {MAX_PADDING} digits, like {{seq:04}}.")
        parts.append((name, int(width) if width is not None else None))
        position = token.end()
    return parts


def format_number(pattern: str, prefix: str, padding: int, seq: int, year: int) -> str:
    """E.g. ("{prefix}{year}-{seq}", "INV-", 4, 1, 2026) -> "INV-2026-0001"."""
    values = {"prefix": prefix, "year": str(year)}
    out = []
    for part in parse_pattern(pattern):
        if isinstance(part, str):
            out.append(part)
        else:
            name, width = part
            out.append(str(seq).zfill(width or padding) if name == "seq" else values[name])
    return "".join(out)


def pattern_error(pattern: str) -> str | None:
    """Why a number pattern cannot be used, or None."""
    try:
        parts = parse_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    if ("seq" not in {part[0] for part in parts if isinstance(part, tuple)}):
        return "The pattern must contain {seq} so every number is different."
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


async def _take(vendor_id: int, year: int, pattern: Any, counter: Any, documents: type[Table]) -> str:
    """Reserve the next number of one of the vendor's sequences (its pattern and counter columns on Vendor)."""
    vendor = await Vendor.select(Vendor.invoice_prefix, pattern, Vendor.invoice_number_padding).where(
        Vendor.id == vendor_id).first()
    while True:
        # The UPDATE locks the vendor row on PostgreSQL, so concurrent sends queue here and each
        # reads the counter its predecessor committed; SQLite serialises write transactions anyway.
        rows = await Vendor.update({counter: counter + 1}).where(Vendor.id == vendor_id).returning(counter)
        seq = rows[0][counter._meta.name] - 1
        number = format_number(vendor[pattern._meta.name], vendor["invoice_prefix"], vendor["invoice_number_padding"],
                               seq, year)
        # A changed pattern or prefix can reproduce an old number: skip it rather than reuse it.
        if not await documents.exists().where((documents.vendor == vendor_id) & (documents.number == number)):
            return number


async def take_number(vendor_id: int, year: int) -> str:
    """Reserve the vendor's next invoice number; call inside the write transaction that sends the invoice."""
    return await _take(vendor_id, year, Vendor.invoice_number_pattern, Vendor.next_invoice_seq, Invoice)


def preview_next_number(vendor: Vendor, year: int) -> str:
    """The number the next sent invoice would get (for the settings page)."""
    return format_number(
        vendor.invoice_number_pattern, vendor.invoice_prefix, vendor.invoice_number_padding,
        vendor.next_invoice_seq, year,
    )


async def send_draft(vendor_id: int, invoice_id: int, method: str) -> str | None:
    """Turn a draft into a sent invoice (numbered, sent now by `method`); None when it is no draft any more.

    The one way a draft goes out (send by hand, send with Stripe, a payment link shared). Call inside the
    caller's write transaction: the claim comes first, so a concurrent send of the same draft waits on this
    row (PostgreSQL) and then finds it already sent, and one invoice never takes two numbers.
    """
    claimed = await Invoice.update({Invoice.status: Invoice.Status.sent, Invoice.sent_at: utcnow()}).where(
        (Invoice.id == invoice_id) & (Invoice.vendor == vendor_id) & (Invoice.status == Invoice.Status.draft)
    ).returning(Invoice.id, Invoice.number, Invoice.issue_date)
    if not claimed:
        return None
    number = claimed[0]["number"] or await take_number(vendor_id, claimed[0]["issue_date"].year)
    await Invoice.update({Invoice.sent_method: method, Invoice.number: number, **bumped()}).where(
        Invoice.id == invoice_id)
    return number


async def take_credit_note_number(vendor_id: int, year: int) -> str:
    """Reserve the vendor's next credit note number (own sequence and pattern); inside the issuing transaction."""
    return await _take(vendor_id, year, Vendor.credit_note_number_pattern, Vendor.next_credit_note_seq, CreditNote)


def preview_next_credit_note_number(vendor: Vendor, year: int) -> str:
    """The number the next credit note would get (for the settings page)."""
    return format_number(vendor.credit_note_number_pattern, vendor.invoice_prefix, vendor.invoice_number_padding,
                         vendor.next_credit_note_seq, year)


async def take_quote_number(vendor_id: int, year: int) -> str:
    """Reserve the vendor's next quote number (own sequence and pattern); inside the sending transaction."""
    return await _take(vendor_id, year, Vendor.quote_number_pattern, Vendor.next_quote_seq, Quote)


def preview_next_quote_number(vendor: Vendor, year: int) -> str:
    """The number the next sent quote would get (for the settings page)."""
    return format_number(vendor.quote_number_pattern, vendor.invoice_prefix, vendor.invoice_number_padding,
                         vendor.next_quote_seq, year)
