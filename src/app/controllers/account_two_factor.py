"""Two-factor: enrolment and turning it off on Account security, and the code step of signing in."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from app.auth import CurrentUser
from app.controllers._htmx import go
from app.services import account_page, audit, login_throttle, two_factor
from app.services.accounts import FormErrors, LoginThrottled
from app.sessions import login_session
from app.settings import get_settings

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Req = Request[CurrentUser, Any, Any]
PUBLIC = {"public": True}


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


async def _section(request: Req, status: int = 200, **extra: Any) -> Template:
    context = await account_page.security_context(request.user.id, request.cookies.get("payport_session"))
    return Template("partials/account/two_factor.html", context={**context, **extra}, status_code=status)


class TwoFactorController(Controller):
    """/account/two-factor/... for a signed-in person."""

    path = "/account/two-factor"

    @get("/", opt={"role": "viewer"}, media_type=MediaType.HTML)
    async def setup_page(self, request: Req) -> Any:
        """The QR code and the secret to add to an authenticator app, and the code that confirms it."""
        state = await two_factor.enrolment(request.user.id)
        if state["enabled"]:
            return Redirect(path="/account/security")
        return Template("pages/account/two_factor_setup.html", context={**state, "errors": {}, "action": "/account/two-factor", "active": "account"})

    @post("/", opt={"role": "viewer"}, media_type=MediaType.HTML)
    async def confirm(self, request: Req, data: FormData) -> Template:
        """Turn it on with a code from the app; the recovery codes are shown this once."""
        try:
            codes = await two_factor.confirm(request.user.id, data.get("pending", ""), data.get("code", ""))
        except FormErrors as exc:
            state = await two_factor.enrolment(request.user.id, data.get("pending", ""))
            return Template("pages/account/two_factor_setup.html", status_code=422,
                            context={**state, "errors": exc.errors, "action": "/account/two-factor", "active": "account"})
        return Template("pages/account/recovery_codes.html", context={"codes": codes, "next": "/account/security", "active": "account"})

    @post("/disable", opt={"role": "viewer"}, media_type=MediaType.HTML)
    async def disable(self, request: Req, data: FormData) -> Template:
        """Turn it off; the password is needed."""
        try:
            await two_factor.disable(request.user.id, data.get("disable_password", ""))
        except FormErrors as exc:
            return await _section(request, 422, errors=exc.errors)
        return await _section(request)

    @post("/require", opt={"role": "owner", "audit": "settings:Changed the two-factor requirement"},
          media_type=MediaType.HTML)
    async def require(self, request: Req, data: FormData) -> Template:
        """The owner's "Require two-factor for every member"."""
        context = await account_page.security_context(request.user.id, None)
        if context["is_owner"]:
            await two_factor.set_required(request.user.vendor_id, data.get("required") == "on")
        return await _section(request, 200 if context["is_owner"] else 403, require_saved=context["is_owner"])


class TwoFactorLoginController(Controller):
    """/login/two-factor: the code after the password; /login/two-factor/setup: enrolment the vendor requires."""

    path = "/login/two-factor"

    @get("/", opt=PUBLIC, media_type=MediaType.HTML)
    async def code_page(self, request: Request) -> Any:
        """The code form; without a pending sign-in, back to the login form."""
        if not request.session.get("pending_user") or request.session.get("pending_enrol"):
            return Redirect(path="/login")
        return Template("pages/auth/two_factor.html", context={"errors": {}})

    @post("/", opt=PUBLIC, media_type=MediaType.HTML)
    async def check(self, request: Request, data: FormData) -> Any:
        """A TOTP or recovery code finishes the sign-in; wrong codes are throttled like passwords."""
        pending = dict(request.session)
        if not pending.get("pending_user") or pending.get("pending_enrol"):
            return go(request, "/login", status_code=303)
        now = datetime.now(timezone.utc)
        email, address = pending.get("pending_email", ""), _address(request)
        try:
            await login_throttle.reserve_attempt(email, address, now, kind="2fa")
        except LoginThrottled as exc:
            minutes = int(exc.retry_after.total_seconds() // 60) + 1
            return Template("pages/auth/two_factor.html", status_code=429,
                            context={"errors": {"code": f"Too many wrong codes. Try again in {minutes} minute(s)."}})
        if not await two_factor.check_code(pending["pending_user"], data.get("code", "")):
            await two_factor.record_wrong_code(pending["pending_user"], address, now)
            return Template("pages/auth/two_factor.html", context={"errors": {"code": two_factor.WRONG_CODE}},
                            status_code=401)
        await login_throttle.record_success(email, address, kind="2fa")
        await audit.record_sign_in(pending["pending_user"], pending["pending_vendor"], email, address)
        request.set_session(login_session(pending["pending_user"], pending["pending_vendor"], request))
        response = go(request, "/", status_code=303)
        if data.get("trust") == "on":
            response.cookies.append(Cookie(
                key=two_factor.TRUST_COOKIE, value=two_factor.trust_cookie(pending["pending_user"]),
                max_age=two_factor.TRUST_SECONDS, httponly=True, samesite="lax", secure=get_settings().secure_cookies))
        return response

    @get("/setup", opt=PUBLIC, media_type=MediaType.HTML)
    async def required_setup(self, request: Request) -> Any:
        """Enrolment before the first sign-in under a vendor that requires two-factor."""
        if not request.session.get("pending_enrol"):
            return Redirect(path="/login")
        state = await two_factor.enrolment(request.session["pending_user"])
        return Template("pages/account/two_factor_setup.html",
                        context={**state, "errors": {}, "action": "/login/two-factor/setup", "required": True})

    @post("/setup", opt=PUBLIC, media_type=MediaType.HTML)
    async def required_confirm(self, request: Request, data: FormData) -> Any:
        """Confirm enrolment with a code, then sign in and show the recovery codes."""
        pending = dict(request.session)
        if not pending.get("pending_enrol"):
            return go(request, "/login", status_code=303)
        try:
            codes = await two_factor.confirm(pending["pending_user"], data.get("pending", ""), data.get("code", ""))
        except FormErrors as exc:
            state = await two_factor.enrolment(pending["pending_user"], data.get("pending", ""))
            return Template("pages/account/two_factor_setup.html", status_code=422, context={
                **state, "errors": exc.errors, "action": "/login/two-factor/setup", "required": True})
        await audit.record_sign_in(pending["pending_user"], pending["pending_vendor"], pending.get("pending_email", ""),
                                   _address(request))
        request.set_session(login_session(pending["pending_user"], pending["pending_vendor"], request))
        return Template("pages/account/recovery_codes.html", context={"codes": codes, "next": "/"})
