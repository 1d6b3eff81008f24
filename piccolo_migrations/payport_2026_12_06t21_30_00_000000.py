"""Invoice search folds accents on both engines ("elodie" finds Élodie) and filters the vendor inside the index.

Both engines now strip the combining marks of the canonical decomposition and lower-case, as the query side does
in Python (services/invoices/search.py), so a query finds the same invoices on either. SQLite: `invoice_search`
is rebuilt with `remove_diacritics 2` and its vendor column indexed, so a word common to many vendors is narrowed
to one vendor by the full-text index itself rather than by reading every vendor's matches; the triggers of
2026-12-04T11:30 write the same columns and stay. PostgreSQL: the reindex function folds the document the same
way (normalize NFD, drop U+0300..U+036F, normalize NFC) before `to_tsvector('simple', ...)`.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-06T21:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search20: accent-folded invoice search, vendor filtered inside the SQLite full-text index"

# The document of invoice i (joined to its customer c), as in 2026-12-04T11:30.
DOC = """coalesce(i.number, '') || ' ' || coalesce(c.name, '') || ' ' || coalesce(c.email, '') || ' ' ||
coalesce(i.notes, '') || ' ' || coalesce((SELECT {concat} FROM invoice_line l WHERE l.invoice = i.id), '')"""

SQLITE_DOC = DOC.format(concat="group_concat(l.description, ' ')")
SQLITE_BACKFILL = ("INSERT INTO invoice_search(rowid, vendor, body) SELECT i.id, i.vendor, " + SQLITE_DOC
                   + " FROM invoice i LEFT JOIN customer c ON c.id = i.customer")


def _sqlite(tokenize: str, vendor: str) -> list[str]:
    return [
        "DROP TABLE IF EXISTS invoice_search",
        f"CREATE VIRTUAL TABLE invoice_search USING fts5({vendor}, body, tokenize = '{tokenize}')",
        SQLITE_BACKFILL,
    ]


SQLITE = _sqlite("unicode61 remove_diacritics 2", "vendor")
SQLITE_BACK = _sqlite("unicode61 remove_diacritics 0", "vendor UNINDEXED")

PG_DOC = DOC.format(concat="string_agg(l.description, ' ' ORDER BY l.id)")
PG_FOLDED = r"normalize(regexp_replace(normalize(" + PG_DOC + r", NFD), '[\u0300-\u036f]', '', 'g'), NFC)"


def _pg(document: str) -> list[str]:
    return [
        """CREATE OR REPLACE FUNCTION payport_reindex_invoices(ids integer[]) RETURNS void LANGUAGE sql AS $$
          INSERT INTO invoice_search (invoice_id, vendor, doc)
            SELECT i.id, i.vendor, to_tsvector('simple', regexp_replace(""" + document + """, '[^[:alnum:]]+', ' ', 'g'))
            FROM invoice i LEFT JOIN customer c ON c.id = i.customer WHERE i.id = ANY(ids)
          ON CONFLICT (invoice_id) DO UPDATE SET vendor = EXCLUDED.vendor, doc = EXCLUDED.doc
        $$""",
        "SELECT payport_reindex_invoices(ARRAY(SELECT id FROM invoice))",
    ]


PG = _pg(PG_FOLDED)
PG_BACK = _pg(PG_DOC)


async def _run(statements: list[str]) -> None:
    engine = engine_finder()
    for statement in statements:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)
    sqlite = isinstance(engine_finder(), SQLiteEngine)

    async def run():
        await _run(SQLITE if sqlite else PG)

    async def back():
        await _run(SQLITE_BACK if sqlite else PG_BACK)

    manager.add_raw(run)
    manager.add_raw_backwards(back)
    return manager
