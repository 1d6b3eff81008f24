from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder
from piccolo.table import Table

ID = "2026-12-04T10:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "team: members and roles, invitations, activity actors, audit log, closed vendors"

INDEXES = {
    "membership_user_vendor_key": "UNIQUE INDEX IF NOT EXISTS membership_user_vendor_key ON membership (\"user\", vendor)",
}


class Vendor(Table, tablename="vendor", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


class User(Table, tablename="app_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


class _Manager(MigrationManager):
    """Piccolo runs raw steps before it adds tables; the index and the owners' memberships need the tables."""

    after_tables = None

    async def run(self, backwards: bool = False):
        await super().run(backwards=backwards)
        if not backwards and self.after_tables is not None:
            await self.after_tables()


def _base(**params):
    return {"null": False, "primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
            "choices": None, "db_column_name": None, "secret": False, **params}


def _fk(references, on_delete):
    return _base(references=references, on_delete=on_delete, on_update=OnUpdate.cascade, target_column=None,
                 index=True)


def _add(manager, table, tablename, name, cls, params):
    manager.add_column(table_class_name=table, tablename=tablename, column_name=name, db_column_name=name,
                       column_class_name=cls.__name__, column_class=cls, params=params, schema=None)


async def forwards():
    manager = _Manager(migration_id=ID, app_name="payport", description=DESCRIPTION)
    manager.add_table(class_name="Membership", tablename="membership", schema=None, columns=None)
    manager.add_table(class_name="Invitation", tablename="invitation", schema=None, columns=None)
    manager.add_table(class_name="AuditEntry", tablename="audit_entry", schema=None, columns=None)

    m = ("Membership", "membership")
    _add(manager, *m, "user", ForeignKey, _fk(User, OnDelete.cascade))
    _add(manager, *m, "vendor", ForeignKey, _fk(Vendor, OnDelete.restrict))
    _add(manager, *m, "role", Varchar, _base(default="staff", length=16))
    _add(manager, *m, "name", Varchar, _base(default="", length=120))
    _add(manager, *m, "created_at", Timestamptz, _base(default=TimestamptzNow()))

    i = ("Invitation", "invitation")
    _add(manager, *i, "vendor", ForeignKey, _fk(Vendor, OnDelete.restrict))
    _add(manager, *i, "email", Varchar, _base(default="", length=254))
    _add(manager, *i, "role", Varchar, _base(default="staff", length=16))
    _add(manager, *i, "nonce", Varchar, _base(default="", length=64, unique=True))
    _add(manager, *i, "invited_by", Varchar, _base(default="", length=120))
    _add(manager, *i, "expires_at", Timestamptz, _base(default=TimestamptzNow()))
    _add(manager, *i, "accepted_at", Timestamptz, _base(default=None, null=True))
    _add(manager, *i, "revoked_at", Timestamptz, _base(default=None, null=True))
    _add(manager, *i, "created_at", Timestamptz, _base(default=TimestamptzNow()))

    a = ("AuditEntry", "audit_entry")
    _add(manager, *a, "vendor", ForeignKey, _fk(Vendor, OnDelete.restrict))
    _add(manager, *a, "kind", Varchar, _base(default="", length=24, index=True))
    _add(manager, *a, "actor", Varchar, _base(default="", length=254))
    _add(manager, *a, "message", Varchar, _base(default="", length=500))
    _add(manager, *a, "address", Varchar, _base(default="", length=64))
    _add(manager, *a, "data", JSON, _base(default="{}"))
    _add(manager, *a, "created_at", Timestamptz, _base(default=TimestamptzNow(), index=True))

    _add(manager, "InvoiceActivity", "invoice_activity", "actor", Varchar, _base(default="", length=120))
    _add(manager, "Vendor", "vendor", "closed_at", Timestamptz, _base(default=None, null=True))

    async def after_tables():
        engine = engine_finder()
        for definition in INDEXES.values():
            await engine.run_ddl(f"CREATE {definition}")
        # Every existing vendor's user becomes its owner, named after the part of the email before the @.
        await engine.run_ddl(
            "INSERT INTO membership (\"user\", vendor, role, name, created_at) "
            "SELECT u.id, u.vendor, 'owner', '', u.created_at FROM app_user u "
            "WHERE NOT EXISTS (SELECT 1 FROM membership m WHERE m.\"user\" = u.id AND m.vendor = u.vendor)")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw_backwards(drop_indexes)
    manager.after_tables = after_tables
    return manager
