"""Liveness and readiness probes (no login, never cached)."""

from litestar import get
from litestar.response import Redirect, Response

from app.health import readiness

NO_STORE = {"Cache-Control": "no-store"}


@get("/healthz", opt={"public": True}, sync_to_thread=False)
def health() -> Response[dict[str, str]]:
    """The process is up and serving; touches nothing else (a restart would not fix the database)."""
    return Response({"status": "ok"}, headers=NO_STORE)


@get("/readyz", opt={"public": True})
async def ready() -> Response[dict[str, object]]:
    """Database reachable, migrations applied, live listener up, mail worker alive: 200, else 503."""
    is_ready, body = await readiness()
    return Response(body, status_code=200 if is_ready else 503, headers=NO_STORE)


@get("/favicon.ico", opt={"public": True}, sync_to_thread=False, include_in_schema=False)
def favicon() -> Redirect:
    """Browsers ask for /favicon.ico on pages without an icon link: point them at the SVG."""
    return Redirect(path="/static/favicon.svg", status_code=301)
