from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Text, Varchar

ID = "2026-12-02T17:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "einv: business details, customer tax details"

VENDOR_TEXT = ("logo_png", "address", "default_notes", "default_footer")
VENDOR_VARCHAR = {"country": 2, "vat_id": 32, "company_number": 64, "phone": 50, "website": 200,
                  "bank_name": 120, "iban": 34, "bic": 11}


def _add(manager, table, tablename, name, cls, params):
    manager.add_column(
        table_class_name=table, tablename=tablename, column_name=name, db_column_name=name,
        column_class_name=cls.__name__, column_class=cls,
        params={"null": False, "primary_key": False, "unique": False, "index": False, **params},
        schema=None,
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payport", description=DESCRIPTION)
    for name in VENDOR_TEXT:
        _add(manager, "Vendor", "vendor", name, Text, {"default": ""})
    for name, length in VENDOR_VARCHAR.items():
        _add(manager, "Vendor", "vendor", name, Varchar, {"default": "", "length": length})
    _add(manager, "Vendor", "vendor", "accent_color", Varchar, {"default": "#4f46e5", "length": 7})
    _add(manager, "Vendor", "vendor", "attach_einvoices", Boolean, {"default": False})
    _add(manager, "Customer", "customer", "country", Varchar, {"default": "", "length": 2})
    _add(manager, "Customer", "customer", "reverse_charge", Boolean, {"default": False})
    return manager
