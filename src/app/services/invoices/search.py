"""Invoice search: full text over number, customer name and email, notes and line descriptions.

The index is kept by database triggers (migrations 2026-12-04T11:30 and 2026-12-06T21:30), so it changes in the
transaction of every write. A query matches an invoice when every word of it begins a word of the invoice's
document, when the invoice number contains the whole query (three characters or more: "0042" finds INV-2026-0042,
so does "26-00"), or when the query is an amount equal to the invoice's total. SQLite reads FTS5 tables, PostgreSQL
a tsvector and a trigram index; both split text the same way and fold case and accents alike ("elodie" finds
Élodie), so the two engines find the same invoices. Only runs of letters and digits reach the full-text syntax:
quotes, `*`, `OR`, `-` or parentheses typed by a user are plain punctuation, never an operator or an error.

The match is one list of invoice ids (a UNION of index lookups): the list query then reads those rows by key
instead of walking every invoice of the vendor to test each one. Ranked, the same lookups also give each invoice a
tier (a number match, then an amount, then words) and a score: how much of the document the words match
(highlight() on SQLite, ts_rank on PostgreSQL). Past RANK_LIMIT matches the list is newest first instead.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from piccolo.columns.combination import WhereRaw
from piccolo.query.methods.raw import Raw

from app.db import is_sqlite
from app.money import KNOWN_CURRENCIES, decimals
from app.tables.invoices import Invoice

_WORD = re.compile(r"[^\W_]+")
_MARKS = re.compile("[\u0300-\u036f]")  # the combining marks both engines' documents drop (see the migration)
MAX_WORDS = 8  # more words only narrow the match; they would lengthen the query without finding more
MIN_NUMBER_PART = 3  # trigrams: shorter parts of a number are found as word prefixes
MAX_AMOUNT = 10**12  # no invoice totals more; a bigger value overflows BIGINT

_BY_PLACES: dict[int, list[str]] = {}
for _code in KNOWN_CURRENCIES:
    _BY_PLACES.setdefault(decimals(_code), []).append(_code)

Part = tuple[str, list]  # a SELECT of invoice ids with {} placeholders, and its values
# What a ranked part selects besides the id: its tier (lower first) and a score (lower first, like bm25).
_RANKED = {"number": "0 AS tier, 0.0 AS score", "amount": "1 AS tier, 0.0 AS score"}
# The words' matches in the document over its length, like ts_rank(..., 1) on PostgreSQL. bm25() would also weigh
# each word by its rarity, but reading that off the whole index costs ~35 ms at 1,000,000 invoices whatever the
# hits; highlight() marks only the rows found (each match gains one char(1)), so it costs by the hits.
_SQLITE_SCORE = ("-1.0 * (length(highlight(invoice_search, 1, char(1), '')) - length(body)) "
                 "/ (length(body) + 100)")
RANK_LIMIT = 1000  # more matches than this are listed newest first: scoring each would cost more than it tells


def fold(text: str) -> str:
    """Lower-cased, without the accents of letters that decompose ("Élodie" -> "elodie"), as the index holds it."""
    return unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFD", text))).lower()


def words(q: str) -> list[str]:
    """The query's words as both engines split text: runs of letters and digits, folded."""
    return _WORD.findall(fold(q))[:MAX_WORDS]


def _words_part(vendor_id: int, terms: list[str], ranked: bool) -> Part:
    if is_sqlite():  # words are letters and digits only, so quoting them leaves no FTS5 syntax to inject
        expression = f'vendor : "{int(vendor_id)}" AND ' + " AND ".join(f'body : "{term}"*' for term in terms)
        columns = f"rowid AS id, 2 AS tier, {_SQLITE_SCORE} AS score" if ranked else "rowid"
        return f"SELECT {columns} FROM invoice_search WHERE invoice_search MATCH {{}}", [expression]
    expression = " & ".join(f"{term}:*" for term in terms)
    if not ranked:
        return ("SELECT invoice_id FROM invoice_search WHERE vendor = {} AND doc @@ to_tsquery('simple', {})",
                [vendor_id, expression])
    return ("SELECT invoice_id AS id, 2 AS tier, -ts_rank(doc, to_tsquery('simple', {}), 1) AS score FROM invoice_search "
            "WHERE vendor = {} AND doc @@ to_tsquery('simple', {})", [expression, vendor_id, expression])


