"""What every /api/v1 route shares: bearer-key auth and scopes, rate limits, Stripe-style errors, cursor
pagination, and Idempotency-Key on POST (the same answer replayed, never the work done twice)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import MediaType, Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers.base import BaseRouteHandler

from app.controllers._errors import http_status
from app.errors import DomainError, NotFound
from app.money import UnknownCurrency, check_currency, to_major
from app.services.api import idempotency, keys
from app.services.api.idempotency import Answer
from app.services.api.limits import RateLimiter
from app.services.actors import acting_as

READ = {"public": True, "api_scope": "read"}  # public to the session auth: the API key guard decides
WRITE = {"public": True, "api_scope": "write"}
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "invalid_request_error", 409: "idempotency_error", 422: "invalid_request_error",
               429: "rate_limit_error", 503: "api_error"}
ERROR_CODES = {404: "resource_missing", 422: "invalid_request", 409: "conflict", 429: "rate_limited"}


class ApiError(HTTPException):
    """An answer in Stripe's error shape: type, code, message, param."""

    def __init__(self, status: int, message: str, code: str = "", param: str | None = None,
                 headers: dict[str, str] | None = None, type_: str = "") -> None:
        super().__init__(detail=message, status_code=status, headers=headers)
        self.message, self.code, self.param = message, code or ERROR_CODES.get(status, "invalid_request"), param
        self.type = type_ or ERROR_TYPES.get(status, "invalid_request_error")


def error_body(status: int, message: str, code: str = "", param: str | None = None, type_: str = "") -> dict:
    """The error object, as Stripe answers."""
    return {"error": {"type": type_ or ERROR_TYPES.get(status, "invalid_request_error"),
                      "code": code or ERROR_CODES.get(status, "invalid_request"), "message": message, "param": param}}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


def api_error_handler(request: Request, exc: ApiError) -> Response:
    """ApiError as its JSON object."""
    return _json(exc.status_code, error_body(exc.status_code, exc.message, exc.code, exc.param, exc.type),
                 exc.headers)


def field_error(param: str, message: str) -> ApiError:
    """A 400 naming the parameter at fault."""
    return ApiError(400, message, "parameter_invalid", param)


def domain_handler(request: Request, exc: DomainError) -> Response:
    """The UI's own rules, answered in the API's shape (404, 409, 422...)."""
    status, _ = http_status(exc)
    code = "idempotency_key_in_use" if isinstance(exc, idempotency.IdempotencyMismatch) else ""
    return _json(status, error_body(status, exc.message, code))


_KEY = re.compile(r"(?:^|\.)(\w+)(?:\[(\d+)\]\.(\w+))?$")  # data.lines[0].unit_amount, lines[0].unit_amount


def validation_handler(request: Request, exc: ValidationException) -> Response:
    """A body or query that does not fit the schema: 400 naming the first bad parameter."""
    extra = exc.extra[0] if isinstance(exc.extra, list) and exc.extra else {}
    key = str(extra.get("key") or "") if isinstance(extra, dict) else ""
    match = _KEY.search(key)
    param = (f"{match[1]}[{match[2]}][{match[3]}]" if match[2] else match[1]) if match else (key or None)
    message = str(extra.get("message") if isinstance(extra, dict) and extra.get("message") else exc.detail)
    return _json(400, error_body(400, message, "parameter_invalid", param))


def http_handler(request: Request, exc: HTTPException) -> Response:
    """Litestar's own errors (405, a body that is not JSON...) in the API's shape."""
    return _json(exc.status_code, error_body(exc.status_code, str(exc.detail)), exc.headers)


EXCEPTION_HANDLERS: dict = {ApiError: api_error_handler, DomainError: domain_handler,
                            ValidationException: validation_handler, HTTPException: http_handler}


async def api_key_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Bearer key, live, within its rate limit, and allowed this route's scope."""
    auth = connection.headers.get("authorization", "")
    scheme, _, secret = auth.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "Send your API key as 'Authorization: Bearer pp_live_...'.", "api_key_missing")
    caller = await keys.authenticate(secret.strip())
    if caller is None:
        raise ApiError(401, "Invalid API key provided (unknown or revoked).", "api_key_invalid")
    limiter: RateLimiter = connection.app.state.api_limiter
    if wait := await limiter.retry_after(caller.id):
        raise ApiError(429, "Too many requests with this API key; retry after the time in Retry-After.",
                       headers={"Retry-After": str(wait)})
    if handler.opt.get("api_scope") == "write" and not caller.can_write:
        raise ApiError(403, "This API key is read only; create a key with write access for this request.",
                       "insufficient_scope")
    connection.state.api_key = caller


def caller(request: Request) -> keys.CallerKey:
    """The API key the guard accepted."""
    return request.state.api_key


async def once(request: Request, produce: Callable[[], Awaitable[tuple[int, Any]]]) -> Response:
    """Run a write as the API actor; with Idempotency-Key, only once per key and body."""
    key = caller(request)

    async def run() -> Answer:
        with acting_as(f"API key {key.name}"):  # the timeline reads "by API key Sync"
            status, body = await produce()
        return Answer(status, json.dumps(body))

    name = request.headers.get("idempotency-key", "")
    if not name:
        answer = await run()
        return _json(answer.status, json.loads(answer.body))
    digest = idempotency.request_hash(request.method, request.url.path, await request.body())
    answer = await idempotency.run_once(key.id, name, digest, run)
    return _json(answer.status, json.loads(answer.body), {"Idempotency-Key": name})


def listing(url: str, objects: list[dict], has_more: bool) -> dict:
    """A list page, as Stripe's: object, data, has_more, url."""
    return {"object": "list", "data": objects, "has_more": has_more, "url": url}


def not_found(what: str, row_id: int) -> NotFound:
    """The same answer for a missing id and another vendor's."""
    return NotFound(f"No such {what}: {row_id}")


LINE_PARAMS = {"unit_price": "unit_amount"}
EDITOR_PARAMS = {"discount": "discount_percent"}


def major(amount: int, currency: str) -> str:
    """Minor units as the editor's typed amount ("12.50"); the raw number when the currency is unknown."""
    try:
        return str(to_major(int(amount), check_currency(currency)))
    except (UnknownCurrency, ValueError, TypeError):
        return str(amount)


def editor_lines(lines: list[dict[str, Any]], currency: str) -> list[dict[str, str]]:
    """API lines (unit_amount in minor units) as the invoice editor's typed lines."""
    return [{"description": str(line["description"]), "quantity": str(line["quantity"]),
             "unit_price": major(line["unit_amount"], currency), "tax_rate": str(line["tax_rate"])}
            for line in lines]


def editor_param(name: str) -> str:
    """An editor field error's name (line-<i>-<field>, discount...) as the API parameter."""
    if name.startswith("line-"):
        _, index, field = name.split("-", 2)
        return f"lines[{index}][{LINE_PARAMS.get(field, field)}]"
    return EDITOR_PARAMS.get(name, name)
