"""The first page after login: figures, charts, what needs attention and recent activity, each a live partial."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.response import Template

from app.auth import CurrentUser
from app.services import dashboard, dashboard_attention, dashboard_charts, dashboard_stripe
from app.services.dashboard import VendorDay

UserRequest = Request[CurrentUser, Any, Any]


def invoice_list_url(day: VendorDay, figure: str, currency: str) -> str:
    """The invoice list filtered to exactly the invoices behind a figure (the list's contract)."""
    params = {"status": figure, "currency": currency}
    if figure == "paid":
        params["paid_from"] = day.paid_from.isoformat()
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
    series = await dashboard.paid_per_month(day)
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


def _partial(name: str, context: dict[str, Any]) -> Template:
    return Template(f"partials/dashboard/{name}.html", context=context)


class DashboardController(Controller):
    """Where the vendor's money stands; a first-steps panel while there is nothing yet."""

    @get("/")
    async def index(self, request: UserRequest) -> Template:
        """The dashboard page."""
        context = await overview_context(await dashboard.vendor_day(request.user.vendor_id))
        return Template("pages/dashboard/index.html", context={"active": "dashboard", **context})

    @get("/dashboard/overview")
    async def overview(self, request: UserRequest) -> Template:
        """The whole dashboard body: replaces the first steps once the first invoice exists."""
        context = await overview_context(await dashboard.vendor_day(request.user.vendor_id))
        return _partial("first_steps" if context["empty"] else "overview", context)

    @get("/dashboard/figures")
    async def figures(self, request: UserRequest) -> Template:
        """Headline figures per currency."""
        return _partial("figures", await figures_context(await dashboard.vendor_day(request.user.vendor_id)))

    @get("/dashboard/ageing")
    async def ageing(self, request: UserRequest) -> Template:
        """Ageing of receivables chart."""
        return _partial("ageing", await ageing_context(await dashboard.vendor_day(request.user.vendor_id)))

    @get("/dashboard/paid-per-month")
    async def paid_per_month(self, request: UserRequest) -> Template:
        """Paid per month chart."""
        return _partial("paid_per_month", await monthly_context(await dashboard.vendor_day(request.user.vendor_id)))

    @get("/dashboard/attention")
    async def attention(self, request: UserRequest) -> Template:
        """Needs attention list."""
        return _partial("attention", await attention_context(await dashboard.vendor_day(request.user.vendor_id)))

    @get("/dashboard/activity")
    async def activity(self, request: UserRequest) -> Template:
        """Recent activity feed."""
        return _partial("activity", await activity_context(await dashboard.vendor_day(request.user.vendor_id)))
