"""Readiness: what a load balancer needs to know before it sends this process traffic, each check bounded in time."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from piccolo.apps.migrations.tables import Migration

from app.live.channels import listener_state
from app.piccolo_app import APP_CONFIG
from app.services.mail.worker import worker_state
from app.settings import get_settings

_MIGRATION_ID = re.compile(r'^ID = "([^"]+)"', re.MULTILINE)


@dataclass(frozen=True)
class Check:
    """One named check's outcome."""

    ok: bool
    detail: str
    ms: float = 0.0


@lru_cache(maxsize=1)
def migration_ids() -> frozenset[str]:
    """The IDs of the migration files shipped with this code (read once: they change only with a deploy)."""
    folder = Path(APP_CONFIG.resolved_migrations_folder_path)
    found = (_MIGRATION_ID.search(path.read_text(encoding="utf-8")) for path in folder.glob("*.py"))
    return frozenset(match.group(1) for match in found if match)


async def _database() -> tuple[Check, Check]:
    """One query answers both: the database is reachable, and which migrations it has applied."""
    rows = await Migration.select(Migration.name).where(Migration.app_name == APP_CONFIG.app_name)
    pending = sorted(migration_ids() - {row["name"] for row in rows})
    migrations = Check(not pending, f"{len(pending)} pending: {', '.join(pending)}" if pending else "all applied")
    return Check(True, "reachable"), migrations


async def _timed(probe: Callable[[], Awaitable[tuple[Check, ...]]], names: tuple[str, ...]) -> dict[str, Check]:
    started, bound = time.perf_counter(), get_settings().ready_check_seconds  # slower than the bound: failed
    try:
        async with asyncio.timeout(bound):
            results = await probe()
    except TimeoutError:
        results = tuple(Check(False, f"no answer within {bound * 1000:.0f} ms") for _ in names)
    except Exception as exc:  # a probe reports failures, it never raises them
        results = tuple(Check(False, f"{type(exc).__name__}: {exc}"[:200]) for _ in names)
    ms = round((time.perf_counter() - started) * 1000, 2)
    return {name: Check(r.ok, r.detail, ms) for name, r in zip(names, results, strict=True)}


def _listener() -> Check:
    state = listener_state()
    return Check(state in ("listening", "in-process"), state)


def _mail_worker() -> Check:
    state = worker_state()
    return Check(state in ("running", "off"), state)


async def readiness() -> tuple[bool, dict[str, object]]:
    """(ready, body): every check by name with its outcome; ready only when all hold."""
    checks = await _timed(_database, ("database", "migrations"))
    checks |= {"listener": _listener(), "mail_worker": _mail_worker()}
    ready = all(check.ok for check in checks.values())
    return ready, {"status": "ready" if ready else "not ready", "checks": {k: asdict(v) for k, v in checks.items()}}
