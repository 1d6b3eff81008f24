"""The one place that answers htmx and plain browsers differently: partial or page, client or plain redirect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

VARY = {"Vary": "HX-Request"}  # the answer depends on the header: caches must keep both


def partial_or_page(request: Request, partial: str, page: str, context: dict[str, Any], status_code: int = 200,
                    headers: dict[str, str] | None = None) -> Template:
    """The partial for an htmx swap, the whole page for a plain request."""
    name = partial if request.htmx else page
    return Template(name, context=context, status_code=status_code, headers={**(headers or {}), **VARY})


def go(request: Request, path: str, status_code: int = 302) -> ClientRedirect | Redirect:
    """Redirect: htmx follows HX-Redirect (ClientRedirect), a plain browser the Location."""
    if request.htmx:
        return ClientRedirect(redirect_to=path)
    return Redirect(path=path, status_code=status_code)


BeforeRequest = Callable[[Request], Awaitable[Redirect | None]]


def page_of(page: str, keep_query: bool = False) -> BeforeRequest:
    """A before_request hook for a fragment route: a plain browser is sent to `page` (formatted with the path
    parameters), since a fragment alone is no page; htmx gets the fragment."""

    async def redirect_unless_htmx(request: Request) -> Redirect | None:
        if request.htmx:
            return None
        target = page.format(**request.path_params)
        if keep_query and request.url.query:
            target = f"{target}?{request.url.query}"
        return Redirect(path=target, status_code=303, headers=VARY)

    return redirect_unless_htmx
