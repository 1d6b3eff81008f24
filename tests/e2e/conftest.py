"""End-to-end tests: a real uvicorn server with its own fresh database, driven by Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.servers import start_process
from tests.support import ROOT, chromium_launch_args, free_port, fresh_database_url

RESULTS = ROOT / "test-results"


@dataclass
class LiveServer:
    """A running app: its URL and the environment it was started with."""

    url: str
    env: dict[str, str]
    process: subprocess.Popen

    def restart(self) -> None:
        """Stop and start the server on the same port and database."""
        self.process.terminate()
        self.process.wait(timeout=15)
        self.process = start_server(self.env)


def start_server(env: dict[str, str]) -> subprocess.Popen:
    """Start uvicorn with this environment and wait until it answers."""
    args = [sys.executable, "-m", "uvicorn", "app.asgi:app_factory", "--factory",
            "--host", "127.0.0.1", "--port", env["PORT"], "--timeout-graceful-shutdown", "3"]
    return start_process(args, f"{env['APP_BASE_URL']}/healthz", env=env,
                         log=Path(env["PAYPORT_DATA_DIR"]) / "server.log")


def server_env(label: str) -> tuple[dict[str, str], callable]:
    """Environment for a fresh app instance: own port, data folder and database."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"payport-{label}-"))
    url, drop = fresh_database_url(data_dir, label)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PAYPORT_ENV": "test",
        "PAYPORT_DATA_DIR": str(data_dir),
        "SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789abcdef",
        "PORT": str(port),
        "APP_BASE_URL": f"http://127.0.0.1:{port}",
        "PICCOLO_CONF": "app.piccolo_conf",
    }
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return env, drop


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """The app served by uvicorn for the whole e2e run."""
    env, drop = server_env("e2e")
    server = LiveServer(url=env["APP_BASE_URL"], env=env, process=start_server(env))
    yield server
    server.process.terminate()
    server.process.wait(timeout=15)
    drop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's chromium with the flags this closed network needs."""
    return {**browser_type_launch_args, **chromium_launch_args()}


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep a screenshot of the page of every failed browser test under test-results/."""
    outcome = yield
    report = outcome.get_result()
    page: Page | None = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and page is not None:
        RESULTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(RESULTS / f"{item.name}.png"), full_page=True)
        except Exception:  # the page may already be closed
            pass
