"""Invoice search: every word a prefix of the document's words, partial numbers by trigrams, kept in step by the
database on every write. The expectations are the same on SQLite (FTS5) and PostgreSQL (tsvector): the suite
runs on both, so the two engines answer this fixed corpus alike."""

import re

import pytest

from app.db import is_sqlite
from app.services.customers import update_customer
from app.services.invoices.editor import check_draft, update_invoice
from app.services.invoices.listing import ListQuery, base_where, list_invoices
from app.services.invoices.lifecycle import send_invoice
from app.tables.invoices import Invoice
from tests import factories


@pytest.fixture
async def corpus(vendor, other_vendor):
    v = vendor.vendor_id
    ana = await factories.customer(v, "Ana Lima", "ana@lima-design.example")
    elodie = await factories.customer(v, "Élodie Durand", "compta@durand.example", "EUR")
    tokyo = await factories.customer(v, "東京茶舗", "kaikei@tokyotea.example", "JPY")
    ids = {
        "logo": await factories.invoice(v, ana.id, lines=[("Logo design", "1", "800.00", "0"),
                                                         ("Brand guidelines", "1", "400.00", "0")]),
        "hosting": await factories.invoice(v, ana.id, notes="Annual hosting renewal, thank you!",
                                           lines=[("Web hosting (12 months)", "1", "120.00", "0")]),
        "audit": await factories.invoice(v, elodie.id, currency="EUR",
                                         lines=[("Audit comptable", "1", "1500.00", "0")]),
        "tea": await factories.invoice(v, tokyo.id, currency="JPY", lines=[("煎茶 Sencha", "4", "1250", "0")]),
    }
    for key in ("logo", "audit"):
        await send_invoice(v, ids[key], "manual")
    # Another vendor with the same words: never in this vendor's results.
    theirs = await factories.customer(other_vendor.vendor_id, "Ana Lima", "ana@lima-design.example")
    ids["theirs"] = await factories.invoice(other_vendor.vendor_id, theirs.id, lines=[("Logo design", "1", "5", "0")])
    return ids


async def found(vendor_id: int, q: str) -> set[int]:
    result = await list_invoices(vendor_id, "UTC", ListQuery(q=q))
    return {row["id"] for row in result.rows}


async def number_of(invoice_id: int) -> str:
    return (await Invoice.select(Invoice.number).where(Invoice.id == invoice_id).first())["number"]


@pytest.mark.parametrize(("q", "expected"), [
    ("lima", {"logo", "hosting"}),  # customer name
    ("LIM", {"logo", "hosting"}),  # a prefix, any case
    ("lima-design", {"logo", "hosting"}),  # the email, split at punctuation like the document
    ("logo brand", {"logo"}),  # every word must match, in any line
    ("brand logo", {"logo"}),
    ("renewal", {"hosting"}),  # notes
    ("hosting 12", {"hosting"}),
    ("élodie", {"audit"}),  # accents kept, case folded
    ("compta", {"audit"}),
    ("durand audit", {"audit"}),
    ("東京茶舗", {"tea"}),
    ("sencha", {"tea"}),
    ("design", {"logo", "hosting"}),  # "lima-design" in Ana's email: both of her invoices
    ("nothing-like-this", set()),
    ("!!", set()),  # punctuation alone finds nothing rather than everything
])
async def test_words_find_the_same_invoices_on_either_engine(vendor, corpus, q, expected):
    assert await found(vendor.vendor_id, q) == {corpus[key] for key in expected}


async def test_part_of_a_number_finds_the_invoice(vendor, corpus):
    number = await number_of(corpus["logo"])  # e.g. INV-0001: sent invoices have numbers
    assert number
    assert corpus["logo"] in await found(vendor.vendor_id, number[-3:])
    assert corpus["logo"] in await found(vendor.vendor_id, number.lower())
    assert corpus["audit"] not in await found(vendor.vendor_id, number)


async def test_edits_are_searchable_at_once(vendor, corpus):
    v = vendor.vendor_id
    clean = await check_draft(v, "UTC", factories.draft(
        (await Invoice.select(Invoice.customer).where(Invoice.id == corpus["hosting"]).first())["customer"],
        lines=[("Server maintenance", "1", "90.00", "0")]))
    await update_invoice(v, corpus["hosting"], clean)
    assert await found(v, "maintenance") == {corpus["hosting"]}
    assert await found(v, "hosting") == set()  # the old line and notes are gone from the index

    customers = await Invoice.select(Invoice.customer).where(Invoice.id == corpus["audit"]).first()
    await update_customer(v, customers["customer"], {"name": "Durand & Fils", "email": "compta@durand.example",
                                                     "currency": "EUR"})
    assert await found(v, "fils") == {corpus["audit"]}
    assert await found(v, "élodie") == set()


async def test_another_vendor_never_matches(other_vendor, corpus):
    assert await found(other_vendor.vendor_id, "lima") == {corpus["theirs"]}
    assert await found(other_vendor.vendor_id, "renewal") == set()


async def _plan(sql: str) -> list[str]:
    if is_sqlite():
        return [row["detail"] for row in await Invoice.raw("EXPLAIN QUERY PLAN " + sql)]
    # A few rows are cheaper to read whole: forbid sequential scans to see whether an index serves the query.
    async with Invoice._meta.db.transaction():
        await Invoice.raw("SET LOCAL enable_seqscan = off")
        return [row["QUERY PLAN"] for row in await Invoice.raw("EXPLAIN " + sql)]


@pytest.mark.parametrize("q", ["lima", "logo brand", "0001", "150.00", "東京"])
async def test_a_search_reads_indexes_not_tables(vendor, corpus, q):
    query = Invoice.select(Invoice.id).where(base_where(vendor.vendor_id, ListQuery(q=q), "UTC"))
    plan = "\n".join(await _plan(str(query)))
    assert not re.search(r"\bSCAN (invoice|invoice_line|customer)\b|Seq Scan", plan), plan
    assert "invoice_search" in plan
