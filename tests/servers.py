"""Start a real HTTP server for tests and wait until it serves: as a process, in a thread, or in the test's loop."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn

from tests.support import ROOT, free_port


def wait_until_ready(ready: Callable[[], bool], alive: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll `ready()` until true; fail at once when `alive()` turns false, or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if not alive():
            raise RuntimeError(f"{what} exited before it was ready")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready after {timeout}s")
        time.sleep(0.05)


def answers(url: str) -> bool:
    """True once GET `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:  # refused, timed out, or an HTTP error status
        return False


def start_process(args: list[str], probe_url: str, *, env: dict[str, str] | None = None,
                  log: Path | None = None, timeout: float = 60) -> subprocess.Popen:
    """Run a server command and return once `probe_url` answers; its output goes to `log` (or nowhere)."""
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115  (the child keeps it open)
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(lambda: answers(probe_url), lambda: process.poll() is None, " ".join(args[:4]), timeout)
    except RuntimeError:
        process.kill()
        process.wait()
        raise
    return process


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ask the server to exit (SIGTERM) and wait for it."""
    process.terminate()
    process.wait(timeout=timeout)


class ThreadedServer:
    """An ASGI app served by uvicorn on 127.0.0.1:<port> in a daemon thread; start() returns once it accepts."""

    def __init__(self, app: Any, port: int | None = None, *, lifespan: str = "on", **config: Any) -> None:
        self.app = app
        self.config = {"lifespan": lifespan, "interface": "asgi3", "log_level": "warning", **config}
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None
        # The server's own loop, for tests that must run code where the app runs (announcements).
        self.loop = asyncio.new_event_loop()

    def start(self) -> ThreadedServer:
        """Start serving and wait until ready."""
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, **self.config))
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self.server.serve(),), daemon=True)
        self.thread.start()
        wait_until_ready(lambda: self.server.started, self.thread.is_alive, "uvicorn thread", 10)
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=15)
            if not self.thread.is_alive():
                self.loop.close()


@asynccontextmanager
async def serve_in_loop(app: Any, port: int) -> AsyncIterator[str]:
    """Serve `app` with uvicorn inside the running event loop (where the test's own code runs); yields its URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=5))
    task = asyncio.create_task(server.serve())
    # Waiting happens in a thread so that this loop keeps running the server meanwhile.
    try:
        await asyncio.to_thread(wait_until_ready, lambda: server.started, lambda: not task.done(), "uvicorn task", 10)
    except RuntimeError:
        if task.done():
            task.result()  # the server's own error says more
        raise
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
