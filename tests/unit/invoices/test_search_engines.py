"""Invoice search answers a fixed corpus of queries with the same invoices on SQLite (FTS5) and PostgreSQL
(tsvector and trigrams): one expected list, run on each engine (CI runs the unit suite on both). It ranks the best
match first, never shows another vendor's invoices, reads the indexes rather than the tables, and treats text that
would be full-text syntax (quotes, `*`, OR, `-`, parentheses) as plain words, never as an error."""

import re

import pytest

from app.db import is_sqlite
from app.services.invoices.listing import ListQuery, list_invoices, parse_query
from app.services.invoices import search
from app.tables.customers import Customer
from app.tables.invoices import Invoice
from tests import factories

NUMBERS = {"logo": "INV-2026-0042", "hosting": "INV-2026-0043", "audit": "INV-2026-0142", "consult": "INV-2025-1042"}


@pytest.fixture
async def corpus(vendor, other_vendor):
    v = vendor.vendor_id
    ana = await factories.customer(v, "Ana Lima", "ana@lima-design.example")
    elodie = await factories.customer(v, "Élodie Durand", "compta@durand.example", "EUR")
    tokyo = await factories.customer(v, "東京茶舗", "kaikei@tokyotea.example", "JPY")
    obrien = await factories.customer(v, "O'Brien & Sons", "obrien@sons.example")
    ids = {
        "logo": await factories.invoice(v, ana.id, lines=[("Logo design", "1", "800.00", "0"),
                                                         ("Brand guidelines", "1", "400.00", "0")]),
        "hosting": await factories.invoice(v, ana.id, notes="Annual hosting renewal, thank you!",
                                           lines=[("Web hosting (12 months)", "1", "120.00", "0")]),
        "audit": await factories.invoice(v, elodie.id, currency="EUR",
                                         notes="Réf. client: Müller-Lüdenscheid, follows INV-2026-0043",
                                         lines=[("Audit comptable", "1", "1500.00", "0")]),
        "tea": await factories.invoice(v, tokyo.id, currency="JPY", lines=[("煎茶 Sencha", "4", "1250", "0")]),
        "consult": await factories.invoice(v, obrien.id, notes='Quote "rush" job - no OR yes',
                                           lines=[("C++ consulting (phase 1/2)", "3", "95.00", "0")]),
    }
    for key, number in NUMBERS.items():  # numbers written straight to the row: the trigger reindexes them too
        await Invoice.update({Invoice.number: number, Invoice.status: "sent"}).where(Invoice.id == ids[key])
    # Another vendor with the same words and number: never in this vendor's results.
    theirs = await factories.customer(other_vendor.vendor_id, "Ana Lima", "ana@lima-design.example")
    ids["theirs"] = await factories.invoice(other_vendor.vendor_id, theirs.id, notes="renewal",
                                            lines=[("Logo design", "1", "5", "0")])
    await Invoice.update({Invoice.number: "INV-2026-0042"}).where(Invoice.id == ids["theirs"])
    return ids


CORPUS = [
    # word prefixes, any case, in any field; every word must match (AND)
    ("lima", {"logo", "hosting"}),
    ("LIM", {"logo", "hosting"}),
    ("Lima Design", {"logo", "hosting"}),
    ("logo brand", {"logo"}),
    ("brand   LOGO", {"logo"}),
    ("guidelines", {"logo"}),  # a second line's description
    ("hosting 12", {"hosting"}),
    ("renewal", {"hosting"}),  # notes
    ("durand audit", {"audit"}),
    ("logo renewal", set()),  # two invoices' words, no single invoice with both
    # email, split at punctuation like the document
    ("ana@lima-design.example", {"logo", "hosting"}),
    ("compta@durand", {"audit"}),
    ("kaikei@", {"tea"}),
    # accents and case folded alike on both engines
    ("elodie", {"audit"}),
    ("ÉLODIE", {"audit"}),
    ("Élodie", {"audit"}),
    ("muller", {"audit"}),
    ("Müller-Lüdenscheid", {"audit"}),
    ("ref client", {"audit"}),
    ("東京", {"tea"}),
    ("sencha", {"tea"}),
    # partial invoice numbers (three characters or more) and whole ones, any case
    ("0042", {"logo"}),
    ("042", {"logo", "consult"}),
    ("inv-2026-0042", {"logo"}),
    ("2026-00", {"logo", "hosting", "audit"}),
    ("0043", {"hosting", "audit"}),  # the number, and the notes that name it
    ("inv", {"logo", "hosting", "audit", "consult"}),
    # amounts equal to a total
    ("1,200.00", {"logo"}),
    ("5000", {"tea"}),
    # punctuation and what would be full-text syntax: plain words, never an operator or an error
    ('"lima', {"logo", "hosting"}),
    ("lima*", {"logo", "hosting"}),
    ("(lima)", {"logo", "hosting"}),
    ("-lima", {"logo", "hosting"}),
    ("lima -design", {"logo", "hosting"}),  # "-" is no NOT
    ("lima OR durand", set()),  # "OR" is a word to find, not an operator
    ("no OR yes", {"consult"}),
    ("NEAR(lima design)", set()),
    ("body: lima", set()),
    ("vendor: lima", set()),
    ('"rush" job', {"consult"}),
    ("o'brien", {"consult"}),
    ("c++ phase 1/2", {"consult"}),
    ("'; DROP TABLE invoice; --", set()),
    ("lima:*", {"logo", "hosting"}),
    ("lima & !design | audit", set()),
    ("*", set()),
    ('""', set()),
    ("()", set()),
    ("-", set()),
    ("%%%", set()),
    ("___", set()),
    ("!!", set()),
    ("nothing-like-this", set()),
]


