"""/healthz and /readyz as a load balancer sees them: no login, never cached, every check named."""

from __future__ import annotations

import asyncio

from piccolo.apps.migrations.tables import Migration

from app import health


async def test_healthz_answers_without_login_and_is_not_cached(client):
    response = await client.get("/healthz", follow_redirects=False)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_names_each_check_and_is_ready_on_a_migrated_database(client):
    response = await client.get("/readyz", follow_redirects=False)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "migrations", "listener", "mail_worker"}
    assert body["checks"]["migrations"]["detail"] == "all applied"
    assert body["checks"]["listener"]["detail"] == "in-process"  # unit tests fan out in memory
    assert body["checks"]["mail_worker"]["detail"] == "off"  # PAYPORT_MAIL_WORKER=0 in unit tests
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_is_503_naming_a_migration_file_not_applied(client, monkeypatch):
    shipped = health.migration_ids() | {"2099-01-01T00:00:00:000000"}  # a file the database has not run
    monkeypatch.setattr(health, "migration_ids", lambda: shipped)
    response = await client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["migrations"] == {**checks["migrations"], "ok": False,
                                    "detail": "1 pending: 2099-01-01T00:00:00:000000"}
    assert checks["database"]["ok"] is True


async def test_readyz_is_503_at_once_when_the_database_does_not_answer(client, monkeypatch):
    class Hanging:
        def where(self, *args):
            return self

        def __await__(self):
            return asyncio.sleep(5).__await__()

    monkeypatch.setattr(Migration, "select", classmethod(lambda cls, *columns: Hanging()))
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await client.get("/readyz")
    assert loop.time() - started < 2  # the probe gave up instead of waiting 5 s
    assert response.status_code == 503
    database = response.json()["checks"]["database"]
    assert database["ok"] is False and database["detail"] == "no answer within 1000 ms"


def test_the_migration_files_are_read_with_their_ids():
    ids = health.migration_ids()
    assert "2026-11-22T00:05:35:929160" in ids and len(ids) >= 11
