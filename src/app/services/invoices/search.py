"""Invoice search: full text over number, customer name and email, notes and line descriptions.

The index is kept by database triggers (migration 2026-12-04T11:30), so it changes in the transaction of every
write. A query matches an invoice when every word of it begins a word of the invoice's document, or when the
invoice number contains the whole query (three characters or more: "0042" finds INV-2026-0042, so does "26-00").
SQLite reads FTS5 tables, PostgreSQL a tsvector and a trigram index; both split text the same way, so the two
engines find the same invoices.
"""

from __future__ import annotations

import re

from piccolo.columns.combination import Combinable, WhereRaw

from app.db import is_sqlite
from app.services.customers import contains

_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8  # more words only narrow the match; they would lengthen the query without finding more
MIN_NUMBER_PART = 3  # trigrams: shorter parts of a number are found as word prefixes


def words(q: str) -> list[str]:
    """The query's words as both engines split text: runs of letters and digits, lower-cased."""
    return _WORD.findall(q.lower())[:MAX_WORDS]


def _text_match(vendor_id: int, terms: list[str]) -> WhereRaw:
    if is_sqlite():
        expression = " AND ".join(f'"{term}"*' for term in terms)
        return WhereRaw(
            "invoice.id IN (SELECT rowid FROM invoice_search WHERE invoice_search MATCH {} AND vendor = {})",
            expression, vendor_id)
    expression = " & ".join(f"{term}:*" for term in terms)
    return WhereRaw(
        "invoice.id IN (SELECT invoice_id FROM invoice_search WHERE vendor = {} AND doc @@ to_tsquery('simple', {}))",
        vendor_id, expression)


def _number_match(q: str) -> WhereRaw:
    if is_sqlite():
        phrase = '"' + q.replace('"', '""') + '"'
        return WhereRaw("invoice.id IN (SELECT rowid FROM invoice_number_search WHERE invoice_number_search MATCH {})",
                        phrase)
    return contains("invoice.number", q)  # LOWER(number) LIKE: the trigram index is on lower(number)


def matching(vendor_id: int, q: str) -> Combinable | None:
    """Where-clause for the vendor's invoices that match `q` (None when `q` has nothing to search by)."""
    q = q.strip()
    terms = words(q)
    condition: Combinable | None = _text_match(vendor_id, terms) if terms else None
    if len(q) >= MIN_NUMBER_PART:
        number = _number_match(q)
        condition = number if condition is None else condition | number
    return condition
