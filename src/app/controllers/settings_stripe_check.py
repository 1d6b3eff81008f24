"""GET /settings/stripe-check: the platform's Stripe check for the operator (PLATFORM_ADMIN_EMAILS) only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from app.auth import CurrentUser
from app.controllers._htmx import VARY, page_of
from app.services.payments.stripe_check import check_stripe, is_platform_admin


class StripeCheckController(Controller):
    """The operator's panel in Settings; to a vendor the URL does not exist."""

    path = "/settings/stripe-check"

    @get("/", before_request=page_of("/settings"), opt={"role": "admin"})
    async def report(self, request: Request[CurrentUser, Any, Any]) -> Template:
        """The report as a fragment (reads Stripe, writes nothing)."""
        if not is_platform_admin(request.user.email):
            raise NotFoundException()
        return Template("partials/settings/stripe_check.html", context={"report": await check_stripe()}, headers=VARY)
