"""Daily sums of money received, kept by triggers in the same transaction as every payment and refund write.

`money_day`: per vendor, UTC day and currency, the net amount received (payments not deleted, less refunds that
count: pending, requires_action, succeeded) and how many such rows made it. A day is a UTC day so no trigger needs
a time zone database (SQLite has none); the dashboard reads whole days from here and the few rows of a day a
vendor's month boundary cuts in two from the payment rows. On PostgreSQL `slot` (the row id mod 8) spreads
concurrent writers of one vendor over 8 rows, so webhooks do not queue on one row lock until commit; SQLite's
writers take turns anyway, so it keeps one slot (fewer rows to read).

`invoice_moves`: per invoice, how many payment and refund rows it ever had and the latest instant among them (both
only grow). "Invoices paid in a month" counts distinct invoices; only invoices with two moves or more can be
counted twice, and this table finds them without reading every payment.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-06T21:05:00"
VERSION = "1.38.0"
DESCRIPTION = "dashboard: daily money sums and per-invoice move counts, kept by triggers"

COUNTED_REFUND = "status IN ('pending', 'requires_action', 'succeeded')"
SLOTS = 8

TABLES = [
    "CREATE TABLE money_day (vendor integer NOT NULL, day date NOT NULL, currency varchar(3) NOT NULL, "
    "slot integer NOT NULL, amount bigint NOT NULL DEFAULT 0, moves integer NOT NULL DEFAULT 0, "
    "PRIMARY KEY (vendor, day, currency, slot)){without_rowid}",
    "CREATE TABLE invoice_moves (invoice integer PRIMARY KEY, vendor integer NOT NULL, moves integer NOT NULL, "
    "last_at timestamp{tz} NOT NULL)",
    "CREATE INDEX invoice_moves_repeat_idx ON invoice_moves (vendor, last_at) WHERE moves > 1",
]


def _backfill(day: str, slot: str) -> list[str]:
    moves = ("SELECT id, vendor, invoice, currency, paid_at AS at, amount, deleted_at IS NULL AS counted FROM payment "
             f"UNION ALL SELECT id, vendor, invoice, currency, created_at, -amount, {COUNTED_REFUND} FROM refund")
    return [
        f"INSERT INTO money_day (vendor, day, currency, slot, amount, moves) SELECT vendor, {day.format('at')}, "
        f"currency, {slot}, SUM(amount), COUNT(*) FROM ({moves}) AS m WHERE counted "
        f"GROUP BY vendor, {day.format('at')}, currency" + ("" if slot == "0" else f", {slot}"),
        f"INSERT INTO invoice_moves (invoice, vendor, moves, last_at) SELECT invoice, MIN(vendor), COUNT(*), MAX(at) "
        f"FROM ({moves}) AS m GROUP BY invoice",
    ]


def _sqlite_add(row: str, at: str, sign: str, step: str, counted: str) -> str:
    # INSERT ... SELECT ... WHERE: the WHERE skips rows that do not count (and settles SQLite's upsert parsing).
    return (f"INSERT INTO money_day (vendor, day, currency, slot, amount, moves) SELECT {row}.vendor, date({row}.{at}), "
            f"{row}.currency, 0, {sign}{row}.amount, {step}1 WHERE {counted} "
            "ON CONFLICT (vendor, day, currency, slot) DO UPDATE SET amount = amount + excluded.amount, "
            "moves = moves + excluded.moves;")


def _sqlite_moves(at: str, step: str) -> str:
    return (f"INSERT INTO invoice_moves (invoice, vendor, moves, last_at) VALUES (new.invoice, new.vendor, {step}, "
            f"new.{at}) ON CONFLICT (invoice) DO UPDATE SET moves = moves + excluded.moves, "
            "last_at = max(last_at, excluded.last_at);")


def _sqlite_triggers(table: str, at: str, sign: str, counted: str) -> list[str]:
    old, new = counted.format(row="old"), counted.format(row="new")
    watched = ("vendor", at, "currency", "amount", "deleted_at" if table == "payment" else "status")
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in watched)
    minus = "-" if sign == "" else ""
    return [
        f"CREATE TRIGGER money_day_{table}_ai AFTER INSERT ON {table} BEGIN "
        + _sqlite_add("new", at, sign, "", new) + _sqlite_moves(at, "1") + " END",
        f"CREATE TRIGGER money_day_{table}_au AFTER UPDATE ON {table} WHEN {changed} BEGIN "
        + _sqlite_add("old", at, minus, "-", old) + _sqlite_add("new", at, sign, "", new) + " END",
        f"CREATE TRIGGER invoice_moves_{table}_au AFTER UPDATE OF invoice, {at} ON {table} "
        f"WHEN old.invoice IS NOT new.invoice OR old.{at} IS NOT new.{at} BEGIN "
        + _sqlite_moves(at, "(old.invoice IS NOT new.invoice)") + " END",
        f"CREATE TRIGGER money_day_{table}_ad AFTER DELETE ON {table} BEGIN " + _sqlite_add("old", at, minus, "-", old)
        + " END",
    ]


SQLITE = [
    *(sql.format(without_rowid=" WITHOUT ROWID", tz="") for sql in TABLES),
    *_sqlite_triggers("payment", "paid_at", "", "{row}.deleted_at IS NULL"),
    *_sqlite_triggers("refund", "created_at", "-", "{row}." + COUNTED_REFUND),
    *_backfill("date({})", "0"),
]

PG_FUNCTIONS = [
    f"""CREATE FUNCTION payport_money_day_add(v integer, at timestamptz, cur varchar, row_id integer, amount bigint,
          moves integer) RETURNS void LANGUAGE sql AS $$
      INSERT INTO money_day (vendor, day, currency, slot, amount, moves)
      VALUES (v, (at AT TIME ZONE 'UTC')::date, cur, row_id % {SLOTS}, amount, moves)
      ON CONFLICT (vendor, day, currency, slot)
      DO UPDATE SET amount = money_day.amount + EXCLUDED.amount, moves = money_day.moves + EXCLUDED.moves $$""",
    """CREATE FUNCTION payport_invoice_moves_add(inv integer, v integer, at timestamptz, step integer)
          RETURNS void LANGUAGE sql AS $$
      INSERT INTO invoice_moves (invoice, vendor, moves, last_at) VALUES (inv, v, step, at)
      ON CONFLICT (invoice) DO UPDATE SET moves = invoice_moves.moves + EXCLUDED.moves,
          last_at = GREATEST(invoice_moves.last_at, EXCLUDED.last_at) $$""",
]


def _pg_trigger(table: str, at: str, sign: str, counted: str) -> list[str]:
    old, new = counted.format(row="OLD"), counted.format(row="NEW")
    watched = ", ".join(f"{{row}}.{c}" for c in ("vendor", at, "currency", "amount",
                                                  "deleted_at" if table == "payment" else "status"))
    minus = "-" if sign == "" else ""
    return [
        f"""CREATE FUNCTION payport_money_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- A save that changes none of the summed columns takes no lock on the summary.
        IF TG_OP = 'UPDATE' AND ({watched.format(row='OLD')}) IS NOT DISTINCT FROM ({watched.format(row='NEW')}) THEN
          NULL;
        ELSE
          IF TG_OP <> 'INSERT' AND {old} THEN
            PERFORM payport_money_day_add(OLD.vendor, OLD.{at}, OLD.currency, OLD.id, {minus}OLD.amount, -1);
          END IF;
          IF TG_OP <> 'DELETE' AND {new} THEN
            PERFORM payport_money_day_add(NEW.vendor, NEW.{at}, NEW.currency, NEW.id, {sign}NEW.amount, 1);
          END IF;
        END IF;
        IF TG_OP = 'INSERT' THEN
          PERFORM payport_invoice_moves_add(NEW.invoice, NEW.vendor, NEW.{at}, 1);
        ELSIF TG_OP = 'UPDATE' AND (OLD.invoice, OLD.{at}) IS DISTINCT FROM (NEW.invoice, NEW.{at}) THEN
          PERFORM payport_invoice_moves_add(NEW.invoice, NEW.vendor, NEW.{at},
                                            CASE WHEN OLD.invoice <> NEW.invoice THEN 1 ELSE 0 END);
        END IF;
        RETURN NULL;
      END $$""",
        f"CREATE TRIGGER money_day_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW "
        f"EXECUTE FUNCTION payport_money_{table}()",
    ]


PG = [
    *(sql.format(without_rowid="", tz=" with time zone") for sql in TABLES),
    *PG_FUNCTIONS,
    *_pg_trigger("payment", "paid_at", "", "{row}.deleted_at IS NULL"),
    *_pg_trigger("refund", "created_at", "-", "{row}." + COUNTED_REFUND),
    *_backfill("(({}) AT TIME ZONE 'UTC')::date", f"id % {SLOTS}"),
]

SQLITE_BACK = [
    *(f"DROP TRIGGER IF EXISTS {kind}_{table}_{when}" for table in ("payment", "refund")
      for kind, when in (("money_day", "ai"), ("money_day", "au"), ("invoice_moves", "au"), ("money_day", "ad"))),
    "DROP TABLE IF EXISTS money_day",
    "DROP TABLE IF EXISTS invoice_moves",
]
PG_BACK = [
    "DROP TRIGGER IF EXISTS money_day_payment ON payment",
    "DROP TRIGGER IF EXISTS money_day_refund ON refund",
    "DROP FUNCTION IF EXISTS payport_money_payment(), payport_money_refund(), "
    "payport_money_day_add(integer, timestamptz, varchar, integer, bigint, integer), "
    "payport_invoice_moves_add(integer, integer, timestamptz, integer)",
    "DROP TABLE IF EXISTS money_day",
    "DROP TABLE IF EXISTS invoice_moves",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)
    sqlite = isinstance(engine_finder(), SQLiteEngine)

    async def run(statements: list[str]) -> None:
        for statement in statements:
            await engine_finder().run_ddl(statement)

    async def create():
        await run(SQLITE if sqlite else PG)

    async def drop():
        await run(SQLITE_BACK if sqlite else PG_BACK)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
