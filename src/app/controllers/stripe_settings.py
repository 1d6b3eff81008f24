"""Settings > Stripe: Connect Express onboarding, the own-key form, status refresh and disconnect."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.plugins.flash import flash
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from app.auth import CurrentUser
from app.errors import NotAllowed
from app.live.announce import announce_vendor_changed
from app.services.payments import connection as stripe_connection
from app.settings import get_settings

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
UserRequest = Request[CurrentUser, Any, Any]
PARTIAL = "partials/stripe/connection.html"


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _panel(request: UserRequest, status: int = 200, **extra: Any) -> Template:
    state = await stripe_connection.connection_state(request.user.vendor_id)
    context = {"stripe": state, "vendor_id": request.user.vendor_id, "key_error": "", **extra}
    return Template(PARTIAL, context=context, status_code=status, headers={"Vary": "HX-Request"})


def _go(request: Request, url: str) -> Any:
    return ClientRedirect(redirect_to=url) if _is_htmx(request) else Redirect(path=url, status_code=303)


class StripeSettingsController(Controller):
    """How the vendor connects Stripe."""

    path = "/settings/stripe"

    @get("/")
    async def panel(self, request: UserRequest) -> Any:
        """The Stripe section alone (htmx refresh), or the settings page."""
        if not _is_htmx(request):
            return Redirect(path="/settings#stripe")
        return await _panel(request)

    @post("/connect", status_code=200)
    async def connect(self, request: UserRequest) -> Any:
        """Connect Stripe / Resume onboarding: on to Stripe's Express onboarding."""
        base = get_settings().app_base_url
        url = await stripe_connection.start_onboarding(
            request.user.vendor_id, f"{base}/settings/stripe/refresh", f"{base}/settings/stripe/return"
        )
        announce_vendor_changed(request.user.vendor_id, "stripe")
        return _go(request, url)

    @get("/return")
    async def onboarding_return(self, request: UserRequest) -> Redirect:
        """Back from onboarding: read the account's status now."""
        state = await stripe_connection.refresh_status(request.user.vendor_id)
        if state.ready:
            flash(request, "Stripe is connected. You can now create payment links.", category="success")
        else:
            flash(request, "Stripe still needs a few details before you can take payments.", category="info")
        announce_vendor_changed(request.user.vendor_id, "stripe")
        return Redirect(path="/settings", status_code=303)

    @get("/refresh")
    async def onboarding_refresh(self, request: UserRequest) -> Redirect:
        """The onboarding link expired or was used: make a fresh one."""
        base = get_settings().app_base_url
        url = await stripe_connection.start_onboarding(
            request.user.vendor_id, f"{base}/settings/stripe/refresh", f"{base}/settings/stripe/return"
        )
        return Redirect(path=url, status_code=303)

    @post("/status", status_code=200)
    async def refresh(self, request: UserRequest) -> Template:
        """Check the account's status with Stripe now."""
        await stripe_connection.refresh_status(request.user.vendor_id)
        announce_vendor_changed(request.user.vendor_id, "stripe")
        return await _panel(request)

    @post("/key", status_code=200)
    async def save_key(self, request: UserRequest, data: FormData) -> Template:
        """Add the Stripe Secret Key: checked with Stripe, stored encrypted, its webhook registered."""
        try:
            await stripe_connection.connect_with_key(request.user.vendor_id, data.get("secret_key", ""))
        except NotAllowed as exc:
            return await _panel(request, 422, key_error=exc.message, show_key_form=True)
        announce_vendor_changed(request.user.vendor_id, "stripe")
        return await _panel(request, notice="Your Stripe key works and is stored encrypted. Stripe is connected.")

    @post("/disconnect", status_code=200)
    async def disconnect(self, request: UserRequest) -> Template:
        """Stop using this Stripe account; existing links stay but take no payment."""
        message = await stripe_connection.disconnect(request.user.vendor_id)
        announce_vendor_changed(request.user.vendor_id, "stripe")
        return await _panel(request, notice=message)
