"""SQLite state of the sandbox: Stripe objects as JSON documents plus keys, idempotency, links and deliveries."""

from __future__ import annotations

import json
import secrets
import sqlite3
import string
import threading
import time
from typing import Any, Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    account TEXT NOT NULL,
    created INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS objects_list ON objects (type, account, created DESC, seq DESC);
CREATE TABLE IF NOT EXISTS api_keys (
    key TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    account TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (account, key)
);
CREATE TABLE IF NOT EXISTS account_links (
    token TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    refresh_url TEXT NOT NULL,
    return_url TEXT NOT NULL,
    created INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    completed_at INTEGER
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_attempt_at REAL,
    last_status INTEGER,
    last_error TEXT,
    drop_first INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    due_at REAL NOT NULL,
    done_at REAL
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (done_at, due_at);
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

_ALPHABET = string.ascii_letters + string.digits


def random_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id such as pi_3Pq..."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def now() -> int:
    """Unix seconds, the unit of every Stripe timestamp."""
    return int(time.time())


class Store:
    """One SQLite connection guarded by a lock; every method is a short transaction."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.row_factory = sqlite3.Row
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    def transaction(self) -> _Transaction:
        """Context manager: BEGIN IMMEDIATE ... COMMIT, so a multi-object change lands whole or not at all."""
        return _Transaction(self)

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """Run one statement under the lock."""
        with self._lock:
            return self._db.execute(sql, args)

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Run a SELECT and fetch all rows."""
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def reset(self) -> None:
        """Drop every row of every table."""
        with self._lock:
            for table in ("objects", "api_keys", "idempotency", "account_links", "deliveries", "jobs", "settings"):
                self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    # Objects

    def put(self, obj: dict[str, Any], *, account: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        """Insert or replace an API object, keeping its first position in list order."""
        existing = self.query("SELECT seq, meta FROM objects WHERE id = ?", (obj["id"],))
        if existing:
            merged_meta = json.loads(existing[0]["meta"])
            merged_meta.update(meta or {})
            self.execute(
                "UPDATE objects SET data = ?, meta = ? WHERE id = ?",
                (json.dumps(obj), json.dumps(merged_meta), obj["id"]),
            )
        else:
            self.execute(
                "INSERT INTO objects (id, type, account, created, seq, data, meta) "
                "VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM objects), ?, ?)",
                (obj["id"], obj["object"], account, obj.get("created") or now(), json.dumps(obj), json.dumps(meta or {})),
            )
        return obj

    def get(self, object_id: str, *, type: str | None = None) -> dict[str, Any] | None:  # noqa: A002
        """One object's JSON, or None."""
        row = self._row(object_id, type)
        return json.loads(row["data"]) if row else None

    def get_with_meta(self, object_id: str) -> tuple[dict[str, Any], dict[str, Any], str] | None:
        """An object's JSON, its private meta and its owning account."""
        row = self._row(object_id, None)
        if row is None:
            return None
        return json.loads(row["data"]), json.loads(row["meta"]), row["account"]

    def meta(self, object_id: str) -> dict[str, Any]:
        """The private, non-API fields kept beside an object."""
        row = self._row(object_id, None)
        return json.loads(row["meta"]) if row else {}

    def owner(self, object_id: str) -> str | None:
        """The account an object lives on."""
        row = self._row(object_id, None)
        return row["account"] if row else None

    def _row(self, object_id: str, type: str | None) -> sqlite3.Row | None:  # noqa: A002
        rows = self.query("SELECT * FROM objects WHERE id = ?", (object_id,))
        if not rows or (type and rows[0]["type"] != type):
            return None
        return rows[0]

    def delete(self, object_id: str) -> None:
        """Remove an object."""
        self.execute("DELETE FROM objects WHERE id = ?", (object_id,))

    def rows(self, type: str, *, account: str | None = None, where: str = "", args: tuple[Any, ...] = ()) -> Iterator[sqlite3.Row]:  # noqa: A002
        """Rows of one type, newest first, optionally on one account and with an extra SQL condition."""
        sql = "SELECT * FROM objects WHERE type = ?"
        params: list[Any] = [type]
        if account is not None:
            sql += " AND account = ?"
            params.append(account)
        if where:
            sql += f" AND ({where})"
            params.extend(args)
        sql += " ORDER BY created DESC, seq DESC"
        return iter(self.query(sql, tuple(params)))

    # Settings

    def setting(self, name: str, default: Any = None) -> Any:
        """A JSON setting (webhook switches and the like)."""
        rows = self.query("SELECT value FROM settings WHERE name = ?", (name,))
        return json.loads(rows[0]["value"]) if rows else default

    def set_setting(self, name: str, value: Any) -> None:
        """Store a JSON setting."""
        self.execute(
            "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, json.dumps(value)),
        )


class _Transaction:
    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> Store:
        self.store._lock.acquire()
        # Nested use joins the outer transaction instead of failing on a second BEGIN.
        self.outer = not self.store._db.in_transaction
        if self.outer:
            self.store._db.execute("BEGIN IMMEDIATE")
        return self.store

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if self.outer:
                self.store._db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store._lock.release()
