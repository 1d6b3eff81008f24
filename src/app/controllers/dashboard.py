"""The first page after login: figures, charts, what needs attention and recent activity, each a live partial."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.enums import MediaType
from litestar.response import Template

from app.auth import CurrentUser
from app.controllers._htmx import page_of
from app.services.dashboard import (
    day as dashboard,
    attention as dashboard_attention,
    charts as dashboard_charts,
    monthly as dashboard_monthly,
    stripe as dashboard_stripe,
)
from app.services import vendor_data
from app.services.clock import today_for
from app.services.dashboard.day import VendorDay

DASHBOARD_PAGE = page_of("/")

UserRequest = Request[CurrentUser, Any, Any]


def invoice_list_url(day: VendorDay, figure: str, currency: str) -> str:
    """The invoice list filtered to exactly the invoices behind a figure (the list's contract)."""
    params = {"status": figure, "currency": currency}
    if figure == "paid":  # money received in the window, part payments and refunded invoices included
        params.update(status="all", paid_from=day.paid_from.isoformat())
    return "/invoices?" + urlencode(params)


async def figures_context(day: VendorDay) -> dict[str, Any]:
    """Headline figures per currency, with the list link of each."""
    figures = await dashboard.currency_figures(day)
    return {
        "figures": figures, "day": day, "list_url": invoice_list_url,
        "show_fees": any(fig.platform_fees is not None for fig in figures),
    }


async def ageing_context(day: VendorDay) -> dict[str, Any]:
    """One ageing chart per currency with something outstanding."""
    return {"ageing_charts": [(s, dashboard_charts.ageing_chart(s)) for s in await dashboard.ageing(day)], "day": day}


async def monthly_context(day: VendorDay) -> dict[str, Any]:
    """One paid-per-month chart per currency paid in the last 12 months."""
    series = await dashboard_monthly.paid_per_month(day)
    return {"monthly_charts": [(s, dashboard_charts.monthly_chart(s)) for s in series], "day": day}


async def attention_context(day: VendorDay) -> dict[str, Any]:
    """The needs-attention list."""
    return {"attention": await dashboard_attention.needs_attention(day), "day": day}


async def activity_context(day: VendorDay) -> dict[str, Any]:
    """Recent activity, newest first."""
    return {"entries": await dashboard_attention.recent_activity(day), "day": day}


async def overview_context(day: VendorDay) -> dict[str, Any]:
    """Everything the dashboard shows, or the first steps for a vendor without invoices."""
    if not await dashboard.has_invoices(day.vendor_id):
        return await first_steps_context(day)
    context: dict[str, Any] = {"empty": False, "day": day}
    builders = (figures_context, ageing_context, monthly_context, attention_context, activity_context)
    for part in await asyncio.gather(*(build(day) for build in builders)):
        context.update(part)
    return context


async def first_steps_context(day: VendorDay) -> dict[str, Any]:
    """Which of the three first steps are done."""
    return {
        "empty": True, "day": day,
        "has_customers": await dashboard.has_customers(day.vendor_id),
        "stripe_connected": await dashboard_stripe.is_connected(day.vendor_id),
    }


async def _today(vendor_id: int) -> tuple[VendorDay, Any]:
    """The vendor's day and data version, from the snapshot (no query while nothing changed)."""
    snap = await vendor_data.snapshot(vendor_id)
    return VendorDay(vendor_id, snap.timezone, snap.default_currency, today_for(snap.timezone)), snap.version


async def _partial(request: UserRequest, name: str, build: Callable[[VendorDay], Awaitable[dict[str, Any]]]) -> Response:
    """A dashboard partial (what live updates re-fetch), rendered once per data version and day."""
    day, version = await _today(request.user.vendor_id)

    async def render() -> str:
        context = await build(day)
        template = name if name != "overview" else ("first_steps" if context["empty"] else "overview")
        return request.app.template_engine.get_template(f"partials/dashboard/{template}.html").render(**context)

    html = await vendor_data.cached(("dashboard-html", name, day.vendor_id, version, day.today), render)
    return Response(html, media_type=MediaType.HTML)


class DashboardController(Controller):
    """Where the vendor's money stands; a first-steps panel while there is nothing yet."""

    @get("/", opt={"role": "viewer"})
    async def index(self, request: UserRequest) -> Template:
        """The dashboard page, read afresh: a reload always shows the truth, whoever wrote it."""
        context = await overview_context(await dashboard.vendor_day(request.user.vendor_id))
        return Template("pages/dashboard/index.html", context={"active": "dashboard", **context})

    @get("/dashboard/overview", before_request=DASHBOARD_PAGE, opt={"role": "viewer"})
    async def overview(self, request: UserRequest) -> Response:
        """The whole dashboard body: replaces the first steps once the first invoice exists."""
        return await _partial(request, "overview", overview_context)

    @get("/dashboard/figures", before_request=DASHBOARD_PAGE, opt={"role": "viewer"})
    async def figures(self, request: UserRequest) -> Response:
        """Headline figures per currency."""
        return await _partial(request, "figures", figures_context)

    @get("/dashboard/ageing", before_request=DASHBOARD_PAGE, opt={"role": "viewer"})
    async def ageing(self, request: UserRequest) -> Response:
        """Ageing of receivables chart."""
        return await _partial(request, "ageing", ageing_context)

    @get("/dashboard/paid-per-month", before_request=DASHBOARD_PAGE, opt={"role": "viewer"})
    async def paid_per_month(self, request: UserRequest) -> Response:
        """Paid per month chart."""
        return await _partial(request, "paid_per_month", monthly_context)

    @get("/dashboard/attention", before_request=DASHBOARD_PAGE, opt={"role": "viewer"})
    async def attention(self, request: UserRequest) -> Response:
        """Needs attention list."""
        return await _partial(request, "attention", attention_context)

    @get("/dashboard/activity", before_request=DASHBOARD_PAGE, opt={"role": "viewer"})
    async def activity(self, request: UserRequest) -> Response:
        """Recent activity feed."""
        return await _partial(request, "activity", activity_context)
