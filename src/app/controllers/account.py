"""Account security: change password and email, confirm the address, see and end sessions."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Template

from app.auth import CurrentUser
from app.controllers._htmx import go, partial_or_page
from app.services import account_page, account_security, user_sessions
from app.services.accounts import FormErrors

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Req = Request[CurrentUser, Any, Any]
VIEWER = {"role": "viewer"}  # every member manages their own account
PAGE = "pages/account/security.html"


def session_key(request: Request) -> str | None:
    """The id of the session making this request."""
    return request.cookies.get("payport_session")


async def _section(request: Req, partial: str, status: int = 200, **extra: Any) -> Template:
    """One section of the page (htmx), or the whole page with it."""
    context = {**await account_page.security_context(request.user.id, session_key(request)), "active": "account",
               **extra}
    return partial_or_page(request, f"partials/account/{partial}.html", PAGE, context, status)


class AccountController(Controller):
    """GET /account/security and the forms on it."""

    path = "/account"

    @get("/security", opt=VIEWER, media_type=MediaType.HTML)
    async def security_page(self, request: Req) -> Template:
        """The page: email, password, two-factor, sessions."""
        context = await account_page.security_context(request.user.id, session_key(request))
        return Template(PAGE, context={**context, "active": "account"})

    @post("/password", opt=VIEWER, media_type=MediaType.HTML)
    async def change_password(self, request: Req, data: FormData) -> Template:
        """Change the password; the other sessions end."""
        try:
            await account_security.change_password(request.user.id, data.get("current_password", ""),
                                                   data.get("password", ""), data.get("confirm", ""),
                                                   session_key(request))
        except FormErrors as exc:
            return await _section(request, "password_form", 422, errors=exc.errors)
        return await _section(request, "password_form", password_saved=True)

    @post("/email", opt=VIEWER, media_type=MediaType.HTML)
    async def change_email(self, request: Req, data: FormData) -> Template:
        """Send a confirmation link to the new address (and a notice to the current one)."""
        values = {"new_email": data.get("new_email", "").strip()}
        try:
            sent_to = await account_security.request_email_change(request.user.id, data.get("password", ""),
                                                                  values["new_email"])
        except FormErrors as exc:
            return await _section(request, "email_form", 422, errors=exc.errors, values=values)
        return await _section(request, "email_form", email_sent_to=sent_to)

    @post("/verify-email", opt=VIEWER, media_type=MediaType.HTML)
    async def resend_verification(self, request: Req) -> Any:
        """A new verification link to the person's address."""
        await account_security.resend_verification(request.user.id)
        if request.htmx:
            return Template("partials/account/verify_notice.html",
                            context={"email": request.user.email, "resent": True})
        flash(request, f"We sent a new confirmation link to {request.user.email}.", category="success")
        return go(request, "/account/security", status_code=303)

    @post("/sessions/{session_id:int}/revoke", opt=VIEWER, media_type=MediaType.HTML)
    async def revoke(self, request: Req, session_id: FromPath[int]) -> Template:
        """Sign one of the person's browsers out, at once."""
        ended = await user_sessions.revoke(request.user.id, session_id)
        return await _section(request, "sessions", revoked=ended)

    @post("/sessions/revoke-others", opt=VIEWER, media_type=MediaType.HTML)
    async def revoke_others(self, request: Req) -> Template:
        """Sign out every browser but this one."""
        ended = await user_sessions.revoke_others(request.user.id, session_key(request))
        return await _section(request, "sessions", revoked=ended)
