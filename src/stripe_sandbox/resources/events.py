"""Events: retrieve and list, filtered by type, created and delivery_success."""

from __future__ import annotations

from typing import Any

import stripe.params as sp
from litestar import Request, Response, get
from litestar.params import FromPath

from stripe_sandbox.api import api_call, find, list_objects
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.errors import StripeError

# An event is undelivered while some endpoint it was sent to has no successful delivery.
UNDELIVERED = (
    "EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = objects.id AND NOT EXISTS "
    "(SELECT 1 FROM deliveries s WHERE s.event_id = d.event_id AND s.endpoint_id = d.endpoint_id AND s.status = 'succeeded'))"
)


def list_events(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """GET /v1/events on the acting account."""
    if "type" in params and "types" in params:
        raise StripeError.invalid("You may only specify one of these parameters: type, types.", param="type", code="parameters_exclusive")
    clauses: list[str] = []
    args: list[Any] = []
    if "type" in params:
        # Stripe accepts one * wildcard in `type`, e.g. charge.* or *.succeeded.
        clauses.append("json_extract(data, '$.type') GLOB ?")
        args.append(params["type"])
    if "types" in params:
        clauses.append(f"json_extract(data, '$.type') IN ({', '.join('?' for _ in params['types'])})")
        args.extend(params["types"])
    if "delivery_success" in params:
        clauses.append(f"NOT {UNDELIVERED}" if params["delivery_success"] else UNDELIVERED)
    return list_objects(sandbox, ctx.account, "event", params, "/v1/events", " AND ".join(clauses), tuple(args))


@get("/v1/events/{event_id:str}")
async def retrieve_event_route(request: Request, event_id: FromPath[str]) -> Response:
    """GET /v1/events/{id}."""
    return await api_call(request, sp.EventRetrieveParams, lambda s, c, p: find(s, c, event_id, "event", "event"))


@get("/v1/events")
async def list_events_route(request: Request) -> Response:
    """GET /v1/events."""
    return await api_call(request, sp.EventListParams, list_events)


ROUTES = [retrieve_event_route, list_events_route]
