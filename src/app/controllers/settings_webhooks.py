"""Settings > Webhooks (admin): endpoints with their events and secret (shown once), the delivery log, Replay."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from app.auth import CurrentUser
from app.controllers._htmx import partial_or_page
from app.services import webhook_queue
from app.services.api import webhooks

Req = Request[CurrentUser, Any, Any]
PARTIAL, PAGE = "partials/settings/webhooks.html", "pages/settings/webhooks.html"
ADMIN = {"role": "admin"}


async def _context(request: Req, **extra: Any) -> dict[str, Any]:
    return {"endpoints": await webhooks.list_endpoints(request.user.vendor_id), "event_types": webhook_queue.EVENT_TYPES,
            "values": {"events": []}, "errors": {}, "active": "settings", **extra}


async def _section(request: Req, **extra: Any) -> Response:
    if not request.htmx:
        return Redirect(path="/settings/webhooks")
    return Template(PARTIAL, context=await _context(request, **extra))


class WebhookSettingsController(Controller):
    """/settings/webhooks: the section of the settings page (a page of its own without htmx)."""

    path = "/settings/webhooks"

    @get("/", opt=ADMIN)
    async def show(self, request: Req) -> Template:
        """The endpoints, their logs and the new endpoint form."""
        return partial_or_page(request, PARTIAL, PAGE, await _context(request))

    @post("/", opt={**ADMIN, "audit": "settings:Added a webhook endpoint"})
    async def create(self, request: Req) -> Response:
        """Register an endpoint and show its secret this once; errors in place, nothing made."""
        form = await request.form()
        values = {"url": form.get("url", ""), "events": form.getall("events", [])}
        try:
            row, secret = await webhooks.create_endpoint(request.user.vendor_id, values["url"], values["events"])
        except webhooks.EndpointErrors as exc:
            context = await _context(request, values=values, errors=exc.errors)
            return partial_or_page(request, PARTIAL, PAGE, context, status_code=422)
        context = await _context(request, new_secret=secret, new_url=row.url)
        return partial_or_page(request, PARTIAL, PAGE, context)

    @post("/{endpoint_id:int}/disable", opt={**ADMIN, "audit": "settings:Disabled webhook endpoint {endpoint_id}"})
    async def disable(self, request: Req, endpoint_id: FromPath[int]) -> Response:
        """Stop sending to an endpoint."""
        await webhooks.set_enabled(request.user.vendor_id, endpoint_id, False)
        return await _section(request)

    @post("/{endpoint_id:int}/enable", opt={**ADMIN, "audit": "settings:Enabled webhook endpoint {endpoint_id}"})
    async def enable(self, request: Req, endpoint_id: FromPath[int]) -> Response:
        """Send to an endpoint again; its failure count starts afresh."""
        await webhooks.set_enabled(request.user.vendor_id, endpoint_id, True)
        return await _section(request)

    @post("/{endpoint_id:int}/delete", opt={**ADMIN, "audit": "settings:Deleted webhook endpoint {endpoint_id}"})
    async def delete(self, request: Req, endpoint_id: FromPath[int]) -> Response:
        """Remove an endpoint and its log."""
        await webhooks.delete_endpoint(request.user.vendor_id, endpoint_id)
        return await _section(request)

    @post("/deliveries/{delivery_id:int}/replay", opt=ADMIN)
    async def replay(self, request: Req, delivery_id: FromPath[int]) -> Response:
        """Send a logged event again now."""
        row = await webhooks.replay(request.user.vendor_id, delivery_id)
        return await _section(request, replayed=row.event_id)
