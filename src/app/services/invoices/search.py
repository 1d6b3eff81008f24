"""Invoice search: full text over number, customer name and email, notes and line descriptions.

The index is kept by database triggers (migration 2026-12-04T11:30), so it changes in the transaction of every
write. A query matches an invoice when every word of it begins a word of the invoice's document, when the
invoice number contains the whole query (three characters or more: "0042" finds INV-2026-0042, so does "26-00"),
or when the query is an amount equal to the invoice's total. SQLite reads FTS5 tables, PostgreSQL a tsvector and a
trigram index; both split text the same way, so the two engines find the same invoices.

The match is one list of invoice ids (a UNION of index lookups): the list query then reads those rows by key
instead of walking every invoice of the vendor to test each one.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from piccolo.columns.combination import WhereRaw

from app.db import is_sqlite
from app.money import KNOWN_CURRENCIES, decimals

_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8  # more words only narrow the match; they would lengthen the query without finding more
MIN_NUMBER_PART = 3  # trigrams: shorter parts of a number are found as word prefixes
MAX_AMOUNT = 10**12  # no invoice totals more; a bigger value overflows BIGINT

_BY_PLACES: dict[int, list[str]] = {}
for _code in KNOWN_CURRENCIES:
    _BY_PLACES.setdefault(decimals(_code), []).append(_code)

Part = tuple[str, list]  # a SELECT of invoice ids with {} placeholders, and its values


def words(q: str) -> list[str]:
    """The query's words as both engines split text: runs of letters and digits, lower-cased."""
    return _WORD.findall(q.lower())[:MAX_WORDS]


def _words_part(vendor_id: int, terms: list[str]) -> Part:
    if is_sqlite():
        expression = " AND ".join(f'"{term}"*' for term in terms)
        return "SELECT rowid FROM invoice_search WHERE invoice_search MATCH {} AND vendor = {}", [expression, vendor_id]
    expression = " & ".join(f"{term}:*" for term in terms)
    return ("SELECT invoice_id FROM invoice_search WHERE vendor = {} AND doc @@ to_tsquery('simple', {})",
            [vendor_id, expression])


def _number_part(vendor_id: int, q: str) -> Part:
    if is_sqlite():  # the trigram table holds every vendor's numbers: the list's own vendor filter narrows it
        return "SELECT rowid FROM invoice_number_search WHERE invoice_number_search MATCH {}", ['"' + q.replace('"', '""') + '"']
    escaped = q.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return "SELECT id FROM invoice WHERE vendor = {} AND lower(number) LIKE {} ESCAPE '!'", [vendor_id, f"%{escaped}%"]


def _amount_part(vendor_id: int, q: str) -> Part | None:
    """Invoices whose total is the amount typed, in each currency whose minor units can express it."""
    try:
        value = Decimal(q.replace(",", "").lstrip("$€£¥"))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
        return None
    totals, clauses, values = [], [], []
    for places, codes in _BY_PLACES.items():
        minor = value * (Decimal(10) ** places)
        if minor == minor.to_integral_value():
            totals.append(int(minor))
            clauses.append("(total = {} AND currency IN (" + ", ".join("{}" for _ in codes) + "))")
            values += [int(minor), *codes]
    if not clauses:
        return None
    # The (vendor, total) index finds the rows, the clauses then check each currency. Without statistics SQLite
    # would rather walk the vendor's part of a covering index that holds both columns: hence INDEXED BY.
    table = "invoice INDEXED BY invoice_vendor_total_idx" if is_sqlite() else "invoice"
    return ("SELECT id FROM " + table + " WHERE vendor = {} AND total IN (" + ", ".join("{}" for _ in totals) + ") AND ("
            + " OR ".join(clauses) + ")", [vendor_id, *totals, *values])


def matching(vendor_id: int, q: str) -> WhereRaw:
    """Where-clause for the vendor's invoices that match `q` (punctuation alone matches nothing)."""
    q = q.strip()
    terms = words(q)
    parts = [_words_part(vendor_id, terms)] if terms else []
    if len(q) >= MIN_NUMBER_PART:
        parts.append(_number_part(vendor_id, q))
    amount = _amount_part(vendor_id, q)
    if amount is not None:
        parts.append(amount)
    if not parts:
        return WhereRaw("1 = 0")
    return WhereRaw("invoice.id IN (" + " UNION ".join(sql for sql, _ in parts) + ")",
                    *[value for _, values in parts for value in values])
