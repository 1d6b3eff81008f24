from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder
from piccolo.table import Table

ID = "2026-12-04T10:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "safety: email tokens, email verification, two-factor, recovery codes, session details"


class User(Table, tablename="app_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _add(manager, table, tablename, name, cls, params):
    manager.add_column(
        table_class_name=table, tablename=tablename, column_name=name, db_column_name=name,
        column_class_name=cls.__name__, column_class=cls,
        params={"null": False, "primary_key": False, "unique": False, "index": False, **params},
        schema=None,
    )


def _user_fk(manager, table, tablename):
    _add(manager, table, tablename, "user", ForeignKey, {
        "references": User, "on_delete": OnDelete.cascade, "on_update": OnUpdate.cascade, "target_column": None,
        "index": True, "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False})


class _Manager(MigrationManager):
    """Runs the backfill once the columns exist."""

    async def run(self, backwards: bool = False):
        await super().run(backwards=backwards)
        if not backwards:
            # Vendors that signed up before verification existed count as verified.
            await engine_finder().run_ddl("UPDATE app_user SET email_verified = TRUE")


async def forwards():
    manager = _Manager(migration_id=ID, app_name="payport", description=DESCRIPTION)
    _add(manager, "Vendor", "vendor", "require_two_factor", Boolean, {"default": False})
    _add(manager, "User", "app_user", "email_verified", Boolean, {"default": False})
    _add(manager, "User", "app_user", "totp_secret", Text, {"default": ""})
    _add(manager, "User", "app_user", "totp_enabled_at", Timestamptz, {"default": None, "null": True})
    _add(manager, "User", "app_user", "password_changed_at", Timestamptz, {"default": None, "null": True})
    _add(manager, "SessionRecord", "session_record", "user_id", Integer, {"default": None, "null": True, "index": True})
    _add(manager, "SessionRecord", "session_record", "user_agent", Varchar, {"default": "", "length": 300})
    _add(manager, "SessionRecord", "session_record", "address", Varchar, {"default": "", "length": 64})
    _add(manager, "SessionRecord", "session_record", "created_at", Timestamptz, {"default": None, "null": True})
    _add(manager, "SessionRecord", "session_record", "last_seen_at", Timestamptz, {"default": None, "null": True})

    manager.add_table(class_name="AccountToken", tablename="account_token", schema=None, columns=None)
    _user_fk(manager, "AccountToken", "account_token")
    _add(manager, "AccountToken", "account_token", "purpose", Varchar, {"default": "", "length": 16})
    _add(manager, "AccountToken", "account_token", "token_hash", Varchar, {"default": "", "length": 64, "unique": True})
    _add(manager, "AccountToken", "account_token", "new_email", Varchar, {"default": "", "length": 254})
    _add(manager, "AccountToken", "account_token", "expires_at", Timestamptz, {"default": TimestamptzNow()})
    _add(manager, "AccountToken", "account_token", "used_at", Timestamptz, {"default": None, "null": True})
    _add(manager, "AccountToken", "account_token", "created_at", Timestamptz, {"default": TimestamptzNow()})

    manager.add_table(class_name="RecoveryCode", tablename="recovery_code", schema=None, columns=None)
    _user_fk(manager, "RecoveryCode", "recovery_code")
    _add(manager, "RecoveryCode", "recovery_code", "code_hash", Varchar, {"default": "", "length": 64, "unique": True})
    _add(manager, "RecoveryCode", "recovery_code", "used_at", Timestamptz, {"default": None, "null": True})
    _add(manager, "RecoveryCode", "recovery_code", "created_at", Timestamptz, {"default": TimestamptzNow()})
    return manager
