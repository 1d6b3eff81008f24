"""`payport serve --workers N`: N uvicorn worker processes on PostgreSQL; refused on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.settings import get_settings
from tests.servers import start_process, stop_process
from tests.support import ROOT, free_port
from tests.unit.fixtures import logged_in_vendor
from tests.unit.live.conftest import open_stream


def _workers(pid: int) -> list[int]:
    """uvicorn's worker processes under `pid` (multiprocessing's resource tracker is a child too)."""
    children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [child for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def _serve_args(port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)]


def _env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PAYPORT_LIVE_BACKEND"}  # as deployed
    return {**env, "APP_BASE_URL": f"http://127.0.0.1:{port}"}


def test_several_workers_are_refused_on_sqlite():
    if get_settings().is_postgres:
        pytest.skip("the SQLite refusal: run without DATABASE_URL=postgres://")
    port = free_port()
    done = subprocess.run(_serve_args(port, 2), env=_env(port), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "--workers above 1 needs PostgreSQL" in done.stderr


async def test_two_workers_serve_and_share_live_updates_on_postgres(tmp_path):
    if not get_settings().is_postgres:
        pytest.skip("PostgreSQL only: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test")
    port = free_port()
    server = start_process(_serve_args(port, 2), f"http://127.0.0.1:{port}/readyz", env=_env(port),
                           log=tmp_path / "workers.log")
    try:
        assert len(_workers(server.pid)) == 2
        # Several streams land on both workers; an announcement made anywhere reaches each of them.
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            session = await logged_in_vendor(http, "Workers Ltd")
            readers = [open_stream(session, f"http://127.0.0.1:{port}") for _ in range(4)]
            streams = [await reader.__aenter__() for reader in readers]
            try:
                response = await session.post("/customers", {"name": "Grace Hopper", "email": "grace@example.com",
                                                              "currency": "USD"})
                assert response.status_code < 400, response.text
                for stream in streams:
                    block = await stream.next_event(timeout=10)
                    assert block is not None and block.event == "customers-changed"
            finally:
                for reader in readers:
                    await reader.__aexit__(None, None, None)
    finally:
        stop_process(server)
