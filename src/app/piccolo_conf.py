"""Piccolo's engine, picked from DATABASE_URL: SQLite by default, PostgreSQL for scale."""

from piccolo.conf.apps import AppRegistry
from app.db import PooledPostgresEngine, PooledReadsSQLiteEngine
from app.settings import get_settings


def _engine():
    settings = get_settings()
    if settings.is_postgres:
        return PooledPostgresEngine(config={"dsn": settings.database_url})
    # timeout is SQLite's busy timeout in seconds: writers wait instead of failing at once.
    return PooledReadsSQLiteEngine(path=str(settings.sqlite_path), timeout=10)


DB = _engine()
APP_REGISTRY = AppRegistry(apps=["app.piccolo_app"])
