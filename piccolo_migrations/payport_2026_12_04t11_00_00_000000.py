from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Boolean, ForeignKey, Integer, Numeric, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table
import decimal

ID = "2026-12-04T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "docs18: named tax rates, tax-inclusive prices, rounding mode, document languages"


class Vendor(Table, tablename="vendor", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _add(manager, table, tablename, name, cls, params):
    manager.add_column(
        table_class_name=table, tablename=tablename, column_name=name, db_column_name=name,
        column_class_name=cls.__name__, column_class=cls,
        params={"null": False, "primary_key": False, "unique": False, "index": False, **params},
        schema=None,
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)
    manager.add_table(class_name="TaxRate", tablename="tax_rate", schema=None, columns=None)
    _add(manager, "TaxRate", "tax_rate", "vendor", ForeignKey,
         {"references": Vendor, "on_delete": OnDelete.restrict, "on_update": OnUpdate.cascade,
          "target_column": None, "index": True})
    _add(manager, "TaxRate", "tax_rate", "name", Varchar, {"default": "", "length": 60})
    _add(manager, "TaxRate", "tax_rate", "percent", Numeric, {"default": decimal.Decimal(0), "digits": (7, 4)})
    _add(manager, "TaxRate", "tax_rate", "category", Varchar, {"default": "S", "length": 2})
    _add(manager, "TaxRate", "tax_rate", "is_default", Boolean, {"default": False})
    _add(manager, "TaxRate", "tax_rate", "archived_at", Timestamptz, {"default": None, "null": True})
    _add(manager, "TaxRate", "tax_rate", "created_at", Timestamptz, {"default": TimestamptzNow()})
    _add(manager, "Vendor", "vendor", "tax_rounding", Varchar, {"default": "line", "length": 8})
    _add(manager, "Invoice", "invoice", "prices_include_tax", Boolean, {"default": False})
    _add(manager, "InvoiceLine", "invoice_line", "tax_rate_ref", Integer, {"default": None, "null": True})
    _add(manager, "InvoiceLine", "invoice_line", "tax_category", Varchar, {"default": "", "length": 2})
    _add(manager, "Vendor", "vendor", "language", Varchar, {"default": "en", "length": 5})
    _add(manager, "Customer", "customer", "language", Varchar, {"default": "", "length": 5})
    _add(manager, "Vendor", "vendor", "attach_credit_einvoices", Boolean, {"default": False})
    return manager
