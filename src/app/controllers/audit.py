"""Settings > Audit log: read-only, for owners and admins, filterable by kind, exportable as CSV."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Stream, Template

from app.auth import CurrentUser
from app.services import audit
from app.services.clock import today_for
from app.services.rows import vendor_timezone

ADMIN = {"role": "admin"}


class AuditController(Controller):
    """GET /settings/audit and /settings/audit.csv; no route changes an entry."""

    path = "/settings"

    @get("/audit", opt=ADMIN)
    async def index(self, request: Request[CurrentUser, Any, Any], kind: FromQuery[str] = "",
                    page: FromQuery[int] = 1) -> Template:
        """The newest entries first, one kind or all."""
        listing = await audit.list_entries(request.user.vendor_id, kind, page)
        tz = await vendor_timezone(request.user.vendor_id)
        return Template("pages/settings/audit.html", context={
            "active": "audit", "listing": listing, "kinds": audit.KINDS, "tz": tz})

    @get("/audit.csv", opt=ADMIN)
    async def export(self, request: Request[CurrentUser, Any, Any], kind: FromQuery[str] = "") -> Stream:
        """The log as CSV (the download itself is logged too)."""
        day = today_for(await vendor_timezone(request.user.vendor_id)).isoformat()
        return Stream(audit.csv_chunks(request.user.vendor_id, kind), media_type="text/csv",
                      headers={"Content-Disposition": f'attachment; filename="audit-{day}.csv"'})
