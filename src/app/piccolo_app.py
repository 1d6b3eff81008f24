"""Piccolo app config: every table module, migrations in the top-level piccolo_migrations/."""

from piccolo.conf.apps import AppConfig, table_finder

from app.settings import PROJECT_ROOT

TABLE_MODULES = [
    "app.tables.vendors",
    "app.tables.sessions",
    "app.tables.customers",
    "app.tables.invoices",
    "app.tables.payments",
    "app.tables.mail",
    "app.tables.credits",
    "app.tables.tax",
    "app.tables.quotes",
    "app.tables.autopay",
    "app.tables.portal",
    "app.tables.recurring",
    "app.tables.api",
    "app.tables.security",
    "app.tables.members",
    "app.tables.audit",
]

APP_CONFIG = AppConfig(
    app_name="payport",
    migrations_folder_path=str(PROJECT_ROOT / "piccolo_migrations"),
    table_classes=table_finder(modules=TABLE_MODULES, exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
