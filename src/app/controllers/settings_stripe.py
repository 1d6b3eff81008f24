"""Settings > Stripe: Connect Express onboarding, the own-key form, status refresh and disconnect."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from app.auth import CurrentUser
from app.controllers._htmx import VARY, go
from app.errors import NotAllowed
from app.services.payments import connection as stripe_connection
from app.settings import get_settings

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
UserRequest = Request[CurrentUser, Any, Any]
PARTIAL = "partials/stripe/connection.html"


async def _panel(request: UserRequest, status: int = 200, headers: dict[str, str] | None = None,
                 **extra: Any) -> Template:
    state = await stripe_connection.connection_state(request.user.vendor_id)
    context = {"stripe": state, "vendor_id": request.user.vendor_id, "key_error": "", **extra}
    return Template(PARTIAL, context=context, status_code=status, headers=headers)


def _go(request: Request, url: str) -> Any:
    return go(request, url, 303)


class StripeSettingsController(Controller):
    """How the vendor connects Stripe."""

    path = "/settings/stripe"

    @get("/", opt={"role": "admin"})
    async def panel(self, request: UserRequest) -> Any:
        """The Stripe section alone (htmx refresh), or the settings page."""
        if not request.htmx:
            return Redirect(path="/settings#stripe", headers=VARY)
        return await _panel(request, headers=VARY)

    @post("/connect", status_code=200, opt={"role": "owner", "audit": "stripe:Started connecting Stripe (Connect onboarding)"})
    async def connect(self, request: UserRequest) -> Any:
        """Connect Stripe / Resume onboarding: on to Stripe's Express onboarding."""
        base = get_settings().app_base_url
        url = await stripe_connection.start_onboarding(
            request.user.vendor_id, f"{base}/settings/stripe/refresh", f"{base}/settings/stripe/return"
        )
        return _go(request, url)

    @get("/return", opt={"role": "owner"})
    async def onboarding_return(self, request: UserRequest) -> Redirect:
        """Back from onboarding: the settings page, whose Stripe panel then checks the status (a POST)."""
        return Redirect(path="/settings?stripe=returned#stripe", status_code=303)

    @get("/refresh", opt={"role": "owner"})
    async def onboarding_refresh(self, request: UserRequest) -> Redirect:
        """The onboarding link expired or was used: a fresh one for an existing account; writes nothing."""
        base = get_settings().app_base_url
        url = await stripe_connection.fresh_onboarding_link(
            request.user.vendor_id, f"{base}/settings/stripe/refresh", f"{base}/settings/stripe/return"
        )
        return Redirect(path=url or "/settings#stripe", status_code=303)

    @post("/status", status_code=200, opt={"role": "admin"})
    async def refresh(self, request: UserRequest) -> Template:
        """Check the account's status with Stripe now."""
        state = await stripe_connection.refresh_status(request.user.vendor_id)
        if not (state.connection and state.connection.account_id):
            return await _panel(request)
        if state.phase == "reviewing":  # the panel itself says Stripe is reviewing; a second notice would repeat it
            return await _panel(request)
        notice = ("Stripe is connected. You can now create payment links." if state.ready
                  else "Stripe still needs a few details before you can take payments.")
        return await _panel(request, notice=notice)

    @post("/express-dashboard", status_code=200, opt={"role": "owner"})
    async def express_dashboard(self, request: UserRequest) -> Any:
        """Open the Express dashboard: a fresh single-use login link from Stripe."""
        try:
            url = await stripe_connection.express_dashboard_link(request.user.vendor_id)
        except NotAllowed as exc:
            return await _panel(request, 422, notice=exc.message)
        return _go(request, url)

    @post("/key", status_code=200, opt={"role": "owner", "audit": "key:Changed the Stripe secret key"})
    async def save_key(self, request: UserRequest, data: FormData) -> Template:
        """Add the Stripe Secret Key: checked with Stripe, stored encrypted, its webhook registered."""
        try:
            await stripe_connection.connect_with_key(request.user.vendor_id, data.get("secret_key", ""))
        except NotAllowed as exc:
            return await _panel(request, 422, key_error=exc.message, show_key_form=True)
        return await _panel(request, notice="Your Stripe key works and is stored encrypted. Stripe is connected.")

    @post("/disconnect", status_code=200, opt={"role": "owner", "audit": "stripe:Disconnected Stripe"})
    async def disconnect(self, request: UserRequest) -> Template:
        """Stop using this Stripe account; existing links stay but take no payment."""
        message = await stripe_connection.disconnect(request.user.vendor_id)
        return await _panel(request, notice=message)