def _number_part(vendor_id: int, q: str, ranked: bool) -> Part:
    if is_sqlite():  # the trigram table holds every vendor's numbers: the list's own vendor filter narrows it
        columns = "rowid AS id, " + _RANKED["number"] if ranked else "rowid"
        return (f"SELECT {columns} FROM invoice_number_search WHERE invoice_number_search MATCH {{}}",
                ['"' + q.replace('"', '""') + '"'])
    escaped = q.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    columns = "id, " + _RANKED["number"] if ranked else "id"
    return (f"SELECT {columns} FROM invoice WHERE vendor = {{}} AND lower(number) LIKE {{}} ESCAPE '!'",
            [vendor_id, f"%{escaped}%"])


def _amount_part(vendor_id: int, q: str, ranked: bool) -> Part | None:
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
    columns = "id, " + _RANKED["amount"] if ranked else "id"
    return ("SELECT " + columns + " FROM " + table + " WHERE vendor = {} AND total IN (" + ", ".join("{}" for _ in totals) + ") AND ("
            + " OR ".join(clauses) + ")", [vendor_id, *totals, *values])


def _parts(vendor_id: int, q: str, ranked: bool = False) -> list[Part]:
    q = q.strip()
    terms = words(q)
    parts = [_words_part(vendor_id, terms, ranked)] if terms else []
    if len(q) >= MIN_NUMBER_PART:
        parts.append(_number_part(vendor_id, q, ranked))
    amount = _amount_part(vendor_id, q, ranked)
    if amount is not None:
        parts.append(amount)
    return parts


def matching(vendor_id: int, q: str) -> WhereRaw:
    """Where-clause for the vendor's invoices that match `q` (punctuation alone matches nothing)."""
    parts = _parts(vendor_id, q)
    if not parts:
        return WhereRaw("1 = 0")
    return WhereRaw("invoice.id IN (" + " UNION ".join(sql for sql, _ in parts) + ")",
                    *[value for _, values in parts for value in values])


Hits = dict[int, tuple[int, float]]  # invoice id -> (tier, score), lower first


def hits_query(vendor_id: int, q: str) -> Raw | None:
    """The vendor's invoices matching `q` with their tier and score, at most RANK_LIMIT + 1 rows (an invoice
    found by two parts comes twice); None when `q` has nothing to look for."""
    parts = _parts(vendor_id, q, ranked=True)
    if not parts:
        return None
    # No GROUP BY or ORDER BY: the rows stream, so a broad query stops at the limit instead of scoring every hit.
    # CROSS JOIN keeps SQLite reading the hits first and each invoice by key (the number index has every vendor's).
    sql = ("SELECT part.id, part.tier, part.score FROM (" + " UNION ALL ".join(sql for sql, _ in parts)
           + ") AS part CROSS JOIN invoice WHERE invoice.id = part.id AND invoice.vendor = {} LIMIT {}")
    return Invoice.raw(sql, *[value for _, values in parts for value in values], vendor_id, RANK_LIMIT + 1)


async def hits(vendor_id: int, q: str) -> Hits | None:
    """Every invoice of the vendor matching `q` with its rank, read once from the indexes; None past RANK_LIMIT."""
    query = hits_query(vendor_id, q)
    rows = await query if query is not None else []
    if len(rows) > RANK_LIMIT:
        return None
    found: Hits = {}
    for row in rows:
        rank = (row["tier"], float(row["score"] or 0))
        found[row["id"]] = min(rank, found.get(row["id"], rank))
    return found


def ranked(found: Hits, ids: list[int]) -> list[int]:
    """These ids (all in `found`) best first, the newest invoice first among equals."""
    return sorted(ids, key=lambda invoice_id: (*found[invoice_id], -invoice_id))
