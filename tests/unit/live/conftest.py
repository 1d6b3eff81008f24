"""Live-update fixtures: a real uvicorn server in this process (test clients cannot read endless streams)."""

from __future__ import annotations

import dataclasses
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from app.asgi import create_app
from app.settings import get_settings
from tests.servers import serve_in_loop, start_process
from tests.support import free_port
from tests.unit.fixtures import Session, logged_in_vendor
from tests.unit.live.sse import EventReader


@pytest.fixture
async def server_url() -> AsyncIterator[str]:
    """The app served by uvicorn on a free port inside the test's event loop."""
    port = free_port()
    settings = get_settings()
    # A real server in one loop fans out as deployed ("auto"), unlike the in-process clients (memory).
    settings = dataclasses.replace(settings, allowed_hosts=(*settings.allowed_hosts, f"127.0.0.1:{port}"),
                                   live_backend="auto")
    async with serve_in_loop(create_app(settings), port) as url:
        yield url


async def browser_session(base_url: str, business: str) -> Session:
    """A new vendor logged in on a real HTTP client; it keeps the session cookie like a browser."""
    client = httpx.AsyncClient(base_url=base_url, timeout=10)
    return await logged_in_vendor(client, business)


@pytest.fixture
async def acme(server_url: str) -> AsyncIterator[Session]:
    """Vendor Acme, logged in on the live server."""
    session = await browser_session(server_url, "Acme Ltd")
    yield session
    await session.client.aclose()


@pytest.fixture
async def globex(server_url: str) -> AsyncIterator[Session]:
    """Vendor Globex, logged in on the live server."""
    session = await browser_session(server_url, "Globex Corp")
    yield session
    await session.client.aclose()


@contextlib.asynccontextmanager
async def open_stream(session: Session, base_url: str | None = None) -> AsyncIterator[EventReader]:
    """GET /events as this vendor's browser; yields once the server confirms the subscription."""
    client = session.client if base_url is None else httpx.AsyncClient(
        base_url=base_url, cookies=session.client.cookies, timeout=10)
    async with client.stream("GET", "/events", timeout=httpx.Timeout(10, read=None)) as response:
        assert response.status_code == 200
        reader = EventReader(response)
        greeting = await reader.next_block()
        assert greeting is not None and greeting.comments == ["connected"]
        yield reader
    if base_url is not None:
        await client.aclose()


def server_process(env: dict[str, str], port: int, graceful_timeout: int | None = None) -> subprocess.Popen:
    """uvicorn in its own process (as deployed); waits until it answers."""
    args = [sys.executable, "-m", "uvicorn", "app.asgi:app_factory", "--factory",
            "--host", "127.0.0.1", "--port", str(port)]
    if graceful_timeout is not None:
        args += ["--timeout-graceful-shutdown", str(graceful_timeout)]
    env = {name: value for name, value in env.items() if name != "PAYPORT_LIVE_BACKEND"}  # as deployed
    env = {**env, "PORT": str(port), "APP_BASE_URL": f"http://127.0.0.1:{port}"}
    return start_process(args, f"http://127.0.0.1:{port}/healthz", env=env,
                         log=Path(env["PAYPORT_DATA_DIR"]) / f"server-{port}.log")


@pytest.fixture
def spawn_server() -> Iterator:
    """Start uvicorn subprocesses on this run's database; all are stopped after the test."""
    processes: list[subprocess.Popen] = []

    def spawn(graceful_timeout: int | None = None) -> tuple[str, subprocess.Popen]:
        port = free_port()
        process = server_process(dict(os.environ), port, graceful_timeout)
        processes.append(process)
        return f"http://127.0.0.1:{port}", process

    yield spawn
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
