"""GET /events: the server-sent event stream of the logged-in vendor's changes."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.types import ASGIApp

from app.auth import CurrentUser
from app.live.stream import VendorStream


@get("/events", sync_to_thread=False, opt={"role": "viewer"})
def events(request: Request[CurrentUser, Any, Any]) -> ASGIApp:
    """Stream `invoice-changed-<id>`, `invoice-changed` and `<what>-changed` events to this browser.

    Only the vendor's own channel is subscribed; the stream ends when the browser leaves or the server stops.
    """
    return VendorStream(request.user.vendor_id)
