"""Liveness probe."""

from litestar import get
from litestar.response import Redirect


@get("/healthz", opt={"public": True}, sync_to_thread=False)
def health() -> dict[str, str]:
    """Answer ok while the process serves."""
    return {"status": "ok"}


@get("/favicon.ico", opt={"public": True}, sync_to_thread=False, include_in_schema=False)
def favicon() -> Redirect:
    """Browsers ask for /favicon.ico on pages without an icon link: point them at the SVG."""
    return Redirect(path="/static/favicon.svg", status_code=301)
