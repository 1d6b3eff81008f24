"""/readyz of a served process: the live listener (PostgreSQL LISTEN or in-process) and the mail worker."""

from __future__ import annotations

import asyncio

import httpx

from app.metrics import SSE_STREAMS

from app.settings import get_settings
from tests.unit.live.conftest import open_stream


async def test_a_served_process_reports_its_listener_and_running_mail_worker(spawn_server, monkeypatch):
    monkeypatch.setenv("PAYPORT_MAIL_WORKER", "1")
    monkeypatch.setenv("PAYPORT_MAIL_POLL_SECONDS", "30")
    url, _ = spawn_server()
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.get("/readyz")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    expected = "listening" if get_settings().is_postgres else "in-process"
    assert checks["listener"] == {**checks["listener"], "ok": True, "detail": expected}
    assert checks["mail_worker"] == {**checks["mail_worker"], "ok": True, "detail": "running"}


async def test_open_streams_are_counted_while_open(server_url, acme):
    before = SSE_STREAMS._value.get()
    async with open_stream(acme):
        assert SSE_STREAMS._value.get() == before + 1
    for _ in range(100):  # the server notices the browser left on its next read
        if SSE_STREAMS._value.get() == before:
            break
        await asyncio.sleep(0.05)
    assert SSE_STREAMS._value.get() == before
