"""Security headers on every response, and refusal of control characters in any submitted value."""

from __future__ import annotations

from hmac import compare_digest

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import ClientException
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

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


class RenewStaleCsrfCookie:
    """ASGI middleware: on a safe request, forget a CSRF cookie the current SECRET_KEY did not sign.

    Litestar's CSRF middleware reuses the cookie it finds; after a SECRET_KEY rotation an old cookie (kept a year)
    would fail every form post forever. Dropped here, the page gets a fresh one, so one reload fixes it.
    """

    def __init__(self, app: ASGIApp, secret: str, cookie_name: str) -> None:
        self.app = app
        self.secret = secret
        self.prefix = f"{cookie_name}=".encode()

    def _signed_here(self, token: str) -> bool:
        secret_part, signature = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
        return len(token) > CSRF_SECRET_LENGTH and compare_digest(
            signature, generate_csrf_hash(token=secret_part, secret=self.secret))

    def _without_stale(self, cookie_header: bytes) -> bytes:
        parts = [p.strip() for p in cookie_header.split(b";")]
        kept = [p for p in parts if not (p.startswith(self.prefix)
                                         and not self._signed_here(p[len(self.prefix):].decode("latin-1")))]
        return b"; ".join(kept)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD", "OPTIONS"):
            headers = [(name, self._without_stale(value) if name == b"cookie" else value)
                       for name, value in scope["headers"]]
            if headers != scope["headers"]:
                scope["headers"] = headers
                state = ScopeState.from_scope(scope)  # the session middleware has already parsed them
                state.cookies = state.headers = Empty
        await self.app(scope, receive, send)
