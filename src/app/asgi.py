"""create_app(): plugins, templates, static files, database lifespan, CSRF (webhooks exempt)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, Router
from litestar.datastructures import ResponseHeader
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.flash import FlashConfig, FlashPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from app.access import audit_on_success, role_guard
from app.api_docs import DOCS_CSP, OfflineSwagger
from app.auth import session_auth, session_store
from app.controllers import ROUTE_HANDLERS
from app.db import close_pool, open_pool, prepare_database
from app.controllers._errors import EXCEPTION_HANDLERS
from app.controllers.metrics import MetricsController
from app.live.channels import create_channels_plugin
from app.live.stream import LiveApp
from app.security import RenewStaleCsrfCookie, add_security_headers
from app.security import refuse_control_characters
from app.services.api.limits import RateLimiter
from app.services.api.webhooks import webhook_worker
from app.services.mail.worker import mail_worker
from app.services.autopay.retries import autopay_retries
from app.services.payments.platform import start_background, stop_background
from app.services.recurring.scheduler import recurring_scheduler
from app.settings import Settings, get_settings
from app.telemetry import logging_config, prometheus_config, request_id_middleware, tracing_plugins
from app.templating import configure_engine

HERE = Path(__file__).parent
STARTUP_HOOKS: list = [start_background]  # feature modules append async callables run once at start
SHUTDOWN_HOOKS: list = [stop_background]
CSRF_COOKIE = "payport_csrf"


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    """Prepare the database, run start-up hooks, and let background tasks end with the app."""
    await prepare_database()
    # Only the served app pools PostgreSQL connections: in-process test clients run the app on a loop of
    # their own while tests call services on theirs, and a pooled connection cannot cross loops.
    pooled = bool(app.state.get("db_pool"))
    if pooled:
        await open_pool()
    for hook in STARTUP_HOOKS:
        await hook(app)
    try:
        yield
    finally:
        for hook in SHUTDOWN_HOOKS:
            await hook(app)
        await close_pool()


def _template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=configure_engine)


def _csrf(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=settings.secret_key,
        cookie_name=CSRF_COOKIE,
        cookie_secure=settings.secure_cookies,
        cookie_samesite="lax",
        cookie_httponly=True,
        header_name="x-csrftoken",
        # Stripe signs webhooks instead; they carry no browser cookie.
        # API clients authenticate with a bearer key, not a cookie, so a forged browser request carries nothing.
        exclude=["^/webhooks/", "^/api/v1/"],
    )


def api_openapi_config() -> OpenAPIConfig:
    """The schema of /api/v1, served to signed-in members at /api/v1/docs (and /api/v1/docs/openapi.json)."""
    return OpenAPIConfig(
        title="PayPort API", version="v1", path="/api/v1/docs", use_handler_docstrings=True,
        description="Customers, invoices, credit notes, payments, refunds and payment links. Authenticate with "
                    "'Authorization: Bearer pp_live_...' (Settings > API keys).",
        components=Components(security_schemes={"ApiKey": SecurityScheme(type="http", scheme="bearer")}),
        render_plugins=[OfflineSwagger()],
        # Swagger UI served from /static (make docs-ui); its page alone allows inline styles, which Swagger UI sets.
        # Every member may read it (the role guard reads the router's opt like any route's).
        openapi_router=Router(path="/api/v1/docs", route_handlers=[], opt={"role": "viewer"}, response_headers=[
            ResponseHeader(name="Content-Security-Policy", value=DOCS_CSP)]),
    )


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the ASGI app from validated settings."""
    settings = settings or get_settings()
    templates = _template_config()
    # Without a token /metrics does not exist (404) rather than answering anyone.
    metrics = [MetricsController] if settings.metrics_token else []
    return LiveApp(
        route_handlers=[
            *ROUTE_HANDLERS,
            *metrics,
            create_static_files_router(path="/static", directories=[HERE / "static"], opt={"public": True}),
        ],
        plugins=[HTMXPlugin(), FlashPlugin(FlashConfig(template_config=templates)), create_channels_plugin(settings),
                 *tracing_plugins(settings)],
        middleware=[request_id_middleware, prometheus_config().middleware,
                    DefineMiddleware(RenewStaleCsrfCookie, secret=settings.secret_key, cookie_name=CSRF_COOKIE)],
        state=State({"metrics_token": settings.metrics_token,
                     "api_limiter": RateLimiter(settings.api_rate_limit, settings.api_rate_window_seconds)}),
        openapi_config=api_openapi_config(),
        include_in_schema=False,  # only /api/v1 is in the schema (its router says so)
        template_config=templates,
        on_app_init=[session_auth(settings).on_app_init],
        stores={"sessions": session_store()},
        csrf_config=_csrf(settings),
        allowed_hosts=AllowedHostsConfig(allowed_hosts=list(settings.allowed_hosts)),
        before_request=refuse_control_characters,
        before_send=[add_security_headers, audit_on_success],
        exception_handlers=EXCEPTION_HANDLERS,
        guards=[role_guard],
        lifespan=[lifespan, mail_worker, autopay_retries, recurring_scheduler, webhook_worker],
        logging_config=logging_config(settings),
        debug=False,
    )


def app_factory() -> Litestar:
    """uvicorn --factory entry point."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("stripe").setLevel(logging.WARNING)  # one INFO line per API call otherwise
    app = create_app()
    app.state.db_pool = True
    return app