async def found(vendor_id: int, q: str, sort: str = "relevance") -> list[int]:
    result = await list_invoices(vendor_id, "UTC", ListQuery(q=q, sort=sort))
    return [row["id"] for row in result.rows]


async def test_the_corpus_finds_the_same_invoices_on_either_engine(vendor, corpus):
    wrong = {}
    for q, expected in CORPUS:  # one vendor's corpus for every query: a mismatch lists them all at once
        want = {corpus[key] for key in expected}
        ranked = await found(vendor.vendor_id, q)
        by_date = await found(vendor.vendor_id, q, "-issue_date")
        counted = (await list_invoices(vendor.vendor_id, "UTC", ListQuery(q=q))).counts["all"]
        if sorted(ranked) != sorted(want) or set(by_date) != want or counted != len(want):
            wrong[q] = {"want": sorted(want), "ranked": ranked, "by_date": by_date, "counted": counted}
    assert wrong == {}


async def test_syntax_in_the_search_box_is_answered_not_an_error(vendor, corpus):
    for q in (q for q, _ in CORPUS if not q.isalnum()):
        response = await vendor.client.get("/invoices/table", params={"q": q})
        assert response.status_code == 200, q
    response = await vendor.client.get("/invoices", params={"q": '"lima" OR (-durand*)'})
    assert response.status_code == 200 and "INV-2026-0042" not in response.text


async def test_the_best_match_comes_first(vendor, corpus):
    assert (await found(vendor.vendor_id, "0043"))[0] == corpus["hosting"]  # its number before a mention
    assert (await found(vendor.vendor_id, "design"))[0] == corpus["logo"]  # in a line and the email
    assert parse_query({"q": "lima"}).sort == "relevance"  # a search's default order
    assert parse_query({"q": "lima", "sort": "-total"}).sort == "-total"
    assert parse_query({"sort": "relevance"}).sort == "-issue_date"  # nothing to rank without a search


async def test_the_vendor_filter_always_applies(other_vendor, corpus):
    theirs = other_vendor.vendor_id
    for q in ("lima", "renewal", "0042", "inv-2026-0042", "logo design", "ana@lima-design.example"):
        assert await found(theirs, q) == [corpus["theirs"]], q
    for q in ("durand", "0043", "東京", "guidelines", "5000"):
        assert await found(theirs, q) == [], q
    page = await other_vendor.client.get("/invoices/table", params={"q": "inv"})
    assert page.status_code == 200
    assert "INV-2026-0043" not in page.text and "INV-2026-0042" in page.text


async def test_customer_and_line_changes_are_searchable_at_once(vendor, corpus):
    customer = (await Invoice.select(Invoice.customer).where(Invoice.id == corpus["consult"]).first())["customer"]
    await Customer.update({Customer.email: "ap@fitzgerald.example"}).where(Customer.id == customer)
    assert await found(vendor.vendor_id, "fitzgerald") == [corpus["consult"]]
    assert await found(vendor.vendor_id, "obrien@sons") == []


async def _plan(sql: str) -> str:
    if is_sqlite():
        return "\n".join(row["detail"] for row in await Invoice.raw("EXPLAIN QUERY PLAN " + sql))
    # A few rows are cheaper to read whole: forbid sequential scans to see whether an index serves the query.
    async with Invoice._meta.db.transaction():
        await Invoice.raw("SET LOCAL enable_seqscan = off")
        return "\n".join(row["QUERY PLAN"] for row in await Invoice.raw("EXPLAIN " + sql))


@pytest.mark.parametrize("q", ["lima", "logo brand", "0042", "1,200.00", "élodie"])
async def test_the_ranked_search_reads_indexes_not_tables(vendor, corpus, q):
    plan = await _plan(str(search.hits_query(vendor.vendor_id, q)))
    assert not re.search(r"\bSCAN (invoice|invoice_line|customer)\b|Seq Scan on (invoice|invoice_line|customer)\b",
                         plan), plan
    assert "invoice_search" in plan or "trgm" in plan or "invoice_number_search" in plan


async def test_a_broad_search_lists_newest_first_and_counts_every_match(vendor, corpus, monkeypatch):
    monkeypatch.setattr(search, "RANK_LIMIT", 2)  # "inv" finds four invoices: too many to rank
    result = await list_invoices(vendor.vendor_id, "UTC", ListQuery(q="inv", sort="relevance"))
    assert result.counts["all"] == 4 and len(result.rows) == 4
    dates = [(row["issue_date"], row["id"]) for row in result.rows]
    assert dates == sorted(dates, reverse=True)
    assert await found(vendor.vendor_id, "lima") != []  # two are still ranked
