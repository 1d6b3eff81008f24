"""How domain errors and Litestar's own HTTP errors become answers htmx can swap (an error partial or page)."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_401_UNAUTHORIZED, HTTP_500_INTERNAL_SERVER_ERROR

from app.errors import Conflict, DomainError, NotAllowed, NotFound, ServiceUnavailable

# Domain error -> (HTTP status, title); the most specific class in an error's MRO wins.
HTTP_STATUS: dict[type[DomainError], tuple[int, str]] = {
    DomainError: (400, "Request not possible"),
    NotFound: (404, "Not found"),
    Conflict: (409, "Already done"),
    NotAllowed: (422, "Not possible"),
    ServiceUnavailable: (503, "Service unavailable"),
}


def http_status(exc: DomainError) -> tuple[int, str]:
    """The HTTP status and title a domain error is answered with."""
    return next(HTTP_STATUS[cls] for cls in type(exc).__mro__ if cls in HTTP_STATUS)


def error_response(request: Request, status_code: int, title: str, message: str) -> Response[Any]:
    """The error partial into the page's alert region for htmx, or a full error page."""
    context = {"status_code": status_code, "title": title, "message": message}
    if request.htmx:
        headers = {"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"}
        return Template("partials/error.html", context=context, status_code=status_code, headers=headers)
    return Template("pages/error.html", context=context, status_code=status_code)


def domain_error_handler(request: Request, exc: DomainError) -> Response[Any]:
    """Map a DomainError to its status and message."""
    status, title = http_status(exc)
    return error_response(request, status, title, exc.message)


def http_error_handler(request: Request, exc: HTTPException) -> Response[Any]:
    """Litestar's own HTTP errors (404 for unknown routes, 403 for CSRF...) with our look."""
    if request.scope.get("path", "").startswith(("/webhooks", "/api")):
        return Response({"error": exc.detail}, status_code=exc.status_code, media_type=MediaType.JSON)
    titles = {403: "Forbidden", 404: "Not found", 405: "Not allowed", 429: "Too many requests"}
    message = exc.detail if exc.status_code != 404 else "We could not find that page."
    return error_response(request, exc.status_code, titles.get(exc.status_code, "Error"), message)


def not_authorized_handler(request: Request, exc: NotAuthorizedException) -> Response[Any]:
    """Send anonymous visitors to the login page (htmx gets a client-side redirect)."""
    if request.htmx:
        return Response(b"", status_code=HTTP_401_UNAUTHORIZED, headers={"HX-Redirect": "/login"})
    return Redirect(path="/login")


def server_error_handler(request: Request, exc: Exception) -> Response[Any]:
    """Anything unexpected: a calm message, never a stack trace."""
    request.logger.exception("unhandled error on %s", request.url.path)
    return error_response(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "Something went wrong",
        "The server hit an unexpected error. Nothing was changed; please try again.",
    )


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    NotAuthorizedException: not_authorized_handler,
    NotFoundException: http_error_handler,
    HTTPException: http_error_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: server_error_handler,
}
