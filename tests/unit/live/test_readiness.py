"""/readyz of a served process: the live listener (PostgreSQL LISTEN or in-process) and the mail worker."""

from __future__ import annotations

import httpx

from app.settings import get_settings


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
