"""Stopping the server while browsers hold streams open: the streams end and the process exits promptly."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.unit.live.conftest import browser_session, open_stream


async def test_sigterm_ends_open_streams_and_server_exits(spawn_server):
    # No --timeout-graceful-shutdown: without the app ending its streams uvicorn would wait forever.
    url, process = spawn_server()
    vendor = await browser_session(url, "Acme Ltd")
    async with contextlib.AsyncExitStack() as stack:
        streams = [await stack.enter_async_context(open_stream(vendor, base_url=url)) for _ in range(3)]
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        ends = [await stream.next_event(timeout=5) for stream in streams]
        assert ends == [None, None, None]
    returncode = await asyncio.to_thread(process.wait, 10)
    assert time.monotonic() - started < 5
    # uvicorn re-raises the signal after a graceful shutdown, hence -SIGTERM rather than 0.
    assert returncode in (0, -signal.SIGTERM)
    log = (Path(os.environ["PAYPORT_DATA_DIR"]) / f"server-{urlsplit(url).port}.log").read_text()
    assert "Application shutdown complete" in log
    assert "timeout graceful shutdown exceeded" not in log
    await vendor.client.aclose()
