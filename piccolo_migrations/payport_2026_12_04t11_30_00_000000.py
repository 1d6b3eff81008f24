"""Full-text search over invoices, kept in step by triggers in the same transaction as every write.

One document per invoice: its number, its customer's name and email, its notes and its line descriptions. Both
engines split it into the same tokens (runs of letters and digits, lower-cased, accents kept), so a query finds the
same invoices on either; partial invoice numbers match by trigrams. SQLite: two FTS5 tables whose rowid is the
invoice id. PostgreSQL: a tsvector per invoice in `invoice_search` (GIN on vendor and document, with btree_gin) and
a trigram GIN index on the invoice number (pg_trgm; both extensions are trusted, so a database owner may add them).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-04T11:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search: invoice full-text search (FTS5 / tsvector) and trigram numbers"

# The document of invoice i (joined to its customer c), the same text on both engines.
DOC = """coalesce(i.number, '') || ' ' || coalesce(c.name, '') || ' ' || coalesce(c.email, '') || ' ' ||
coalesce(i.notes, '') || ' ' || coalesce((SELECT {concat} FROM invoice_line l WHERE l.invoice = i.id), '')"""

SQLITE_DOC = DOC.format(concat="group_concat(l.description, ' ')")
SQLITE_REINDEX = """DELETE FROM invoice_search WHERE rowid = {id};
  INSERT INTO invoice_search(rowid, vendor, body)
    SELECT i.id, i.vendor, """ + SQLITE_DOC + """ FROM invoice i LEFT JOIN customer c ON c.id = i.customer WHERE i.id = {id};"""
SQLITE_NUMBER = """DELETE FROM invoice_number_search WHERE rowid = {id};
  INSERT INTO invoice_number_search(rowid, number) SELECT i.id, coalesce(i.number, '') FROM invoice i WHERE i.id = {id};"""

SQLITE = [
    "CREATE VIRTUAL TABLE invoice_search USING fts5(vendor UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE invoice_number_search USING fts5(number, tokenize = 'trigram')",
    "CREATE TRIGGER invoice_search_ai AFTER INSERT ON invoice BEGIN "
    + SQLITE_REINDEX.format(id="new.id") + SQLITE_NUMBER.format(id="new.id") + " END",
    "CREATE TRIGGER invoice_search_au AFTER UPDATE OF number, notes, customer ON invoice BEGIN "
    + SQLITE_REINDEX.format(id="new.id") + SQLITE_NUMBER.format(id="new.id") + " END",
    "CREATE TRIGGER invoice_search_ad AFTER DELETE ON invoice BEGIN "
    "DELETE FROM invoice_search WHERE rowid = old.id; DELETE FROM invoice_number_search WHERE rowid = old.id; END",
    "CREATE TRIGGER invoice_line_search_ai AFTER INSERT ON invoice_line BEGIN "
    + SQLITE_REINDEX.format(id="new.invoice") + " END",
    "CREATE TRIGGER invoice_line_search_au AFTER UPDATE OF description, invoice ON invoice_line BEGIN "
    + SQLITE_REINDEX.format(id="old.invoice") + SQLITE_REINDEX.format(id="new.invoice") + " END",
    "CREATE TRIGGER invoice_line_search_ad AFTER DELETE ON invoice_line BEGIN "
    + SQLITE_REINDEX.format(id="old.invoice") + " END",
    "CREATE TRIGGER customer_search_au AFTER UPDATE OF name, email ON customer BEGIN "
    "DELETE FROM invoice_search WHERE rowid IN (SELECT id FROM invoice WHERE customer = new.id); "
    "INSERT INTO invoice_search(rowid, vendor, body) SELECT i.id, i.vendor, " + SQLITE_DOC
    + " FROM invoice i LEFT JOIN customer c ON c.id = i.customer WHERE i.customer = new.id; END",
    "INSERT INTO invoice_search(rowid, vendor, body) SELECT i.id, i.vendor, " + SQLITE_DOC
    + " FROM invoice i LEFT JOIN customer c ON c.id = i.customer",
    "INSERT INTO invoice_number_search(rowid, number) SELECT id, coalesce(number, '') FROM invoice",
]
SQLITE_BACK = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in (
        "invoice_search_ai", "invoice_search_au", "invoice_search_ad", "invoice_line_search_ai",
        "invoice_line_search_au", "invoice_line_search_ad", "customer_search_au")),
    "DROP TABLE IF EXISTS invoice_search",
    "DROP TABLE IF EXISTS invoice_number_search",
]

PG_DOC = DOC.format(concat="string_agg(l.description, ' ' ORDER BY l.id)")
PG = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE TABLE invoice_search (invoice_id integer PRIMARY KEY REFERENCES invoice(id) ON DELETE CASCADE, "
    "vendor integer NOT NULL, doc tsvector NOT NULL)",
    "CREATE INDEX invoice_search_doc_idx ON invoice_search USING gin (vendor, doc)",
    "CREATE INDEX invoice_number_trgm_idx ON invoice USING gin (vendor, lower(number) gin_trgm_ops)",
    # The same tokens as FTS5's unicode61: every run of letters and digits, lower-cased by the 'simple' config.
    """CREATE FUNCTION payport_reindex_invoices(ids integer[]) RETURNS void LANGUAGE sql AS $$
      INSERT INTO invoice_search (invoice_id, vendor, doc)
        SELECT i.id, i.vendor, to_tsvector('simple', regexp_replace(""" + PG_DOC + """, '[^[:alnum:]]+', ' ', 'g'))
        FROM invoice i LEFT JOIN customer c ON c.id = i.customer WHERE i.id = ANY(ids)
      ON CONFLICT (invoice_id) DO UPDATE SET vendor = EXCLUDED.vendor, doc = EXCLUDED.doc
    $$""",
    """CREATE FUNCTION payport_search_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM payport_reindex_invoices(ARRAY[NEW.id]); RETURN NULL; END $$""",
    """CREATE FUNCTION payport_search_line() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN PERFORM payport_reindex_invoices(ARRAY[OLD.invoice]);
        ELSIF TG_OP = 'UPDATE' THEN PERFORM payport_reindex_invoices(ARRAY[OLD.invoice, NEW.invoice]);
        ELSE PERFORM payport_reindex_invoices(ARRAY[NEW.invoice]); END IF;
        RETURN NULL;
      END $$""",
    """CREATE FUNCTION payport_search_customer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM payport_reindex_invoices(ARRAY(SELECT id FROM invoice WHERE customer = NEW.id));
        RETURN NULL;
      END $$""",
    "CREATE TRIGGER invoice_search_ai AFTER INSERT ON invoice FOR EACH ROW EXECUTE FUNCTION payport_search_invoice()",
    "CREATE TRIGGER invoice_search_au AFTER UPDATE OF number, notes, customer ON invoice FOR EACH ROW "
    "EXECUTE FUNCTION payport_search_invoice()",
    "CREATE TRIGGER invoice_line_search AFTER INSERT OR UPDATE OF description, invoice OR DELETE ON invoice_line "
    "FOR EACH ROW EXECUTE FUNCTION payport_search_line()",
    "CREATE TRIGGER customer_search_au AFTER UPDATE OF name, email ON customer FOR EACH ROW "
    "EXECUTE FUNCTION payport_search_customer()",
    "SELECT payport_reindex_invoices(ARRAY(SELECT id FROM invoice))",
]
PG_BACK = [
    "DROP TRIGGER IF EXISTS customer_search_au ON customer",
    "DROP TRIGGER IF EXISTS invoice_line_search ON invoice_line",
    "DROP TRIGGER IF EXISTS invoice_search_au ON invoice",
    "DROP TRIGGER IF EXISTS invoice_search_ai ON invoice",
    "DROP FUNCTION IF EXISTS payport_search_customer(), payport_search_line(), payport_search_invoice(), "
    "payport_reindex_invoices(integer[])",
    "DROP INDEX IF EXISTS invoice_number_trgm_idx",
    "DROP TABLE IF EXISTS invoice_search",
]


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
