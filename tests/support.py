"""Test support shared by unit and e2e suites: a fresh database per run, free ports."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _run(coro_fn, *args) -> None:
    # A thread of its own: Playwright's sync API keeps an event loop running in the test thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(coro_fn(*args))).result()


def fresh_database_url(tmp_dir: Path, label: str) -> tuple[str, callable]:
    """A brand-new empty database like DATABASE_URL's kind; returns (url, drop)."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        name = f"payport_{label}_{uuid.uuid4().hex[:8]}"
        _run(_admin, base, f'CREATE DATABASE "{name}"')
        return _with_database(base, name), lambda: _run(_admin, base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    path = tmp_dir / f"{label}.sqlite3"
    return f"sqlite:///{path}", lambda: None


def chromium_launch_args() -> dict:
    """Debian's chromium when present (Playwright cannot download its own here)."""
    if Path("/usr/bin/chromium").exists():
        return {"executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}
    return {"args": CHROMIUM_ARGS}
