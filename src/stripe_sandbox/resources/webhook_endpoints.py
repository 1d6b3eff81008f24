"""Webhook endpoints: create (secret shown once), retrieve, list, update, delete."""

from __future__ import annotations

import secrets
from typing import Any

import stripe.params as sp
from litestar import Request, Response, delete, get, post
from litestar.params import FromPath

from stripe_sandbox.api import api_call, find, list_objects
from stripe_sandbox.core import Context, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.resources.accounts import merge_metadata
from stripe_sandbox.store import now, random_id
from stripe_sandbox.validation import check_metadata, check_webhook_url
from stripe_sandbox.versions import check_version

MAX_ENDPOINTS = 16


def create_endpoint(sandbox: Sandbox, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/webhook_endpoints: the response is the only place the signing secret appears."""
    check_webhook_url(params["url"], "url", allow_local=sandbox.allow_local_webhooks)
    _check_events(params["enabled_events"])
    check_metadata(params.get("metadata"))
    if "api_version" in params:
        check_version(params["api_version"], "api_version")
    if len(list(sandbox.store.rows("webhook_endpoint", account=ctx.account))) >= MAX_ENDPOINTS:
        raise StripeError.invalid(f"You have reached the maximum of {MAX_ENDPOINTS} test webhook endpoints.", param="url")
    endpoint = {
        "api_version": params.get("api_version"),
        "application": None,
        "created": now(),
        "description": params.get("description") or None,
        "enabled_events": params["enabled_events"],
        "id": random_id("we_"),
        "livemode": False,
        "metadata": {k: v for k, v in (params.get("metadata") or {}).items() if v != ""},
        "object": "webhook_endpoint",
        "status": "enabled",
        "url": params["url"],
    }
    secret = "whsec_" + secrets.token_hex(16)
    sandbox.store.put(endpoint, account=ctx.account, meta={"secret": secret, "connect": bool(params.get("connect"))})
    return {**endpoint, "secret": secret}


def update_endpoint(sandbox: Sandbox, ctx: Context, endpoint_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/webhook_endpoints/{id}."""
    endpoint = _find(sandbox, ctx, endpoint_id)
    if "url" in params:
        check_webhook_url(params["url"], "url", allow_local=sandbox.allow_local_webhooks)
        endpoint["url"] = params["url"]
    if "enabled_events" in params:
        _check_events(params["enabled_events"])
        endpoint["enabled_events"] = params["enabled_events"]
    if "description" in params:
        endpoint["description"] = params["description"] or None
    if "disabled" in params:
        endpoint["status"] = "disabled" if params["disabled"] else "enabled"
    check_metadata(params.get("metadata"))
    endpoint["metadata"] = merge_metadata(endpoint["metadata"], params.get("metadata"))
    sandbox.store.put(endpoint, account=ctx.account)
    return endpoint


def delete_endpoint(sandbox: Sandbox, ctx: Context, endpoint_id: str) -> dict[str, Any]:
    """DELETE /v1/webhook_endpoints/{id}: pending deliveries to it are abandoned."""
    _find(sandbox, ctx, endpoint_id)
    sandbox.store.delete(endpoint_id)
    sandbox.store.execute("UPDATE deliveries SET status = 'abandoned' WHERE endpoint_id = ? AND status = 'pending'", (endpoint_id,))
    return {"deleted": True, "id": endpoint_id, "object": "webhook_endpoint"}


def _check_events(events: list[str]) -> None:
    if not events:
        raise StripeError.invalid("You must specify at least one event type in enabled_events.", param="enabled_events")


def _find(sandbox: Sandbox, ctx: Context, endpoint_id: str) -> dict[str, Any]:
    return find(sandbox, ctx, endpoint_id, "webhook_endpoint", "webhook endpoint", param="webhook_endpoint")


@post("/v1/webhook_endpoints")
async def create_endpoint_route(request: Request) -> Response:
    """POST /v1/webhook_endpoints."""
    return await api_call(request, sp.WebhookEndpointCreateParams, create_endpoint)


@get("/v1/webhook_endpoints/{endpoint_id:str}")
async def retrieve_endpoint_route(request: Request, endpoint_id: FromPath[str]) -> Response:
    """GET /v1/webhook_endpoints/{id}."""
    return await api_call(request, sp.WebhookEndpointRetrieveParams, lambda s, c, p: _find(s, c, endpoint_id))


@post("/v1/webhook_endpoints/{endpoint_id:str}")
async def update_endpoint_route(request: Request, endpoint_id: FromPath[str]) -> Response:
    """POST /v1/webhook_endpoints/{id}."""
    return await api_call(request, sp.WebhookEndpointUpdateParams, lambda s, c, p: update_endpoint(s, c, endpoint_id, p))


@delete("/v1/webhook_endpoints/{endpoint_id:str}", status_code=200)
async def delete_endpoint_route(request: Request, endpoint_id: FromPath[str]) -> Response:
    """DELETE /v1/webhook_endpoints/{id}."""
    return await api_call(request, sp.WebhookEndpointDeleteParams, lambda s, c, p: delete_endpoint(s, c, endpoint_id))


@get("/v1/webhook_endpoints")
async def list_endpoints_route(request: Request) -> Response:
    """GET /v1/webhook_endpoints."""
    return await api_call(
        request, sp.WebhookEndpointListParams, lambda s, c, p: list_objects(s, c.account, "webhook_endpoint", p, "/v1/webhook_endpoints")
    )


ROUTES = [create_endpoint_route, retrieve_endpoint_route, update_endpoint_route, delete_endpoint_route, list_endpoints_route]
