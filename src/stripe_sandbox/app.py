"""The sandbox's ASGI app factory."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from litestar import Litestar, Request, Response
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.exceptions import HTTPException
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from stripe_sandbox import dashboard, hosted, testing_routes
from stripe_sandbox.api import add_request_id, request_id_of
from stripe_sandbox.core import DeliveryPolicy, Sandbox
from stripe_sandbox.errors import StripeError
from stripe_sandbox.resources import (
    accounts,
    balances,
    charges,
    checkout,
    confirmations,
    customers,
    events,
    onboarding,
    payment_intents,
    payment_methods,
    refunds,
    webhook_endpoints,
)
from stripe_sandbox.store import Store
from stripe_sandbox.webhooks import Deliverer

PACKAGE = Path(__file__).parent
log = logging.getLogger("stripe_sandbox")
DEFAULT_PLATFORM_KEY = "sk_test_payport_platform"


def create_app(
    *,
    db_path: str = ":memory:",
    platform_key: str = DEFAULT_PLATFORM_KEY,
    public_url: str | None = None,
    delivery_fast: bool = False,
    policy: DeliveryPolicy | None = None,
    debug: bool = False,
    async_delay: float | None = None,
    allow_local_webhooks: bool = False,
    onboarding_delay: float | None = None,
) -> Litestar:
    """Build the sandbox app: Stripe's /v1 API, hosted Checkout and onboarding pages, dashboard and test routes."""
    store = Store(db_path)
    sandbox = Sandbox(
        store=store,
        platform_key=platform_key,
        public_url=public_url,
        policy=policy or (DeliveryPolicy.fast() if delivery_fast else DeliveryPolicy()),
        async_delay=async_delay if async_delay is not None else (0.3 if delivery_fast else 3.0),
        allow_local_webhooks=allow_local_webhooks,
        onboarding_delay=onboarding_delay,
    )
    accounts.ensure_platform(sandbox)
    deliverer = Deliverer(sandbox)
    app = Litestar(
        route_handlers=[
            *accounts.ROUTES,
            *onboarding.ROUTES,
            *checkout.ROUTES,
            *payment_intents.ROUTES,
            *confirmations.ROUTES,
            *customers.ROUTES,
            *payment_methods.ROUTES,
            *charges.ROUTES,
            *balances.ROUTES,
            *refunds.ROUTES,
            *events.ROUTES,
            *webhook_endpoints.ROUTES,
            *hosted.ROUTES,
            *dashboard.ROUTES,
            *testing_routes.ROUTES,
            create_static_files_router(path="/static", directories=[PACKAGE / "static"], name="static"),
        ],
        template_config=TemplateConfig(directory=PACKAGE / "templates", engine=JinjaTemplateEngine),
        exception_handlers={StripeError: _stripe_error, HTTPException: _http_error, Exception: _unexpected},
        before_send=[add_request_id],
        on_startup=[deliverer.start],
        on_shutdown=[deliverer.stop, lambda: store.close()],
        debug=debug,
        # Leave logging to the host (uvicorn, pytest): Litestar's default would put every httpx delivery at INFO on root.
        logging_config=None,
    )
    app.state.sandbox = sandbox
    app.state.deliverer = deliverer
    return app


def create_app_from_env() -> Litestar:
    """The app as the CLI serves it, configured by SANDBOX_DB_PATH, SANDBOX_PLATFORM_KEY, SANDBOX_PUBLIC_URL and others."""
    return create_app(
        db_path=os.environ.get("SANDBOX_DB_PATH", "stripe-sandbox.sqlite3"),
        platform_key=os.environ.get("SANDBOX_PLATFORM_KEY", DEFAULT_PLATFORM_KEY),
        public_url=os.environ.get("SANDBOX_PUBLIC_URL") or None,
        delivery_fast=os.environ.get("SANDBOX_DELIVERY_FAST", "") in ("1", "true"),
        allow_local_webhooks=os.environ.get("SANDBOX_ALLOW_LOCAL_WEBHOOKS", "") in ("1", "true"),
        onboarding_delay=float(os.environ["SANDBOX_ONBOARDING_DELAY"]) if os.environ.get("SANDBOX_ONBOARDING_DELAY") else None,
    )


def _stripe_error(request: Request, exc: StripeError) -> Response:
    request_id = request_id_of(request)
    body = json.dumps(exc.body(request_id)).encode()
    return Response(content=body, status_code=exc.status, media_type="application/json", headers={"Request-Id": request_id, **exc.headers})


def _http_error(request: Request, exc: HTTPException) -> Response:
    # Stripe answers unknown URLs and methods with its own invalid_request_error shape.
    if exc.status_code in (404, 405) and request.url.path.startswith("/v1"):
        message = (
            f"Unrecognized request URL ({request.method}: {request.url.path}). Please see https://stripe.com/docs "
            "or we can help at https://support.stripe.com/."
        )
        request_id = request_id_of(request)
        body = StripeError(message, status=404).body(request_id)
        return Response(content=json.dumps(body).encode(), status_code=404, media_type="application/json", headers={"Request-Id": request_id})
    return Response(content={"detail": exc.detail}, status_code=exc.status_code)


def _unexpected(request: Request, exc: Exception) -> Response:
    # A sandbox bug still answers in Stripe's shape, so the SDK raises APIError instead of failing to parse.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    body = StripeError(f"Sandbox internal error: {type(exc).__name__}: {exc}", status=500, type="api_error").body(request_id_of(request))
    return Response(content=json.dumps(body).encode(), status_code=500, media_type="application/json")
