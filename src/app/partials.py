"""Partial URLs opened directly: a fragment alone is no page, so send the browser to the page that holds it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.response import Redirect

BeforeRequest = Callable[[Request[Any, Any, Any]], Awaitable[Redirect | None]]


def page_of(page: str, keep_query: bool = False) -> BeforeRequest:
    """A before_request hook: without HX-Request, redirect to `page` (formatted with the path parameters)."""

    async def redirect_unless_htmx(request: Request[Any, Any, Any]) -> Redirect | None:
        if request.headers.get("hx-request") == "true":
            return None
        target = page.format(**request.path_params)
        if keep_query and request.url.query:
            target = f"{target}?{request.url.query}"
        return Redirect(path=target, status_code=303, headers={"Vary": "HX-Request"})

    return redirect_unless_htmx
