"""`payport sandbox` / `python -m stripe_sandbox` serve the sandbox."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest

import app.cli
from stripe_sandbox.cli import DEFAULT_HOST, DEFAULT_PORT, parse_args
from tests.servers import start_process, stop_process
from tests.support import free_port
from tests.unit.sandbox.helpers import PLATFORM_KEY


def test_defaults_are_local_port_12111() -> None:
    args = parse_args([])
    assert (args.host, args.port) == (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 12111)
    assert parse_args(["--port", "9", "--db", ":memory:"]).db == ":memory:"


def test_python_dash_m_serves_the_api(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SANDBOX_PLATFORM_KEY": "sk_test_cli_platform"}
    command = [sys.executable, "-m", "stripe_sandbox", "--port", str(port), "--db", str(tmp_path / "s.sqlite3")]
    process = start_process(command, f"http://127.0.0.1:{port}/_sandbox/webhooks/switches", env=env)
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/v1/account", headers={"Authorization": "Bearer sk_test_cli_platform"})
        assert response.status_code == 200 and response.json()["object"] == "account"
        assert httpx.get(f"http://127.0.0.1:{port}/v1/account", headers={"Authorization": f"Bearer {PLATFORM_KEY}"}).status_code == 401
        assert (tmp_path / "s.sqlite3").exists()
    finally:
        stop_process(process, timeout=10)


def test_allow_local_webhooks_flag_is_off_unless_given() -> None:
    assert parse_args([]).allow_local_webhooks is False
    assert parse_args(["--allow-local-webhooks"]).allow_local_webhooks is True


def test_the_apps_own_sandbox_startup_passes_allow_local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:

    started: list[list[str]] = []
    # _start_sandbox writes STRIPE_* into the environment: give it a private copy so no later test sees them.
    environ = {k: v for k, v in os.environ.items() if k not in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE")}
    monkeypatch.setattr(app.cli.os, "environ", environ)
    monkeypatch.setattr(app.cli.subprocess, "Popen", lambda command, **_: started.append(command))
    try:
        app.cli._start_sandbox(str(tmp_path))
    finally:
        app.cli.get_settings.cache_clear()
    assert started and "--allow-local-webhooks" in started[0]
