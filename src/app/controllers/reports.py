"""/reports: the tax report, receivables ageing and revenue by customer, with their CSV and PDF downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.response import Redirect, Template

from app.auth import CurrentUser
from app.services.reports import pages

Req = Request[CurrentUser, Any, Any]
TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _download(found: tuple[bytes, str] | None, page: str, request: Req) -> Response | Redirect:
    if found is None:  # a bad period: the page shows the errors in place
        return Redirect(f"{page}?{urlencode(dict(request.query_params))}", status_code=303)
    body, name = found
    return Response(body, media_type=TYPES[name.rsplit(".", 1)[1]],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


class ReportsController(Controller):
    """The three reports."""

    path = "/reports"

    @get("/", opt={"role": "viewer"})
    async def tax(self, request: Req) -> Template:
        """Tax per rate and currency for a month, quarter or year."""
        context = await pages.tax_page(request.user.vendor_id, dict(request.query_params))
        return Template("pages/reports/tax.html", context=context)

    @get("/tax.csv", opt={"role": "viewer"})
    async def tax_csv(self, request: Req) -> Response | Redirect:
        """The tax report as CSV."""
        return _download(await pages.tax_file(request.user.vendor_id, dict(request.query_params), "csv"),
                         "/reports", request)

    @get("/tax.pdf", opt={"role": "viewer"})
    async def tax_pdf(self, request: Req) -> Response | Redirect:
        """The tax report as PDF."""
        return _download(await pages.tax_file(request.user.vendor_id, dict(request.query_params), "pdf"),
                         "/reports", request)

    @get("/ageing", opt={"role": "viewer"})
    async def ageing(self, request: Req) -> Template:
        """Open balances per customer by days past due."""
        return Template("pages/reports/ageing.html", context=await pages.ageing_page(request.user.vendor_id))

    @get("/ageing.csv", opt={"role": "viewer"})
    async def ageing_csv(self, request: Req) -> Response:
        """The ageing detail as CSV."""
        return _download(await pages.ageing_file(request.user.vendor_id), "/reports/ageing", request)

    @get("/revenue", opt={"role": "viewer"})
    async def revenue(self, request: Req) -> Template:
        """Invoiced and received per customer for a period."""
        context = await pages.revenue_page(request.user.vendor_id, dict(request.query_params))
        return Template("pages/reports/revenue.html", context=context)

    @get("/revenue.csv", opt={"role": "viewer"})
    async def revenue_csv(self, request: Req) -> Response | Redirect:
        """Revenue by customer as CSV."""
        return _download(await pages.revenue_file(request.user.vendor_id, dict(request.query_params)),
                         "/reports/revenue", request)
