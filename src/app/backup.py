"""`payport backup` and `payport restore`: a consistent copy of the whole database, and loading one into an empty one.

SQLite uses its online backup API (a consistent snapshot while the app keeps writing); PostgreSQL uses pg_dump's
custom format (one snapshot transaction) and pg_restore. The file's first bytes say which kind it is.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
from pathlib import Path

import asyncpg

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client (Debian: apt-get install "
                          "postgresql-client) in the version of the server or newer.")
    return found


def _run(args: list[str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip() or result.returncode}")


def _sqlite_copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


async def backup_database(url: str, path: Path) -> None:
    """Write a consistent copy of the database at `url` to `path` (which must not exist yet)."""
    if path.exists():
        raise BackupError(f"{path} already exists: choose a new file name, so no backup is overwritten.")
    if _is_postgres(url):
        await asyncio.to_thread(_run, [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                                       f"--file={path}", f"--dbname={url}"])
        return
    source = _sqlite_path(url)
    if not source.exists():
        raise BackupError(f"There is no SQLite database at {source}.")
    await asyncio.to_thread(_sqlite_copy, source, path)


async def table_names(url: str) -> list[str]:
    """The tables that hold data in the database at `url` (none: it is empty)."""
    if _is_postgres(url):
        connection = await asyncpg.connect(url)
        try:
            rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        finally:
            await connection.close()
        return [row["tablename"] for row in rows]
    path = _sqlite_path(url)
    if not path.exists():
        return []
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1").fetchall()
    connection.close()
    return [name for (name,) in rows]


def _kind_of(path: Path) -> str:
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgres"
    raise BackupError(f"{path} is neither a PayPort SQLite backup nor a pg_dump file.")


async def restore_database(url: str, path: Path) -> None:
    """Load the backup at `path` into the database at `url`, which must be empty (no tables at all)."""
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    kind, wanted = _kind_of(path), "postgres" if _is_postgres(url) else "sqlite"
    if kind != wanted:
        raise BackupError(f"{path} is a {kind} backup but DATABASE_URL points at {wanted}: "
                          "restore it into a database of the same kind.")
    existing = await table_names(url)
    if existing:
        shown = ", ".join(existing[:5]) + (", ..." if len(existing) > 5 else "")
        raise BackupError(f"The database is not empty ({len(existing)} tables: {shown}). Restore only into an empty "
                          "database: create a new one and point DATABASE_URL at it. Nothing was changed.")
    if kind == "postgres":
        await asyncio.to_thread(_run, [_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
                                       "--exit-on-error", f"--dbname={url}", str(path)])
        return
    await asyncio.to_thread(_sqlite_copy, path, _sqlite_path(url))
