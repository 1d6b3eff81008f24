"""Security headers on every response, and refusal of control characters in any submitted value."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import ClientException
from litestar.types import Message, Scope

from app.parsing import has_control

# htmx runs with allowEval=false and no inline scripts or styles, so 'self' is enough.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


async def add_security_headers(message: Message, scope: Scope) -> None:
    """before_send hook: stamp the headers on every HTTP response start."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in HEADERS.items():
        if name not in headers:
            headers[name] = value
    # A logged-in answer (page, partial, PDF): Back after Log out must not show it from the cache. The event
    # stream keeps its own no-cache, which proxies need to see.
    streaming = (headers.get("content-type") or "").startswith("text/event-stream")
    if scope.get("user") is not None and not streaming and "no-store" not in (headers.get("cache-control") or ""):
        headers["Cache-Control"] = "no-store"


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CONTROL_MESSAGE = "The request holds control characters (such as NUL) that no field accepts. Nothing was changed."


async def refuse_control_characters(request: Request) -> None:
    """before_request hook: a path, query or form value with control characters is a 400 before any handler runs."""
    values = [value for _, value in request.query_params.multi_items()] + list(request.path_params.values())
    if request.method not in ("GET", "HEAD") and request.content_type[0] in FORM_TYPES:
        try:
            form = await request.form()
        except UnicodeDecodeError as exc:
            raise ClientException(status_code=400, detail="The form is not valid UTF-8.") from exc
        values += [*form.keys(), *(value for _, value in form.multi_items())]
    if any(isinstance(value, str) and has_control(value) for value in values):
        raise ClientException(status_code=400, detail=CONTROL_MESSAGE)
