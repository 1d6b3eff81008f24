"""/payments: every payment and refund, with filters and CSV."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Stream, Template

from app.auth import CurrentUser
from app.services.payments import listing as payments_page
from app.services.clock import today_for
from app.services.rows import vendor_timezone
from app.services.payments.history import METHOD_LABELS

Req = Request[CurrentUser, Any, Any]


class PaymentsController(Controller):
    """The Payments page and its CSV."""

    path = "/payments"

    @get("/", opt={"role": "viewer"})
    async def index(self, request: Req) -> Template:
        """Payments and refunds, newest first."""
        tz = await vendor_timezone(request.user.vendor_id)
        query = payments_page.parse_query(dict(request.query_params))
        rows = await payments_page.list_moves(request.user.vendor_id, tz, query)
        return Template("pages/payments/index.html", context={
            "rows": rows, "q": query, "tz": tz, "totals": payments_page.totals(rows), "methods": METHOD_LABELS,
            "label": payments_page.label, "active": "payments", "limit": payments_page.LIMIT})

    @get("/export.csv", opt={"role": "viewer"})
    async def export(self, request: Req) -> Stream:
        """The filtered payments and refunds as CSV."""
        tz = await vendor_timezone(request.user.vendor_id)
        query = payments_page.parse_query(dict(request.query_params))
        name = f"payments-{today_for(tz).isoformat()}.csv"
        return Stream(payments_page.csv_text(request.user.vendor_id, tz, query), media_type="text/csv",
                      headers={"Content-Disposition": f'attachment; filename="{name}"'})
