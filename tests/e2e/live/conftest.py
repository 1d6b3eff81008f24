"""Live-update e2e fixtures: a uvicorn server in a thread of this process, so a test can announce changes."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import server_env


@dataclass
class ThreadServer:
    """The app served by uvicorn on a thread's event loop; announcements run on that loop."""

    url: str
    loop: asyncio.AbstractEventLoop

    def run(self, coroutine):
        """Run a coroutine on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def announce_invoice_changed(self, vendor_id: int, invoice_id: int) -> None:
        """What a route does after committing a change to this invoice."""
        from app.live import channels as live_channels
        from app.live.announce import announce_invoice_changed
        from app.live.channels import RESYNC_MESSAGE, vendor_channel

        self.loop.call_soon_threadsafe(announce_invoice_changed, vendor_id, invoice_id)

    def resync(self, vendor_id: int) -> None:
        """What the PostgreSQL backend sends after its listener reconnected (events may have been lost)."""
        from app.live import channels as live_channels
        from app.live.announce import announce_invoice_changed
        from app.live.channels import RESYNC_MESSAGE, vendor_channel

        self.loop.call_soon_threadsafe(lambda: live_channels._plugin.publish(RESYNC_MESSAGE, vendor_channel(vendor_id)))

    def vendor_id(self, email: str) -> int:
        """The vendor of the user with this email."""
        from app.tables.vendors import User

        async def find() -> int:
            return (await User.select(User.vendor).where(User.email == email).first())["vendor"]

        return self.run(find())


@pytest.fixture(scope="session")
def thread_server() -> Iterator[ThreadServer]:
    """Only for the announcement demo: other tests use the subprocess `live_server`."""
    import uvicorn

    env, drop = server_env("live-thread")
    names = ("DATABASE_URL", "PAYPORT_ENV", "PAYPORT_DATA_DIR", "SECRET_KEY", "PORT", "APP_BASE_URL")
    os.environ.update({name: env[name] for name in names})
    from app.asgi import create_app
    from app.settings import get_settings

    get_settings.cache_clear()
    loop = asyncio.new_event_loop()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=int(env["PORT"]),
                                          log_level="warning", timeout_graceful_shutdown=3))
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"server did not start; see {Path(env['PAYPORT_DATA_DIR'])}")
        threading.Event().wait(0.02)
    yield ThreadServer(url=env["APP_BASE_URL"], loop=loop)
    server.should_exit = True
    thread.join(timeout=15)
    drop()


try:  # the Stripe stack (sandbox + app pointed at it) for the checkout test, once that feature is installed
    from tests.e2e.stripe.conftest import stripe_stack  # noqa: F401
except ImportError:
    pass
